// `npm start` against a Discord that says no: the bot goes on without what it may do without (Message
// Content), and ends in one sentence on what it cannot (a refused token).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type BotProcess, ensureBuilt, spawnBot } from './support/bot-process.ts';
import { DiscordEmulator } from './support/discord/index.ts';

const dirs: string[] = [];
const bots: BotProcess[] = [];
let discord: DiscordEmulator | undefined;
beforeAll(ensureBuilt, 60_000);
afterEach(async () => {
  for (const bot of bots.splice(0)) await bot.kill();
  await discord?.stop();
  discord = undefined;
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

// Asynchronous: the emulator lives in this process and must keep answering.
function start(emulator: DiscordEmulator, token = emulator.token): BotProcess {
  const dir = mkdtempSync(join(tmpdir(), 'omh-start-db-'));
  dirs.push(dir);
  const bot = spawnBot({
    via: 'node',
    env: {
      DISCORD_TOKEN: token,
      DISCORD_APPLICATION_ID: emulator.applicationId,
      DISCORD_API_URL: emulator.apiUrl,
      DATABASE_PATH: join(dir, 'hub.sqlite'),
      HTTP_PORT: '0',
    },
  });
  bots.push(bot);
  return bot;
}

describe('npm start against Discord', () => {
  it('without the Message Content intent enabled, starts anyway and says where to turn it on', async () => {
    discord = await DiscordEmulator.start({ privilegedIntents: 0 });
    const bot = start(discord);
    const warning = await bot.waitForLine(/Message Content intent/);
    expect(warning).toContain('Privileged Gateway Intents → Message Content Intent');
    await bot.waitForLine(/Open Model Hub is online/);
    expect(bot.child.exitCode).toBeNull();
    expect(bot.output()).not.toMatch(/^\s+at /m);
  });

  it('with a token Discord rejects, exits 1 saying how to reset it, without printing the token', async () => {
    discord = await DiscordEmulator.start();
    const bot = start(discord, 'not-the-real-token-123456');
    expect((await bot.exited).code).toBe(1);
    expect(bot.stderr()).toContain('Discord rejected DISCORD_TOKEN');
    expect(bot.output()).not.toContain('not-the-real-token-123456');
    expect(bot.output()).not.toMatch(/^\s+at /m);
  });
});
