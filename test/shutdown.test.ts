import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { PermissionFlagsBits } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../commands/index.ts';
import { DiscordEmulator } from './support/discord/index.ts';
import { killChild, tempDir, trackChild } from './support/temp.ts';

const root = resolve(import.meta.dirname, '..');

let discord: DiscordEmulator;
beforeAll(async () => {
  discord = await DiscordEmulator.start();
  discord.setCommands(commands.map((c) => c.data.toJSON()));
});
afterAll(async () => {
  await discord?.stop();
});

/** Resolves with the first stdout JSON log line whose msg matches. */
function waitForLog(lines: string[], stream: NodeJS.ReadableStream, pattern: RegExp): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const found = lines.find((l) => pattern.test(l));
    if (found) return resolvePromise(found);
    const onData = () => {
      const hit = lines.find((l) => pattern.test(l));
      if (hit) {
        stream.off('data', onData);
        resolvePromise(hit);
      }
    };
    stream.on('data', onData);
    stream.once('end', () =>
      reject(new Error(`process ended before logging ${pattern}:\n${lines.join('\n')}`)),
    );
  });
}

describe('the bot process', () => {
  it('on SIGTERM finishes the in-flight interaction, then exits 0', async () => {
    const guildId = discord.addGuild({ name: 'Shutdown' });
    const channelId = discord.addChannel(guildId, { name: 'general' });
    const userId = discord.addMember(guildId, {
      username: 'u',
      permissions: PermissionFlagsBits.ManageGuild,
    });
    const child = trackChild(
      spawn(join(root, 'node_modules', '.bin', 'tsx'), [join(root, 'src', 'main.ts')], {
        cwd: tempDir('omh-proc-'),
        env: {
          PATH: process.env.PATH ?? '',
          DISCORD_TOKEN: discord.token,
          DISCORD_APPLICATION_ID: discord.applicationId,
          DISCORD_API_URL: discord.apiUrl,
          DATABASE_PATH: join(tempDir('omh-proc-db-'), 'hub.sqlite'),
          HTTP_PORT: '0',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    try {
      const lines: string[] = [];
      let buffered = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        buffered += chunk;
        const parts = buffered.split('\n');
        buffered = parts.pop() ?? '';
        lines.push(...parts);
      });
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      await waitForLog(lines, child.stdout, /Open Model Hub is online/);

      // The bot's answer reaches Discord but Discord holds its response: the interaction is in flight.
      const held = discord.hold('POST', /\/interactions\/.*\/callback/);
      const interaction = discord.command({ guildId, channelId, userId, name: 'hub', subcommand: 'config' });
      await held.arrived;
      child.kill('SIGTERM');
      await waitForLog(lines, child.stdout, /Shutting down: finishing in-flight interactions/);
      expect(child.exitCode).toBeNull();
      held.release();
      expect(await exited).toBe(0);
      expect((await interaction.reply()).embeds[0].title).toBe('Server settings');
      expect(lines.some((l) => l.includes('"msg":"Stopped"'))).toBe(true);
      expect(lines.join('\n')).not.toContain(discord.token);
    } finally {
      killChild(child);
    }
  });
});
