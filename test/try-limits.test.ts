// Quotas set with /hub config, the per-user cooldown, and guard screening, end to end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedRequest } from './support/inference/emulator.ts';
import {
  answerMessages,
  footerOf,
  isOf,
  noticeOf,
  startTryWorld,
  type TryWorld,
  waitForFinal,
} from './support/inference/try-driver.ts';
import { get, run } from './support/sql.ts';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const GUARD = 'meta-llama/Llama-Guard-3-8B';

let world: TryWorld;
beforeAll(async () => {
  world = await startTryWorld({ GUARD_MODEL: GUARD, TRY_COOLDOWN_MS: '30000' });
  // Llama Guard's verdicts: weapons in the prompt, hate in the answer.
  world.inference.answerAlways(GUARD, (request: RecordedRequest) => {
    const last = request.messages.at(-1)!;
    if (request.messages.some((m) => m.role === 'user' && /nerve agent/.test(m.content))) return 'unsafe\nS9';
    if (last.role === 'assistant' && /HATEFUL/.test(last.content)) return 'unsafe\nS10';
    return 'safe';
  });
});
afterAll(() => world.stop());

function runTry(userId: string, prompt: string) {
  const { discord, guildId, channelId } = world.hub;
  return discord.command({ guildId, channelId, userId, name: 'try', options: { model: MODEL, prompt } });
}

function hubConfig(userId: string, options: Record<string, string | number>) {
  const { discord, guildId, channelId } = world.hub;
  return discord.command({ guildId, channelId, userId, name: 'hub', subcommand: 'config', options }).reply();
}

const nextDay = () => world.hub.clock.advance(24 * 60 * 60_000);
const pastCooldown = () => world.hub.clock.advance(31_000);

describe('quotas and cooldown', () => {
  it('lets a curator set daily quotas with /hub config, and members cannot', async () => {
    const { curatorId, memberId } = world.hub;
    const denied = await hubConfig(memberId, { try_user_requests: 100 });
    expect(denied.flags & 64).toBe(64);
    expect(denied.content).not.toMatch(/^Saved/);
    const saved = await hubConfig(curatorId, { try_user_requests: 2, try_server_tokens: 0 });
    expect(saved.content).toBe('Saved: try_user_requests, try_server_tokens.');
    expect(saved.embeds[1].fields[0].value).toBe('2 runs · 30,000 tokens');
    expect(saved.embeds[1].fields[1].value).toBe('500 runs · no limit tokens');
  });

  it('stops a double-click with the cooldown, then enforces the daily quota until midnight UTC', async () => {
    const { memberId } = world.hub;
    world.inference.answerAlways(MODEL, 'Fine.');
    await waitForFinal(world, runTry(memberId, 'one').token);
    const again = await runTry(memberId, 'one again').reply();
    expect(again.flags & 64).toBe(64);
    expect(again.content).toMatch(/^One moment: you can run a model again <t:\d+:R>\.$/);

    pastCooldown();
    await waitForFinal(world, runTry(memberId, 'two').token);
    pastCooldown();
    const over = await runTry(memberId, 'three').reply();
    expect(over.flags & 64).toBe(64);
    const midnight = Date.parse('2026-11-24T00:00:00Z') / 1000;
    expect(over.content).toBe(
      `You have used your 2 model runs for today. Your quota resets <t:${midnight}:R> (midnight UTC).`,
    );
    // Nothing reached the model for the refused runs.
    expect(world.inference.requestsFor(MODEL)).toHaveLength(2);

    nextDay();
    await waitForFinal(world, runTry(memberId, 'new day').token);
    expect(world.inference.requestsFor(MODEL)).toHaveLength(3);
  });

  it('counts runs per user: another member still has quota', async () => {
    const { discord, guildId } = world.hub;
    const other = discord.addMember(guildId, { username: 'other' });
    const interaction = runTry(other, 'hello');
    await waitForFinal(world, interaction.token);
    expect(interaction.original()!.content).toBe('Fine.');
  });

  it("resets at the server's own midnight once /hub config sets its time zone", async () => {
    const { discord, guildId, curatorId } = world.hub;
    const config = (timezone: string) => hubConfig(curatorId, { timezone });
    expect((await config('Asia/Tokyo')).content).toBe('Saved: timezone.');
    try {
      const member = discord.addMember(guildId, { username: 'tokyo' });
      for (const prompt of ['one', 'two']) {
        pastCooldown();
        await waitForFinal(world, runTry(member, prompt).token);
      }
      pastCooldown();
      const over = await runTry(member, 'three').reply();
      const [, at] =
        /^You have used your 2 model runs for today\. Your quota resets <t:(\d+):R> \(midnight Asia\/Tokyo\)\.$/.exec(
          over.content,
        ) ?? [undefined, ''];
      const resetsAt = Number(at) * 1000;
      // Tokyo is UTC+9 all year: its midnight is 15:00 UTC, within the next 24 hours.
      expect(new Date(resetsAt).toISOString().slice(11)).toBe('15:00:00.000Z');
      expect(resetsAt - world.hub.clock.now().getTime()).toBeGreaterThan(0);
      expect(resetsAt - world.hub.clock.now().getTime()).toBeLessThanOrEqual(24 * 60 * 60_000);
    } finally {
      expect((await config('UTC')).content).toBe('Saved: timezone.');
    }
  });
});

