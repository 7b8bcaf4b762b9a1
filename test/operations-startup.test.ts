// The real process (`npm start`) meeting what an operator meets first: a Discord that is not there
// yet, and the mistakes that will not pass. Words, never stack traces.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type BotProcess, ensureBuilt, freePort, spawnBot } from './support/bot-process.ts';
import { DiscordEmulator } from './support/discord/index.ts';

const STACK = /^\s+at .+[(:]\d+/m;
const APP_ID = '123456789012345678';
const dirs: string[] = [];
const bots: BotProcess[] = [];
let discord: DiscordEmulator | undefined;

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'omh-ops-'));
  dirs.push(dir);
  return dir;
}

function start(env: Record<string, string>, options: { via?: 'npm' | 'node'; uid?: number } = {}) {
  const bot = spawnBot({
    env: {
      DISCORD_TOKEN: 'MTIzNDU2Nzg5MDEyMzQ1Njc4.abcdef.not-a-real-token-at-all',
      DISCORD_APPLICATION_ID: APP_ID,
      DATABASE_PATH: join(tempDir(), 'hub.sqlite'),
      HTTP_PORT: '0',
      HTTP_HOST: '127.0.0.1',
      ...env,
    },
    ...options,
  });
  bots.push(bot);
  return bot;
}

/** stdout is JSON lines: none may carry a stack or an error object. */
function expectNoStackInLog(bot: BotProcess) {
  expect(bot.output()).not.toMatch(STACK);
  expect(bot.output()).not.toContain('"stack"');
}

beforeAll(ensureBuilt, 60_000);
afterEach(async () => {
  for (const bot of bots.splice(0)) await bot.kill();
  await discord?.stop();
  discord = undefined;
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('npm start while Discord cannot be reached', () => {
  it('retries in words with growing waits, answers /livez 200 and /readyz 503 meanwhile, and becomes ready once Discord is up', async () => {
    const discordPort = await freePort();
    const httpPort = await freePort();
    const token = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.abcdef.emulator-token-for-this-test';
    const bot = start({
      DISCORD_TOKEN: token,
      DISCORD_API_URL: `http://127.0.0.1:${discordPort}/api`,
      HTTP_PORT: String(httpPort),
    });
    await bot.waitForLine(
      /could not reach Discord at http:\/\/127\.0\.0\.1:\d+\/api \(connection refused\); retrying in 1 s/,
    );
    const live = await fetch(`http://127.0.0.1:${httpPort}/livez`);
    expect(live.status).toBe(200);
    const ready = await fetch(`http://127.0.0.1:${httpPort}/readyz`);
    expect(ready.status).toBe(503);
    expect(JSON.stringify(await ready.json())).toMatch(
      /could not reach Discord \(connection refused\); retrying in \d+ s/,
    );
    // Discord comes back several seconds later, during the fourth wait (8 s ± 20%: 6 to 10 s in words).
    await bot.waitForLine(/"attempt":4[,}]/);
    const waits = bot
      .output()
      .split('\n')
      .filter((line) => line.includes('could not reach Discord'))
      .map((line) => JSON.parse(line) as { retryInMs: number; msg: string });
    expect(waits).toHaveLength(4);
    for (const [i, wait] of waits.entries()) {
      expect(wait.msg).toMatch(
        new RegExp(`retrying in ${Math.max(1, Math.round(wait.retryInMs / 1000))} s$`),
      );
      if (i > 0) expect(wait.retryInMs).toBeGreaterThan(waits[i - 1]?.retryInMs ?? 0);
    }
    discord = await DiscordEmulator.start({ port: discordPort, token, applicationId: APP_ID });
    await bot.waitForLine(/Open Model Hub is online/);
    expect((await fetch(`http://127.0.0.1:${httpPort}/readyz`)).status).toBe(200);
    expect(bot.child.exitCode).toBeNull();
    expectNoStackInLog(bot);
    bot.child.kill('SIGTERM');
    expect((await bot.exited).code).toBe(0);
  }, 60_000);

  it('stops at once on SIGTERM during the wait: exit 0 within 2 s', async () => {
    const bot = start({ DISCORD_API_URL: `http://127.0.0.1:${await freePort()}/api` });
    await bot.waitForLine(/retrying in 2 s/);
    const sent = performance.now();
    bot.child.kill('SIGTERM');
    const { code, at } = await bot.exited;
    expect(code).toBe(0);
    expect(at - sent).toBeLessThan(2000);
    expectNoStackInLog(bot);
  }, 30_000);

  it('says a DNS failure in words and keeps retrying', async () => {
    const bot = start({ DISCORD_API_URL: 'http://nonexistent.invalid/api' });
    const line = await bot.waitForLine(/could not reach Discord at http:\/\/nonexistent\.invalid\/api/);
    expect(line).toMatch(/DNS lookup failed|timed out|network unreachable/);
    await bot.waitForLine(/retrying in 2 s/);
    expect(bot.child.exitCode).toBeNull();
    expectNoStackInLog(bot);
  }, 30_000);
});

describe('npm start with what will not pass: exit 1 and one sentence', () => {
  async function expectOneSentence(bot: BotProcess, sentence: RegExp) {
    const { code } = await bot.exited;
    expect(code).toBe(1);
    const stderr = bot.stderr().trim();
    expect(stderr).toMatch(sentence);
    expect(stderr.split('\n')).toHaveLength(1);
    expectNoStackInLog(bot);
  }

  it('a corrupt database file', async () => {
    const path = join(tempDir(), 'hub.sqlite');
    writeFileSync(path, Buffer.alloc(8192, 'not a database '));
    const bot = start({ DATABASE_PATH: path }, { via: 'node' });
    await expectOneSentence(
      bot,
      /hub\.sqlite is not a SQLite database, or it is damaged: restore it from a backup/,
    );
  });

  it('a database folder the bot may not write', async () => {
    const parent = tempDir();
    chmodSync(parent, 0o755);
    const folder = join(parent, 'readonly');
    mkdirSync(folder);
    chmodSync(folder, 0o555);
    // root writes anywhere: run the bot as nobody, as a service user would be.
    const asRoot = process.getuid?.() === 0;
    const bot = start(
      { DATABASE_PATH: join(folder, 'hub.sqlite') },
      { via: 'node', ...(asRoot ? { uid: 65534 } : {}) },
    );
    await expectOneSentence(
      bot,
      /The database folder .*readonly is not writable by this user: give the bot's user write access/,
    );
  });

  it('an HTTP port already in use', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = (taken.address() as { port: number }).port;
      const bot = start({ HTTP_PORT: String(port) }, { via: 'node' });
      await expectOneSentence(bot, new RegExp(`HTTP_PORT ${port} is already in use`));
    } finally {
      taken.close();
    }
  });

  it('a migration edited after it was applied', async () => {
    const path = join(tempDir(), 'hub.sqlite');
    const db = new Database(path);
    db.exec(
      "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL); INSERT INTO schema_migrations VALUES (1, 'init', 'edited', '2026-01-01');",
    );
    db.close();
    const bot = start({ DATABASE_PATH: path }, { via: 'node' });
    await expectOneSentence(bot, /Migration 0001_init\.sql was edited after it was applied/);
  });
});
