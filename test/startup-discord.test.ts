// `npm start` against a Discord that says no: the operator reads what to fix, and the process ends.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, spawnBot } from './support/bot-process.ts';
import { DiscordEmulator } from './support/discord/index.ts';

const root = resolve(import.meta.dirname, '..');
let discord: DiscordEmulator | undefined;
beforeAll(ensureBuilt, 60_000);
afterEach(async () => {
  await discord?.stop();
  discord = undefined;
});

// Asynchronous: the emulator lives in this process and must keep answering.
function start(emulator: DiscordEmulator, token = emulator.token) {
  const child = spawn(join(root, 'node_modules', '.bin', 'tsx'), [join(root, 'src', 'main.ts')], {
    cwd: mkdtempSync(join(tmpdir(), 'omh-start-')),
    env: {
      PATH: process.env.PATH ?? '',
      DISCORD_TOKEN: token,
      DISCORD_APPLICATION_ID: emulator.applicationId,
      DISCORD_API_URL: emulator.apiUrl,
      DATABASE_PATH: join(mkdtempSync(join(tmpdir(), 'omh-start-db-')), 'hub.sqlite'),
      HTTP_PORT: '0',
    },
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise<{ status: number | null; stderr: string }>((done) =>
    child.once('close', (status) => done({ status, stderr })),
  );
}

describe('npm start against Discord', () => {
  it('without the Message Content intent enabled, starts anyway and says where to turn it on', async () => {
    discord = await DiscordEmulator.start({ privilegedIntents: 0 });
    const bot = spawnBot({
      via: 'node',
      env: {
        DISCORD_TOKEN: discord.token,
        DISCORD_APPLICATION_ID: discord.applicationId,
        DISCORD_API_URL: discord.apiUrl,
        DATABASE_PATH: join(mkdtempSync(join(tmpdir(), 'omh-start-db-')), 'hub.sqlite'),
        HTTP_PORT: '0',
      },
    });
    try {
      const warning = await bot.waitForLine(/Message Content intent/);
      expect(warning).toContain('Privileged Gateway Intents → Message Content Intent');
      await bot.waitForLine(/Open Model Hub is online/);
      expect(bot.child.exitCode).toBeNull();
      expect(bot.output()).not.toMatch(/^\s+at /m);
    } finally {
      await bot.kill();
    }
  });

  it('with a token Discord rejects, exits 1 saying how to reset it, without printing the token', async () => {
    discord = await DiscordEmulator.start();
    const result = await start(discord, 'not-the-real-token-123456');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Discord rejected DISCORD_TOKEN');
    expect(result.stderr).not.toContain('not-the-real-token-123456');
  });
});
