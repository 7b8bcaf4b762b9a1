// Two real bot processes (the built bot, as `npm start` runs it) on one PostgreSQL database, the
// Discord emulator recommending 2 shards and each process running one of them: interactions of guilds
// on both shards are answered, 20 members voting at once in each guild are counted exactly, a release
// watched from both guilds is posted once per channel, and killing the process that holds the job
// lease moves the scheduled jobs to the other, which posts the next release, once.
import { PermissionFlagsBits } from 'discord.js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { commands } from '../commands/index.ts';
import { type BotProcess, ensureBuilt, spawnBot } from './support/bot-process.ts';
import { DiscordEmulator } from './support/discord/index.ts';
import { GitHubEmulator } from './support/github/emulator.ts';
import { createTestDatabase, type TestDatabase } from './support/postgres.ts';

const GITHUB_TOKEN = 'ghp_multiprocesstesttoken01';
const REPO = 'ibm-granite/granite-3.0-language-models';
const LEASE_TAKEN = /job lease taken/;

interface Server {
  guildId: string;
  channelId: string;
  ideasChannelId: string;
  digestChannelId: string;
  curatorId: string;
  voters: string[];
}

let discord: DiscordEmulator;
let github: GitHubEmulator;
let database: TestDatabase;
const bots: BotProcess[] = [];
const servers: Server[] = [];

function addServer(shard: number): Server {
  const guildId = discord.addGuild({ name: `shard ${shard}`, shard: [shard, 2] });
  return {
    guildId,
    channelId: discord.addChannel(guildId, { name: 'releases' }),
    ideasChannelId: discord.addChannel(guildId, { name: 'ideas' }),
    digestChannelId: discord.addChannel(guildId, { name: 'digest' }),
    curatorId: discord.addMember(guildId, {
      username: `curator${shard}`,
      permissions: PermissionFlagsBits.ManageGuild,
    }),
    voters: Array.from({ length: 20 }, (_, i) =>
      discord.addMember(guildId, { username: `voter${shard}-${i}`, displayName: `Voter ${i}` }),
    ),
  };
}

function startBot(shard: number): BotProcess {
  const bot = spawnBot({
    via: 'node',
    env: {
      DISCORD_TOKEN: discord.token,
      DISCORD_APPLICATION_ID: discord.applicationId,
      DISCORD_API_URL: discord.apiUrl,
      DATABASE_URL: database.url,
      SHARD_COUNT: '2',
      SHARDS: String(shard),
      GITHUB_API_URL: github.baseUrl,
      GITHUB_TOKEN,
      POLL_INTERVAL_MINUTES: '1',
      HTTP_PORT: '0',
      LOG_LEVEL: 'info',
    },
  });
  bots.push(bot);
  return bot;
}

async function command(s: Server, userId: string, name: string, subcommand: string, options = {}) {
  return discord
    .command({ guildId: s.guildId, channelId: s.channelId, userId, name, subcommand, options })
    .reply();
}

function upvotes(messageId: string): string | undefined {
  return discord.message(messageId)?.embeds[0]?.fields?.find((f: { name: string }) => f.name === 'Upvotes')
    ?.value;
}

/** Resolves once GitHub has been asked for the repository's releases again (a whole poll later). */
async function nextReleasesPoll(): Promise<void> {
  const held = github.hold('GET', /\/releases/);
  await held.arrived;
  held.release();
}

beforeAll(async () => {
  await ensureBuilt();
  database = await createTestDatabase();
  discord = await DiscordEmulator.start({ shards: 2 });
  discord.setCommands(commands.map((c) => c.data.toJSON()));
  github = await GitHubEmulator.start({ token: GITHUB_TOKEN });
  github.addRepo(REPO);
  servers.push(addServer(0), addServer(1));
}, 120_000);

afterAll(async () => {
  for (const bot of bots) await bot.kill();
  await github?.stop();
  await discord?.stop();
  await database?.drop();
});

