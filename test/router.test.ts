import { SlashCommandBuilder } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as hubCommand from '../commands/hub.ts';
import { commands } from '../commands/index.ts';
import { type Command, STALE_ANSWER } from '../src/discord/command.ts';
import { replyPrivately } from '../src/discord/reply.ts';
import { UserError } from '../src/errors.ts';
import { startTestHub, type TestHub } from './support/harness.ts';

// Test-only commands that misbehave on purpose; the real ones come from commands/index.ts.
let releaseSlow: () => void = () => {};
let releaseStuck: () => void = () => {};
const broken: Command = {
  data: new SlashCommandBuilder()
    .setName('broken')
    .setDescription('fails')
    .addSubcommand((s) => s.setName('now').setDescription('throws at once'))
    .addSubcommand((s) => s.setName('later').setDescription('throws after deferring'))
    .addSubcommand((s) => s.setName('user').setDescription('a user error'))
    .addSubcommand((s) => s.setName('silent').setDescription('answers nothing'))
    .addSubcommand((s) => s.setName('slow').setDescription('waits for the test'))
    .addSubcommand((s) => s.setName('stuck').setDescription('forgets to defer slow work')),
  defer: { later: 'public', slow: 'private' },
  async execute(interaction) {
    const sub = interaction.options.getSubcommand();
    if (sub === 'now') throw new Error('database exploded: secret detail');
    if (sub === 'later') throw new TypeError('cannot read x of undefined');
    if (sub === 'user') throw new UserError('That idea does not exist.');
    if (sub === 'stuck') {
      await new Promise<void>((resolve) => (releaseStuck = resolve));
      await interaction.reply({ content: 'too late' });
    }
    if (sub === 'slow') {
      await new Promise<void>((resolve) => (releaseSlow = resolve));
      await interaction.editReply({ content: 'finished' });
    }
  },
  async component(interaction, _hub, args) {
    if (args[0] === 'boom') throw new Error('button exploded');
    if (args[0] === 'late') {
      await interaction.deferUpdate();
      throw new UserError('That vote is closed.');
    }
    await replyPrivately(interaction, `clicked ${args.join(',')}`);
  },
};

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({ commands: [hubCommand, broken] });
});
afterAll(async () => {
  await t?.stop();
});

const run = (subcommand: string) =>
  t.discord.command({
    guildId: t.guildId,
    channelId: t.channelId,
    userId: t.memberId,
    name: 'broken',
    subcommand,
  });