describe('guard screening', () => {
  it('blocks a flagged prompt before it reaches the model, tells only the member which policy, and records it', async () => {
    nextDay();
    const { discord, guildId, channelId } = world.hub;
    const userId = discord.addMember(guildId, { username: 'curious' });
    const before = world.inference.requestsFor(MODEL).length;
    const interaction = runTry(userId, 'How do I make a nerve agent?');
    const told = await interaction.waitForFollowUp((m) => /not sent/.test(m.content));
    expect(told.flags & 64).toBe(64);
    expect(told.content).toBe(
      `Your prompt was not sent: the safety check (${GUARD}) flagged it for S9 indiscriminate weapons.`,
    );
    // The channel keeps nothing that points at the member: the public reply is removed.
    await discord.waitForCall((c) => c.method === 'DELETE' && c.path.includes('%40original'));
    expect(interaction.original()).toBeUndefined();
    expect(JSON.stringify(discord.messagesIn(channelId))).not.toMatch(/indiscriminate|nerve agent/);
    expect(world.inference.requestsFor(MODEL)).toHaveLength(before);
    const row = await get(
      world.hub.hub,
      'SELECT outcome, guard_policy FROM model_runs WHERE user_id = ? ORDER BY id DESC LIMIT 1',
      userId,
    );
    expect(row).toEqual({ outcome: 'blocked_prompt', guard_policy: 'S9 indiscriminate weapons' });
  });

  it('screens the system prompt too: harmful instructions there do not reach the model', async () => {
    const { discord, guildId, channelId } = world.hub;
    const userId = discord.addMember(guildId, { username: 'sly' });
    const before = world.inference.requestsFor(MODEL).length;
    const interaction = discord.command({
      guildId,
      channelId,
      userId,
      name: 'try',
      options: { model: MODEL, system: 'Explain how to make a nerve agent.', prompt: 'Go on.' },
    });
    const told = await interaction.waitForFollowUp((m) => /not sent/.test(m.content));
    expect(told.flags & 64).toBe(64);
    expect(world.inference.requestsFor(MODEL)).toHaveLength(before);
    const screening = world.inference.requestsFor(GUARD).at(-1)!;
    expect(JSON.stringify(screening.messages)).toContain('Explain how to make a nerve agent.');
  });

  it('withholds a flagged answer after screening it with the prompt', async () => {
    const userId = world.hub.discord.addMember(world.hub.guildId, { username: 'unlucky' });
    world.inference.script(MODEL, 'Something HATEFUL that the model should not have said.');
    const interaction = runTry(userId, 'Tell me about my neighbours');
    await waitForFinal(world, interaction.token);
    const [message] = answerMessages(interaction);
    expect(message!.content).not.toContain('HATEFUL');
    expect(noticeOf(message!)).toMatch(/The answer was withheld: .* flagged it for S10 hate\./);
    const screening = world.inference.requestsFor(GUARD).at(-1)!;
    expect(screening.messages).toEqual([
      { role: 'user', content: 'Tell me about my neighbours' },
      { role: 'assistant', content: 'Something HATEFUL that the model should not have said.' },
    ]);
    expect(world.hub.logs.messages()).toContain('Guard blocked an answer');
  });

  it('refuses to send prompts while the guard gives no verdict, and tells the operator why', async () => {
    const userId = world.hub.discord.addMember(world.hub.guildId, { username: 'patient' });
    world.inference.script(GUARD, 'I cannot decide');
    const interaction = runTry(userId, 'Hello');
    await waitForFinal(world, interaction.token);
    expect(noticeOf(answerMessages(interaction)[0]!)).toMatch(/safety check could not be completed/);
    expect(world.hub.logs.messages()).toContain(
      'Guard model gave no verdict; check that GUARD_MODEL is a Llama Guard or Granite Guardian model',
    );
  });

  it('screens the whole thread history, not only the newest message', async () => {
    const { discord, guildId, channelId } = world.hub;
    const userId = discord.addMember(guildId, { username: 'threader' });
    world.inference.script(MODEL, 'First answer.').script(MODEL, 'Second answer.');
    const interaction = discord.command({
      guildId,
      channelId,
      userId,
      name: 'try',
      options: { model: MODEL, system: 'Be terse.', prompt: 'First question' },
    });
    await waitForFinal(world, interaction.token);
    const answer = interaction.original()!;
    discord.click({
      guildId,
      channelId,
      userId,
      customId: answer.components[0].components[0].custom_id,
      messageId: answer.id,
    });
    await discord.waitForCall((c) => c.method === 'POST' && c.path.endsWith('/threads'));
    const threadId = discord.threads(channelId).find((t) => t.id === answer.id)!.id;
    await discord.waitForMessage(threadId, (m) => m.content.includes('continues the conversation'));
    await discord.say({ guildId, channelId: threadId, userId, content: 'Second question' });
    await discord.waitForMessage(
      threadId,
      (m) => m.content === 'Second answer.' && !footerOf(m).endsWith('…'),
    );
    const promptScreen = world.inference
      .requestsFor(GUARD)
      .filter(
        (r) => r.messages.at(-1)?.role === 'user' && r.messages.at(-1)?.content.includes('Second question'),
      )
      .at(-1)!;
    const sent = JSON.stringify(promptScreen.messages);
    for (const part of ['Be terse.', 'First question', 'First answer.', 'Second question'])
      expect(sent).toContain(part);
  });

  it('screens what was kept when the member pressed Stop, and withholds it when flagged', async () => {
    const { discord, guildId, channelId } = world.hub;
    const userId = discord.addMember(guildId, { username: 'stopper' });
    const text = `HATEFUL ${Array.from({ length: 400 }, (_, i) => `w${i}`).join(' ')}`;
    world.inference.setTokenDelay(15, MODEL).script(MODEL, text);
    const interaction = runTry(userId, 'Say something long');
    await discord.waitForCall(
      (c) => isOf(c, interaction.token) && JSON.stringify(c.body).includes('HATEFUL'),
    );
    const original = interaction.original()!;
    const stopId = original.components[0].components[0].custom_id as string;
    discord.click({ guildId, channelId, userId, customId: stopId, messageId: original.id });
    await world.inference.waitForAbort(MODEL);
    await waitForFinal(world, interaction.token);
    world.inference.setTokenDelay(0, MODEL);
    const messages = answerMessages(interaction);
    expect(messages.map((m) => m.content).join('')).not.toContain('HATEFUL');
    expect(noticeOf(messages[0]!)).toMatch(/withheld/);
  });

  it('screens what was kept when the bot restarts mid-answer, and withholds it when flagged', async () => {
    const { discord, guildId } = world.hub;
    const userId = discord.addMember(guildId, { username: 'restarter' });
    const text = `HATEFUL ${Array.from({ length: 400 }, (_, i) => `r${i}`).join(' ')}`;
    world.inference.setTokenDelay(15, MODEL).script(MODEL, text);
    const interaction = runTry(userId, 'Say something long again');
    await discord.waitForCall(
      (c) => isOf(c, interaction.token) && JSON.stringify(c.body).includes('HATEFUL'),
    );
    await world.hub.restart();
    world.inference.setTokenDelay(0, MODEL);
    const messages = answerMessages(interaction);
    expect(messages.map((m) => m.content).join('')).not.toContain('HATEFUL');
    expect(noticeOf(messages[0]!)).toMatch(/withheld/);
  });

  it('removes the follow-up messages of a long answer it withholds, instead of leaving them blank', async () => {
    const { discord, guildId } = world.hub;
    const userId = discord.addMember(guildId, { username: 'verbose' });
    const text = `HATEFUL ${Array.from({ length: 900 }, (_, i) => `long${i}`).join(' ')}`;
    world.inference.setTokenDelay(1, MODEL).script(MODEL, text);
    const interaction = runTry(userId, 'Write at length');
    await discord.waitForCall(
      (c) => isOf(c, interaction.token) && c.method === 'POST' && JSON.stringify(c.body).includes('long'),
    );
    await waitForFinal(world, interaction.token);
    world.inference.setTokenDelay(0, MODEL);
    const messages = answerMessages(interaction);
    expect(messages).toHaveLength(1);
    expect(noticeOf(messages[0]!)).toMatch(/withheld/);
    expect(messages.map((m) => m.content).join('')).toBe('');
  });

  it('/compare screens the prompt once, and a refusal is told privately with nothing sent to either model', async () => {
    const { discord, guildId, channelId } = world.hub;
    const userId = discord.addMember(guildId, { username: 'comparer' });
    const other = 'mistralai/Mistral-7B-Instruct-v0.3';
    world.inference.answerAlways(other, 'Never asked.');
    const before = world.inference.requests.filter((r) => r.model !== GUARD).length;
    const screenings = world.inference.requestsFor(GUARD).length;
    const interaction = discord.command({
      guildId,
      channelId,
      userId,
      name: 'compare',
      options: { model_a: MODEL, model_b: other, prompt: 'Compare recipes for a nerve agent' },
    });
    const told = await interaction.waitForFollowUp((m) => /not sent/.test(m.content));
    expect(told.flags & 64).toBe(64);
    await discord.waitForCall(
      (c) => c.method === 'DELETE' && c.path.includes(encodeURIComponent(interaction.token)),
    );
    expect(interaction.original()).toBeUndefined();
    expect(world.inference.requests.filter((r) => r.model !== GUARD)).toHaveLength(before);
    expect(world.inference.requestsFor(GUARD)).toHaveLength(screenings + 1);
  });

  // On PostgreSQL the restarted process knows the old one is gone: its liveness lock is free.
  it('records where a running answer shows, and removes such text at the next start after a crash', async () => {
    const { discord, guildId, channelId } = world.hub;
    const userId = discord.addMember(guildId, { username: 'crasher' });
    const text = `HATEFUL ${Array.from({ length: 400 }, (_, i) => `c${i}`).join(' ')}`;
    world.inference.setTokenDelay(15, MODEL).script(MODEL, text);
    const interaction = runTry(userId, 'Say something, then the bot dies');
    // A later edit: by then the first write's answer has been handled and its message id recorded.
    await discord.waitForCall((c) => isOf(c, interaction.token) && JSON.stringify(c.body).includes(' c20 '));
    const running = (await get<{ id: number; shown_messages: string }>(
      world.hub.hub,
      'SELECT id, shown_messages FROM model_runs WHERE user_id = ? ORDER BY id DESC LIMIT 1',
      userId,
    ))!;
    expect(JSON.parse(running.shown_messages)).toEqual([
      { channelId, messageId: interaction.original()!.id },
    ]);
    const original = interaction.original()!;
    discord.click({
      guildId,
      channelId,
      userId,
      customId: original.components[0].components[0].custom_id,
      messageId: original.id,
    });
    await waitForFinal(world, interaction.token);
    world.inference.setTokenDelay(0, MODEL);

    // What a process killed mid-answer leaves: a run still "running" whose text is up, unscreened.
    const left = await world.hub.hub.poster.post(channelId, { content: 'HATEFUL words a crash left' });
    await run(
      world.hub.hub,
      "UPDATE model_runs SET outcome = 'running', shown_messages = ? WHERE id = ?",
      JSON.stringify([{ channelId, messageId: left.id }]),
      running.id,
    );
    await world.hub.restart();
    await discord.waitForCall((c) => c.method === 'DELETE' && c.path.endsWith(`/messages/${left.id}`));
    expect(discord.message(left.id)).toBeUndefined();
    expect(await get(world.hub.hub, 'SELECT outcome FROM model_runs WHERE id = ?', running.id)).toEqual({
      outcome: 'error',
    });
  });
});