describe('two bot processes on one PostgreSQL', () => {
  it('serve their own shards, count concurrent votes exactly, post once, and hand the jobs over when the holder dies', async () => {
    const [zero, one] = [startBot(0), startBot(1)];
    onTestFailed(() => {
      for (const [i, bot] of [zero, one].entries())
        console.error(`--- bot on shard ${i} ---\n${bot.output().split('\n').slice(-40).join('\n')}`);
    });
    await Promise.all([zero, one].map((b) => b.waitForLine(/Open Model Hub is online/, 60_000)));
    await discord.waitForShards(2, 30_000);

    // Interactions: each guild's are answered by the process of its shard.
    for (const s of servers) {
      const saved = await command(s, s.curatorId, 'hub', 'config', { ideas_channel: s.ideasChannelId });
      expect(saved.content).toMatch(/^Saved:/);
    }

    // 20 members of each guild vote at once on that guild's first idea.
    for (const s of servers) {
      const form = discord.command({
        guildId: s.guildId,
        channelId: s.channelId,
        userId: s.curatorId,
        name: 'idea',
        subcommand: 'submit',
      });
      await form.firstResponse();
      const customId = (form.modal() as { custom_id: string }).custom_id;
      const submitted = await discord
        .submitModal({
          guildId: s.guildId,
          channelId: s.channelId,
          userId: s.curatorId,
          customId,
          fields: {
            title: `Grouped-query attention on shard ${s.guildId}`,
            problem: 'Key-value caches dominate memory at long context on consumer GPUs.',
            proposal: 'Share key and value heads across groups of query heads, eight groups.',
            evidence: 'Llama 2 70B used grouped-query attention; see arxiv 2305.13245',
          },
        })
        .reply();
      expect(submitted.content).toContain('#1');
    }
    const answers = await Promise.all(
      servers.flatMap((s) => {
        const messageId = discord.messagesIn(s.ideasChannelId)[0]!.id;
        return s.voters.map((userId) =>
          discord
            .click({
              guildId: s.guildId,
              channelId: s.ideasChannelId,
              userId,
              customId: 'idea:vote:1:up',
              messageId,
            })
            .reply()
            .then((r) => ({ guildId: s.guildId, content: r.content as string })),
        );
      }),
    );
    for (const s of servers) {
      const mine = answers.filter((a) => a.guildId === s.guildId).map((a) => a.content);
      expect(mine.every((c) => c.includes('Your upvote on #1 counts'))).toBe(true);
      // Each answer tells the count its own vote made: 1 … 20, each once.
      const counts = mine.map((c) => Number(/Now ▲(\d+)/.exec(c)?.[1])).sort((a, b) => a - b);
      expect(counts).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      await discord.waitForMessage(s.ideasChannelId, (m) => upvotes(m.id) === '20', 30_000);
    }
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const rows = await client.query('SELECT guild_id, up_count FROM ideas ORDER BY guild_id');
      expect(rows.rows.map((r) => r.up_count)).toEqual([20, 20]);
      const votes = await client.query('SELECT COUNT(*)::int AS n FROM idea_votes');
      expect(votes.rows[0].n).toBe(40);
    } finally {
      await client.end();
    }

    // The weekly digest, due this very hour: the lease holder posts it once per guild.
    const now = new Date();
    const day = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'][
      now.getUTCDay()
    ]!;
    for (const s of servers) {
      const scheduled = await command(s, s.curatorId, 'digest', 'config', {
        channel: s.digestChannelId,
        day,
        hour: now.getUTCHours(),
      });
      expect(scheduled.content ?? '').not.toMatch(/went wrong/);
    }

    // One release, watched from a channel in each guild: one post per channel.
    for (const s of servers) {
      const added = await command(s, s.curatorId, 'watch', 'add', {
        source: 'github',
        target: REPO,
        channel: s.channelId,
      });
      expect(added.content).not.toMatch(/went wrong/);
    }
    github.publishRelease(REPO, { tag: 'v3.1.0', name: 'Granite 3.1' });
    for (const s of servers)
      await discord.waitForMessage(
        s.channelId,
        (m) => m.embeds[0]?.title?.includes('v3.1.0') ?? false,
        120_000,
      );
    for (const s of servers) expect(discord.messagesIn(s.channelId)).toHaveLength(1);
    // The holder's next tick starts once this one (and its database writes) finished: killing it now
    // tests the hand-over, not a post whose row is not written yet (tracking-failures.test.ts does that).
    await nextReleasesPoll();

    // The holder of the job lease dies; the other process takes the jobs over and posts the next release.
    const holder = zero.output().match(LEASE_TAKEN) ? zero : one;
    const standby = holder === zero ? one : zero;
    expect(standby.output()).not.toMatch(LEASE_TAKEN);
    await holder.kill();
    github.publishRelease(REPO, { tag: 'v3.2.0', name: 'Granite 3.2' });
    // Within a minute: the lease lasts 30 s unrenewed and the standby asks every 10 s.
    await standby.waitForLine(LEASE_TAKEN, 60_000);
    for (const s of servers)
      await discord.waitForMessage(
        s.channelId,
        (m) => m.embeds[0]?.title?.includes('v3.2.0') ?? false,
        120_000,
      );
    // A poll later, still one post of each release per channel, and every delivery sent once.
    await nextReleasesPoll();
    for (const s of servers) {
      const titles = discord.messagesIn(s.channelId).map((m) => m.embeds[0]?.title ?? '');
      expect(titles).toHaveLength(2);
      expect(titles.filter((t) => t.includes('v3.1.0'))).toHaveLength(1);
      expect(titles.filter((t) => t.includes('v3.2.0'))).toHaveLength(1);
    }
    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    try {
      const digests = await db.query('SELECT guild_id, status, message_ids FROM digests ORDER BY guild_id');
      expect(digests.rows).toHaveLength(2);
      for (const d of digests.rows) {
        expect(['posted', 'quiet']).toContain(d.status);
        const s = servers.find((x) => x.guildId === d.guild_id)!;
        expect(discord.messagesIn(s.digestChannelId).map((m) => m.id)).toEqual(JSON.parse(d.message_ids));
      }
      const deliveries = await db.query(
        'SELECT status, message_id, attempts, last_error FROM deliveries ORDER BY id',
      );
      const posted = servers.flatMap((s) => discord.messagesIn(s.channelId).map((m) => m.id)).sort();
      expect(deliveries.rows.map((d) => d.status)).toEqual(['sent', 'sent', 'sent', 'sent']);
      expect(deliveries.rows.map((d) => d.message_id).sort()).toEqual(posted);
    } finally {
      await db.end();
    }
  }, 400_000);
});