describe('the interaction router', () => {
  it('answers a crashing handler privately with a reference, logs the same reference, and keeps serving', async () => {
    const reply = await run('now').reply();
    expect(reply.flags & 64).toBe(64);
    const ref = /Something went wrong \(ref ([0-9a-f]{6})\)/.exec(reply.content)?.[1];
    expect(ref).toBeDefined();
    expect(reply.content).not.toContain('secret detail');
    const line = t.logs.lines.find((l) => l.ref === ref);
    expect(line?.level).toBe(50);
    expect(String(line?.msg)).toContain('/broken');
    const next = await t.discord
      .command({
        guildId: t.guildId,
        channelId: t.channelId,
        userId: t.memberId,
        name: 'hub',
        subcommand: 'help',
      })
      .reply();
    expect(next.embeds[0].title).toBe('Open Model Hub commands');
  });

  it('after a public deferral, replaces the placeholder with a private error', async () => {
    const interaction = run('later');
    expect((await interaction.firstResponse()).type).toBe(5);
    const followUp = await interaction.waitForFollowUp((m) => m.content.includes('Something went wrong'));
    expect(followUp.flags & 64).toBe(64);
    await t.discord.waitForCall((c) => c.method === 'DELETE' && /\/messages\/(@|%40)original$/.test(c.path));
    expect(interaction.original()).toBeUndefined();
  });

  it('shows a user error as written, privately, and logs no error', async () => {
    const errorsBefore = t.logs.lines.filter((l) => l.level === 50).length;
    const reply = await run('user').reply();
    expect(reply.content).toBe('That idea does not exist.');
    expect(reply.flags & 64).toBe(64);
    expect(t.logs.lines.filter((l) => l.level === 50).length).toBe(errorsBefore);
  });

  it('never leaves an interaction unanswered', async () => {
    const reply = await run('silent').reply();
    expect(reply.content).toBe('Done.');
    expect(t.logs.messages()).toContain('Handler returned without answering; answered for it');
  });

  it('routes buttons by custom id prefix, and answers their errors too', async () => {
    const posted = await t.hub.poster.post(t.channelId, { content: 'a message with buttons' });
    const click = (customId: string) =>
      t.discord.click({
        guildId: t.guildId,
        channelId: t.channelId,
        userId: t.memberId,
        customId,
        messageId: posted.id,
      });
    expect((await click('broken:vote:42').reply()).content).toBe('clicked vote,42');
    expect((await click('broken:boom').reply()).content).toMatch(/Something went wrong \(ref [0-9a-f]{6}\)/);
    expect((await click('gone:thing').reply()).content).toBe(STALE_ANSWER);
  });

  it('after a deferred update, answers an error privately and leaves the clicked message alone', async () => {
    const posted = await t.hub.poster.post(t.channelId, { content: 'keep me' });
    const click = t.discord.click({
      guildId: t.guildId,
      channelId: t.channelId,
      userId: t.memberId,
      customId: 'broken:late',
      messageId: posted.id,
    });
    const followUp = await click.waitForFollowUp((m) => m.content === 'That vote is closed.');
    expect(followUp.flags & 64).toBe(64);
    expect(t.discord.message(posted.id)?.content).toBe('keep me');
    expect(t.discord.messagesIn(t.channelId).some((m) => m.id === posted.id)).toBe(true);
  });

  it('names a handler that is about to miss the 3-second deadline, for the operator', async () => {
    const stuck = run('stuck');
    await stuck.deadlinePassed();
    expect(t.logs.messages()).toContain(
      "/broken has not answered within 2.5 s and will miss Discord's 3-second deadline; defer this path (Command.defer) before slow work",
    );
    releaseStuck();
    await t.discord.waitForCall((c) => c.path.includes(`/interactions/${stuck.id}/`) && c.status === 404);
  });

  it('counts interactions by command and outcome in /metrics', async () => {
    const res = await fetch(`http://127.0.0.1:${t.app.httpPort}/metrics`);
    const text = await res.text();
    expect(text).toMatch(/omh_interactions_total\{command="broken",kind="command",outcome="error"\} [1-9]/);
    expect(text).toMatch(/omh_interactions_total\{command="broken",kind="command",outcome="user_error"\} 1/);
    expect(text).toContain('omh_interaction_duration_seconds_bucket');
  });

  it('reports healthy when the database is open and the gateway ready', async () => {
    const res = await fetch(`http://127.0.0.1:${t.app.httpPort}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', problems: [] });
  });

  it('on shutdown lets an in-flight interaction finish and refuses new ones politely', async () => {
    const slow = run('slow');
    expect((await slow.firstResponse()).type).toBe(5);
    const stopping = t.app.shutdown('test');
    const refused = await t.discord
      .command({
        guildId: t.guildId,
        channelId: t.channelId,
        userId: t.memberId,
        name: 'hub',
        subcommand: 'help',
      })
      .reply();
    expect(refused.content).toContain('restarting');
    releaseSlow();
    await stopping;
    expect(slow.original()?.content).toBe('finished');
    await t.restart();
  });
});

// Buttons, select menus and forms the bot did not make (an older version's messages, a tampered
// client) all get one private "out of date" answer from the router, whatever command they name.
describe('components and forms the bot does not recognise', () => {
  let all: TestHub;
  beforeAll(async () => {
    all = await startTestHub();
  });
  afterAll(async () => {
    await all?.stop();
  });

  const actor = () => ({ guildId: all.guildId, channelId: all.channelId, userId: all.memberId });
  const clickOn = async (customId: string, values?: string[]) => {
    const posted = await all.hub.poster.post(all.channelId, { content: 'an old message' });
    return all.discord.click({ ...actor(), customId, messageId: posted.id, values }).reply();
  };
  const submit = (customId: string) => all.discord.submitModal({ ...actor(), customId, fields: {} }).reply();

  const expectStale = (reply: { content: string; flags: number }) => {
    expect(reply.content).toBe(STALE_ANSWER);
    expect(reply.flags & 64).toBe(64);
  };

  const buttons = [
    'hub:status',
    'hub:config:x',
    'digest:post-now',
    'watch:remove:1',
    'models:granite',
    'compare:stop:1',
  ];
  const modals = ['hub:config', 'digest:config', 'watch:add', 'try:stop:1'];

  it.each(buttons)('answers the button %s as out of date', async (id) => {
    const errors = all.logs.lines.filter((l) => Number(l.level) >= 50).length;
    expectStale(await clickOn(id));
    expect(all.logs.lines.filter((l) => Number(l.level) >= 50).length).toBe(errors);
  });

  it.each(buttons)('answers the select menu %s as out of date', async (id) => {
    expectStale(await clickOn(id, ['a']));
  });

  it.each(modals)('answers the form %s as out of date', async (id) => {
    const errors = all.logs.lines.filter((l) => Number(l.level) >= 50).length;
    expectStale(await submit(id));
    expect(all.logs.lines.filter((l) => Number(l.level) >= 50).length).toBe(errors);
  });

  it('answers a forged id of every command privately, never as a bug, and posts nothing', async () => {
    const forged = commands.flatMap((c) => {
      const name = c.data.name;
      return [name, `${name}:`, `${name}:forged`, `${name}:forged:1`, `${name}:status`, `${name}::1`];
    });
    for (const id of forged) {
      const before = all.discord.messagesIn(all.channelId).length;
      for (const reply of [await clickOn(id), await clickOn(id, ['x']), await submit(id)]) {
        expect(reply.content, id).toBe(STALE_ANSWER);
        expect(reply.flags & 64, id).toBe(64);
      }
      // Only the two "old messages" the clicks need were posted; the forged ids posted nothing.
      expect(all.discord.messagesIn(all.channelId).length, id).toBe(before + 2);
    }
    expect(all.logs.lines.filter((l) => Number(l.level) >= 50)).toEqual([]);
  });

  it('answers a select menu on a button action of a real handler as out of date', async () => {
    for (const c of commands) {
      for (const action of c.componentActions ?? []) {
        const reply = await clickOn(`${c.data.name}:${action}:1`, ['x']);
        expect(reply.flags & 64, action).toBe(64);
        expect(reply.content, action).not.toMatch(/Something went wrong/);
      }
    }
  });
});
