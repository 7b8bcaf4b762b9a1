// Sharding in one process (discord.js `shards: 'auto'`): the recommended count from /gateway/bot,
// each guild's interactions answered on its own shard, scheduled posts to every shard's guilds,
// and a 4011 (sharding required) that reconnects instead of ending the process.
import { PermissionFlagsBits } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.ts';
import { DiscordEmulator } from './support/discord/index.ts';
import { GitHubEmulator } from './support/github/emulator.ts';
import { startTestHub, type TestHub } from './support/harness.ts';

const GITHUB_TOKEN = 'ghp_shardingtesttoken001';
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function addServer(discord: DiscordEmulator, shard: [number, number], name: string) {
  const guildId = discord.addGuild({ name, shard });
  const channelId = discord.addChannel(guildId, { name: 'releases' });
  const curatorId = discord.addMember(guildId, {
    username: `curator-${name}`,
    permissions: PermissionFlagsBits.ManageGuild,
  });
  return { guildId, channelId, curatorId };
}

async function statusAnswered(t: TestHub, server: ReturnType<typeof addServer>) {
  const reply = await t.discord
    .command({ ...server, userId: server.curatorId, name: 'hub', subcommand: 'status' })
    .reply();
  return reply.embeds[0]?.title;
}

describe('two shards in one process', () => {
  it('connects the recommended 2 shards, answers guilds on both, and posts a release to both', async () => {
    const clock = new ManualClock('2026-11-23T09:00:00Z');
    const discord = await DiscordEmulator.start({ shards: 2 });
    cleanups.push(() => discord.stop());
    const github = await GitHubEmulator.start({ now: () => clock.now(), token: GITHUB_TOKEN });
    cleanups.push(() => github.stop());
    const zero = addServer(discord, [0, 2], 'zero');
    const one = addServer(discord, [1, 2], 'one');
    const t = await startTestHub({
      discord,
      clock,
      env: { GITHUB_API_URL: github.baseUrl, GITHUB_TOKEN, POLL_INTERVAL_MINUTES: '5' },
    });
    cleanups.push(() => t.stop());

    expect(discord.readyShards().sort()).toEqual([
      [0, 2],
      [1, 2],
    ]);
    expect(await statusAnswered(t, zero)).toBe('Open Model Hub status');
    expect(await statusAnswered(t, one)).toBe('Open Model Hub status');

    const repo = 'ibm-granite/granite-3.0-language-models';
    github.addRepo(repo);
    for (const server of [zero, one]) {
      const answer = await t.discord
        .command({
          ...server,
          userId: server.curatorId,
          name: 'watch',
          subcommand: 'add',
          options: { source: 'github', target: repo, channel: server.channelId },
        })
        .reply();
      expect(answer.content).not.toMatch(/went wrong/);
    }
    github.publishRelease(repo, { tag: 'v3.1.0', name: 'Granite 3.1' });
    clock.advance(5 * 60_000);
    await t.hub.tracking.tracker.pollDueSources();
    for (const server of [zero, one]) {
      const posts = discord.messagesIn(server.channelId);
      expect(posts).toHaveLength(1);
      expect(posts[0]!.embeds[0].title).toContain('Granite 3.1 (v3.1.0)');
    }
  });

  it('reconnects with more shards when Discord closes with 4011, instead of ending', async () => {
    const discord = await DiscordEmulator.start({ shards: 1 });
    cleanups.push(() => discord.stop());
    const zero = addServer(discord, [0, 2], 'zero');
    const one = addServer(discord, [1, 2], 'one');
    const t = await startTestHub({ discord });
    cleanups.push(() => t.stop());
    expect(discord.readyShards()).toEqual([[0, 1]]);

    discord.requireShards(2);
    await discord.waitForShards(2, 15_000);
    // Interactions that arrive while discord.js finishes its READY are queued, not lost.
    expect(await statusAnswered(t, zero)).toBe('Open Model Hub status');
    expect(await statusAnswered(t, one)).toBe('Open Model Hub status');
    expect(t.hub.gateway.ready()).toBe(true);
    expect(t.logs.messages()).toContain(
      'Discord requires more shards (4011); reconnecting with its recommended shard count',
    );
  }, 40_000);
});
