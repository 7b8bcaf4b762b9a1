// `npm start` against a Discord that says no: the operator reads what to fix, and the process ends.
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DiscordEmulator } from './support/discord/index.ts';
import { tempDir, trackChild } from './support/temp.ts';

const root = resolve(import.meta.dirname, '..');
let discord: DiscordEmulator | undefined;
afterEach(async () => {
  await discord?.stop();
  discord = undefined;
});

// Asynchronous: the emulator lives in this process and must keep answering.
function start(emulator: DiscordEmulator, token = emulator.token) {
  const child = trackChild(
    spawn(join(root, 'node_modules', '.bin', 'tsx'), [join(root, 'src', 'main.ts')], {
      cwd: tempDir('omh-start-'),
      env: {
        PATH: process.env.PATH ?? '',
        DISCORD_TOKEN: token,
        DISCORD_APPLICATION_ID: emulator.applicationId,
        DISCORD_API_URL: emulator.apiUrl,
        DATABASE_PATH: join(tempDir('omh-start-db-'), 'hub.sqlite'),
        HTTP_PORT: '0',
      },
    }),
  );
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise<{ status: number | null; stderr: string }>((done) =>
    child.once('close', (status) => done({ status, stderr })),
  );
}

describe('npm start against Discord', () => {
  it('without the Message Content intent enabled, exits 1 saying where to turn it on', async () => {
    discord = await DiscordEmulator.start({ privilegedIntents: 0 });
    const result = await start(discord);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Privileged Gateway Intents → Message Content Intent');
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it('with a token Discord rejects, exits 1 saying how to reset it, without printing the token', async () => {
    discord = await DiscordEmulator.start();
    const result = await start(discord, 'not-the-real-token-123456');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Discord rejected DISCORD_TOKEN');
    expect(result.stderr).not.toContain('not-the-real-token-123456');
  });
});
