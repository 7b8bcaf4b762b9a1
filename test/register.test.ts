import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../commands/index.ts';
import { freePort } from './support/bot-process.ts';
import { DiscordEmulator } from './support/discord/index.ts';
import { tempDir, trackChild } from './support/temp.ts';

const root = resolve(import.meta.dirname, '..');
let discord: DiscordEmulator;
beforeAll(async () => {
  discord = await DiscordEmulator.start();
});
afterAll(async () => {
  await discord?.stop();
});

// Asynchronous on purpose: the emulator runs in this process and must keep answering.
function register(
  env: Record<string, string>,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = trackChild(
    spawn(join(root, 'node_modules', '.bin', 'tsx'), [join(root, 'src', 'register.ts')], {
      cwd: tempDir('omh-register-'),
      env: {
        PATH: process.env.PATH ?? '',
        DISCORD_TOKEN: discord.token,
        DISCORD_APPLICATION_ID: discord.applicationId,
        DISCORD_API_URL: discord.apiUrl,
        ...env,
      },
    }),
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolvePromise) =>
    child.once('close', (status) => resolvePromise({ status, stdout, stderr })),
  );
}

describe('npm run register', () => {
  it('registers every command to the development server when one is set', async () => {
    const guildId = discord.addGuild({ name: 'Dev' });
    const result = await register({ DISCORD_DEV_GUILD_ID: guildId });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`Registered ${commands.length} commands to server ${guildId}`);
    const names = (discord.registeredCommands(guildId) as Array<{ name: string }>).map((c) => c.name);
    expect(names).toEqual(commands.map((c) => c.data.name));
  });

  it('registers globally otherwise', async () => {
    const result = await register({});
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('all servers (global');
    expect((discord.registeredCommands() as unknown[]).length).toBe(commands.length);
  });

  it('says the token was refused (401), without printing it', async () => {
    const result = await register({ DISCORD_TOKEN: 'wrong-token' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^Discord rejected DISCORD_TOKEN \(401\)\. Reset it at Discord Developer Portal/,
    );
    expect(result.stderr).not.toContain('wrong-token');
  });

  it('says a definition was refused (400), with the path of the field Discord named', async () => {
    discord.failNext('PUT', /\/commands$/, {
      status: 400,
      body: {
        code: 50035,
        message: 'Invalid Form Body',
        errors: {
          '0': {
            name: {
              _errors: [
                { code: 'STRING_TYPE_REGEX', message: 'String value did not match validation regex.' },
              ],
            },
          },
        },
      },
    });
    const result = await register({});
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Discord refused the command definitions (400): Invalid Form Body');
    expect(result.stderr).toContain('0.name[STRING_TYPE_REGEX]');
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it('tells a network failure apart from a refusal', async () => {
    const result = await register({ DISCORD_API_URL: `http://127.0.0.1:${await freePort()}/api` });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^Could not reach Discord at http:\/\/127\.0\.0\.1:\d+\/api: connection refused\./,
    );
    expect(result.stderr).not.toContain('DISCORD_TOKEN');
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});
