import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PermissionFlagsBits } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../commands/index.ts';
import { sqliteKysely } from '../src/db/engine.ts';
import { migrate } from '../src/db/migrate.ts';
import { openDatabase } from '../src/db/open.ts';
import { TrackingStore } from '../src/tracking/store.ts';
import { DiscordEmulator } from './support/discord/index.ts';
import { GitHubEmulator } from './support/github/emulator.ts';
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

/**
 * Starts `npm start`'s entry point as its own process (node with tsx's loader, without the tsx
 * CLI's signal relay, which SIGKILLs a child that has not acknowledged a SIGTERM within 60 ms:
 * a bot busy polling is often slower than that); lines collects its stdout log lines.
 */
function startBot(env: Record<string, string>) {
  const loader = pathToFileURL(join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  const child = spawn(process.execPath, ['--import', loader, join(root, 'src', 'main.ts')], {
    cwd: tempDir('omh-proc-'),
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => lines.push(`stderr: ${chunk}`));
  let buffered = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    lines.push(...parts);
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, lines, exited };
}

describe('SIGTERM in the middle of a 4,000-source poll', () => {
  it('exits 0 within 10 s, and the next start posts what the interrupted poll found, once', async () => {
    const github = await GitHubEmulator.start({ token: 'ghp_shutdowntest0001' });
    const bots: Array<ReturnType<typeof startBot>> = [];
    try {
      const guildId = discord.addGuild({ name: 'Releases' });
      const channelId = discord.addChannel(guildId, { name: 'releases' });
      const dbPath = join(tempDir('omh-proc-db-'), 'hub.sqlite');
      // 4,000 repositories watched for a while (baselines taken), all due now; the first ten (in
      // poll order) published a release since their last poll.
      const db = openDatabase(dbPath);
      migrate(db);
      const store = new TrackingStore(sqliteKysely(db));
      const before = new Date(Date.now() - 3600_000).toISOString();
      const changed: string[] = [];
      await store.transaction(async (store) => {
        for (let i = 0; i < 4_000; i++) {
          const target = i < 10 ? `aaa-new/model-${i}` : `org${i % 40}/model-${i}`;
          github.addRepo(target);
          if (i < 10) changed.push(target);
          await store.insertWatch({
            guildId,
            channelId,
            source: 'github',
            target,
            targetKey: target.toLowerCase(),
            kinds: 'releases',
            prereleases: 'include',
            labels: [],
            preset: null,
            createdAt: before,
            createdBy: null,
          });
          await store.ensureSource('github', target.toLowerCase(), 'releases', target, before);
          await store.updateSource(
            { source: 'github', targetKey: target.toLowerCase(), kind: 'releases' },
            { baselineAt: before },
          );
        }
      });
      db.close();
      for (const repo of changed) github.publishRelease(repo, { tag: 'v2.0.0', body: `New in ${repo}` });
      const env = {
        DISCORD_TOKEN: discord.token,
        DISCORD_APPLICATION_ID: discord.applicationId,
        DISCORD_API_URL: discord.apiUrl,
        DATABASE_PATH: dbPath,
        HTTP_PORT: '0',
        GITHUB_API_URL: github.baseUrl,
        GITHUB_TOKEN: 'ghp_shutdowntest0001',
        POLL_INTERVAL_MINUTES: '1',
      };

      // First run: the poll at start finds the releases; Discord takes the first post but holds
      // its answer, as if the process died before hearing it.
      const held = discord.hold('POST', new RegExp(`^/channels/${channelId}/messages$`));
      const first = startBot(env);
      bots.push(first);
      await waitForLog(first.lines, first.child.stdout, /Open Model Hub is online/);
      await held.arrived;
      const polledBefore = github.requests;
      const killedAt = performance.now();
      first.child.kill('SIGTERM');
      const deadline = new Promise<'still running'>((r) =>
        setTimeout(() => r('still running'), 10_000).unref(),
      );
      const code = await Promise.race([first.exited, deadline]);
      if (code !== 0) console.log(first.lines.slice(-20).join('\n'));
      expect(code).toBe(0);
      const exitMs = performance.now() - killedAt;
      expect(exitMs).toBeLessThan(10_000);
      // It was in the middle of the poll: most of the 4,000 had not been asked.
      expect(polledBefore).toBeLessThan(4_000);
      expect(first.lines.some((l) => l.includes('"msg":"Stopped"'))).toBe(true);
      held.release();

      // Second run: what the interrupted poll found is posted, each release once.
      const second = startBot(env);
      bots.push(second);
      for (const repo of changed)
        await discord.waitForMessage(
          channelId,
          (m) => m.embeds[0]?.url?.includes(`/${repo}/`) ?? false,
          30_000,
        );
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
      const posted = discord.messagesIn(channelId).map((m) => m.embeds[0]?.url);
      expect(posted.sort()).toEqual(changed.map((r) => `https://github.com/${r}/releases/tag/v2.0.0`).sort());
    } finally {
      for (const bot of bots) if (bot.child.exitCode === null) bot.child.kill('SIGKILL');
      await github.stop();
    }
  }, 90_000);
});
