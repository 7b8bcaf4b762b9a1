// Interaction answers (edits, follow-ups, deletes) do not wait in the bot's global rate-limit
// queue, as Discord documents; they still obey their own 429s. Channel posts keep the global limit.
import { MessageFlags, SlashCommandBuilder } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as hubCommand from '../commands/hub.ts';
import type { Command } from '../src/discord/command.ts';
import { DiscordEmulator } from './support/discord/index.ts';
import { startTestHub, type TestHub } from './support/harness.ts';

const answers: Command = {
  data: new SlashCommandBuilder()
    .setName('answers')
    .setDescription('a deferred answer, a follow-up and a delete')
    .addSubcommand((s) => s.setName('all').setDescription('edit, follow up, delete')),
  defer: { all: 'private' },
  async execute(interaction) {
    await interaction.editReply({ content: 'edited' });
    const extra = await interaction.followUp({ content: 'follow-up', flags: MessageFlags.Ephemeral });
    await interaction.webhook.deleteMessage(extra.id);
    await interaction.followUp({ content: 'done', flags: MessageFlags.Ephemeral });
  },
};

let t: TestHub;
let discord: DiscordEmulator;
beforeAll(async () => {
  discord = await DiscordEmulator.start({ globalRateLimit: { requests: 50 } });
  t = await startTestHub({ discord, commands: [hubCommand, answers] });
});
afterAll(async () => {
  await t?.stop();
  await discord?.stop();
});

const run = () =>
  t.discord.command({
    guildId: t.guildId,
    channelId: t.channelId,
    userId: t.memberId,
    name: 'answers',
    subcommand: 'all',
  });

describe('interaction answers and the global rate limit', () => {
  it('are sent while the bot-wide global limit holds channel posts back', async () => {
    // Discord answers a channel post with a global 429: every bot-authenticated request waits 20 s.
    t.discord.failNext('POST', /^\/channels\/\d+\/messages$/, { status: 429, retryAfter: 20, global: true });
    let posted = false;
    const post = t.hub.poster.post(t.channelId, { content: 'release notes' }).then(
      () => (posted = true),
      () => undefined,
    );
    await t.discord.waitForCall((c) => c.method === 'POST' && c.status === 429);

    const interaction = run();
    await interaction.waitForFollowUp((m) => m.content === 'done');
    expect((await interaction.reply()).content).toBe('edited');
    expect(interaction.followUps().map((m) => m.content)).toEqual(['done']);
    expect(posted).toBe(false);
    void post;
  });

  it('still wait out a 429 of their own route, then succeed', async () => {
    const patches = () =>
      t.discord.calls.filter((c) => c.method === 'PATCH' && /\/messages\/(@|%40)original$/.test(c.path));
    const before = patches().length;
    t.discord.failNext('PATCH', /^\/webhooks\/\d+\/[^/]+\/messages\/(@|%40)original$/, {
      status: 429,
      retryAfter: 0.2,
    });
    const interaction = run();
    await interaction.waitForFollowUp((m) => m.content === 'done');
    expect((await interaction.reply()).content).toBe('edited');
    expect(
      patches()
        .slice(before)
        .map((c) => c.status),
    ).toEqual([429, 200]);
  });
});

describe('the emulator models the global limit as Discord documents it', () => {
  it('answers a 429 with the global flag past the limit, and never counts interaction webhooks', async () => {
    const emulator = await DiscordEmulator.start({ globalRateLimit: { requests: 2, perMs: 60_000 } });
    try {
      const bot = { authorization: `Bot ${emulator.token}` };
      const get = () => fetch(`${emulator.apiUrl}/v10/users/@me`, { headers: bot });
      const webhook = () =>
        fetch(`${emulator.apiUrl}/v10/webhooks/${emulator.applicationId}/unknown-token/messages/@original`);
      expect((await get()).status).toBe(200);
      expect((await webhook()).status).not.toBe(429);
      expect((await webhook()).status).not.toBe(429);
      expect((await get()).status).toBe(200);
      const limited = await get();
      expect(limited.status).toBe(429);
      expect(limited.headers.get('x-ratelimit-global')).toBe('true');
      expect(limited.headers.get('x-ratelimit-scope')).toBe('global');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await limited.json()).toMatchObject({ global: true });
    } finally {
      await emulator.stop();
    }
  });
});
