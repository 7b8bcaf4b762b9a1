// /try end to end: the real bot, the Discord emulator and the inference emulator.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Interaction } from './support/discord/index.ts';
import {
  answerMessages,
  footerOf,
  isOf,
  noticeOf,
  startTryWorld,
  type TryWorld,
  waitForFinal,
} from './support/inference/try-driver.ts';
import { all } from './support/sql.ts';

const GRANITE = 'ibm-granite/granite-3.0-2b-instruct';
const LLAMA = 'meta-llama/Llama-3.1-8B-Instruct';

let world: TryWorld;
beforeAll(async () => {
  world = await startTryWorld();
});
afterAll(() => world.stop());

function runTry(
  options: Record<string, string | number | boolean>,
  userId = world.hub.memberId,
): Interaction {
  const { guildId, channelId } = world.hub;
  return world.hub.discord.command({ guildId, channelId, userId, name: 'try', options });
}

const fencesBalanced = (text: string) => (text.match(/^ {0,3}```/gm)?.length ?? 0) % 2 === 0;

function longAnswer(chars: number): string {
  const parts: string[] = [];
  let i = 0;
  while (parts.join('').length < chars) {
    parts.push(
      i % 3 === 2
        ? `\`\`\`ts\n${Array.from({ length: 12 }, (_, j) => `const value${i}_${j} = ${j} * 2; // step ${j}`).join('\n')}\n\`\`\`\n\n`
        : `Paragraph ${i} explains a detail of the model in plain words, with enough text to fill a line or two of the answer.\n\n`,
    );
    i++;
  }
  return parts.join('');
}

describe('/try', () => {
  it('acknowledges at once even when the first token is slow, then streams the answer with a footer', async () => {
    const held = world.inference.holdFirstToken(GRANITE);
    world.inference.script(GRANITE, 'Granite 3.0 2B here. Small, fast, Apache-2.0.');
    const interaction = runTry({ model: GRANITE, prompt: 'Who are you?' });
    const ack = await interaction.firstResponse();
    expect(ack.type).toBe(5);
    // The model has not sent a single token, and Discord already has its acknowledgement.
    const request = await held.arrived;
    expect(request.tokensSent).toBe(0);
    held.release();
    await waitForFinal(world, interaction.token);
    const [message] = answerMessages(interaction);
    expect(message!.content).toBe('Granite 3.0 2B here. Small, fast, Apache-2.0.');
    expect(footerOf(message!)).toMatch(
      /^Granite 3\.0 2B Instruct · self-hosted \(127\.0\.0\.1:\d+\) · first token \d+\.\d s/,
    );
    expect(request.messages).toEqual([{ role: 'user', content: 'Who are you?' }]);
    expect(message!.components[0].components[0].label).toBe('Continue in thread');
  });

  it('sends the system prompt, temperature and max_tokens the user chose', async () => {
    world.inference.script(LLAMA, 'Ahoy.');
    const interaction = runTry({
      model: LLAMA,
      prompt: 'Greet me',
      system: 'You are a pirate.',
      temperature: 0.2,
      max_tokens: 64,
    });
    await waitForFinal(world, interaction.token);
    const request = world.inference.requestsFor(LLAMA).at(-1)!;
    expect(request.messages[0]).toEqual({ role: 'system', content: 'You are a pirate.' });
    expect(request.body).toMatchObject({ temperature: 0.2, max_tokens: 64, stream: true });
  });

  it('delivers a 6,000-character answer whole across messages, code blocks intact, each within limits', async () => {
    const text = longAnswer(6000);
    world.inference.script(GRANITE, text);
    const interaction = runTry({ model: GRANITE, prompt: 'Explain at length', max_tokens: 4096 });
    await waitForFinal(world, interaction.token);
    const messages = answerMessages(interaction);
    expect(messages.length).toBeGreaterThan(3);
    expect(messages.map((m) => m.content).join('')).toBe(text);
    for (const m of messages) {
      expect(m.content.length).toBeLessThanOrEqual(2000);
      expect(fencesBalanced(m.content)).toBe(true);
    }
    expect(messages.every((m) => m.attachments.length === 0)).toBe(true);
  });

  it('attaches the whole answer as a .md file once it would take more than a few messages', async () => {
    const text = longAnswer(12_000);
    world.inference.script(GRANITE, text);
    const interaction = runTry({ model: GRANITE, prompt: 'Write a book', max_tokens: 4096 });
    await waitForFinal(world, interaction.token);
    const messages = answerMessages(interaction);
    expect(messages).toHaveLength(4);
    const file = messages.at(-1)!.attachments.find((a) => a.filename === 'answer.md');
    expect(file?.data.toString('utf8')).toBe(text);
    expect(text.startsWith(messages.map((m) => m.content).join(''))).toBe(true);
    expect(noticeOf(messages.at(-1)!)).toMatch(/attached as answer\.md/);
  });

  it('pings nobody, whatever the model writes', async () => {
    world.inference.script(GRANITE, `Hey @everyone and @here and <@${world.hub.curatorId}>!`);
    const interaction = runTry({ model: GRANITE, prompt: 'Ping people' });
    await waitForFinal(world, interaction.token);
    expect(answerMessages(interaction)[0]!.content).toContain('@everyone');
    const writes = world.hub.discord.calls.filter(
      (c) => isOf(c, interaction.token) && c.path.startsWith('/webhooks/'),
    );
    expect(writes.length).toBeGreaterThan(0);
    for (const call of writes)
      expect((call.body as { allowed_mentions?: unknown }).allowed_mentions).toEqual({ parse: [] });
  });

  it('answers only the caller when private', async () => {
    world.inference.script(GRANITE, 'Just for you.');
    const interaction = runTry({ model: GRANITE, prompt: 'Secret', private: true });
    await waitForFinal(world, interaction.token);
    const [message] = answerMessages(interaction);
    expect(message!.content).toBe('Just for you.');
    expect(message!.flags & 64).toBe(64);
    expect(message!.components).toEqual([]);
  });

  it('Stop cancels the generation upstream and keeps what was written', async () => {
    const text = Array.from({ length: 400 }, (_, i) => `word${i}`).join(' ');
    world.inference.setTokenDelay(15, LLAMA).script(LLAMA, text);
    const interaction = runTry({ model: LLAMA, prompt: 'Talk forever' });
    const { guildId, channelId, memberId, discord } = world.hub;
    const withStop = await discord.waitForCall(
      (c) =>
        isOf(c, interaction.token) &&
        JSON.stringify(c.body).includes('try:stop:') &&
        JSON.stringify(c.body).includes('word'),
    );
    expect(withStop.status).toBe(200);
    const original = interaction.original()!;
    const stopId = original.components[0].components[0].custom_id as string;
    // Someone else (not a curator) cannot stop it.
    const bystander = discord.addMember(guildId, { username: 'bystander' });
    const other = discord.click({
      guildId,
      channelId,
      userId: bystander,
      customId: stopId,
      messageId: original.id,
    });
    expect((await other.reply()).content).toMatch(/Only the person who asked/);
    discord.click({ guildId, channelId, userId: memberId, customId: stopId, messageId: original.id });
    const aborted = await world.inference.waitForAbort(LLAMA);
    expect(aborted.tokensSent).toBeLessThan(400);
    await waitForFinal(world, interaction.token);
    const shown = answerMessages(interaction)
      .map((m) => m.content)
      .join('');
    expect(shown.length).toBeGreaterThan(0);
    expect(text.startsWith(shown)).toBe(true);
    expect(noticeOf(answerMessages(interaction).at(-1)!)).toMatch(/Stopped; the answer so far is kept/);
    world.inference.setTokenDelay(0, LLAMA);
  });

  it('offers Stop while the first token is slow, and Stop then cancels the waiting request', async () => {
    const held = world.inference.holdFirstToken(GRANITE);
    const interaction = runTry({ model: GRANITE, prompt: 'Take your time' });
    const { discord, guildId, channelId, memberId } = world.hub;
    await held.arrived;
    await discord.waitForCall(
      (c) => isOf(c, interaction.token) && JSON.stringify(c.body).includes('waiting for the first token'),
    );
    const original = interaction.original()!;
    const stopId = original.components[0].components[0].custom_id as string;
    discord.click({ guildId, channelId, userId: memberId, customId: stopId, messageId: original.id });
    const aborted = await world.inference.waitForAbort(GRANITE);
    expect(aborted.tokensSent).toBe(0);
    await waitForFinal(world, interaction.token);
    expect(noticeOf(interaction.original()!)).toMatch(/^Stopped/);
    held.release();
  });

  it.each([
    [{ kind: 'loading', estimatedTimeS: 30 } as const, /still loading at the provider \(about 30 s more\)/],
    [{ kind: 'rate-limited' } as const, /provider is busy right now/],
    [{ kind: 'server-error' } as const, /provider failed to answer/],
  ])('explains %o in words and leaves nothing hanging', async (fault, sentence) => {
    const model = `acme/fault-${fault.kind}`;
    world.inference.fail(model, fault, 5);
    const interaction = runTry({ model, prompt: 'hi' });
    await waitForFinal(world, interaction.token);
    expect(noticeOf(answerMessages(interaction)[0]!)).toMatch(sentence);
  });

  it('answers a model id the self-hosted endpoint does not serve privately, before any public reply', async () => {
    const before = world.inference.requests.length;
    const interaction = runTry({ model: 'acme/not-on-this-server', prompt: 'hi' });
    const reply = await interaction.reply();
    expect(reply.flags & 64).toBe(64);
    expect(reply.content).toMatch(
      /^acme\/not-on-this-server is not served by this bot's self-hosted endpoint\. It serves: /,
    );
    expect((await interaction.firstResponse()).type).toBe(4);
    expect(world.inference.requests.filter((r) => r.path.endsWith('/chat/completions')).length).toBe(
      world.inference.requests.slice(0, before).filter((r) => r.path.endsWith('/chat/completions')).length,
    );
    expect(JSON.stringify(world.hub.discord.messagesIn(world.hub.channelId))).not.toContain(
      'not-on-this-server',
    );
  });

  it('turns a late "model not available" into a private follow-up and removes the public reply', async () => {
    const model = 'acme/listed-but-gone';
    world.inference.fail(model, { kind: 'unknown-model' }, 5);
    const interaction = runTry({ model, prompt: 'hi' });
    expect((await interaction.firstResponse()).type).toBe(5);
    const told = await interaction.waitForFollowUp((m) => /is not available/.test(m.content));
    expect(told.flags & 64).toBe(64);
    await world.hub.discord.waitForCall(
      (c) => isOf(c, interaction.token) && c.method === 'DELETE' && c.path.endsWith('%40original'),
    );
    expect(interaction.original()).toBeUndefined();
    expect(JSON.stringify(world.hub.discord.messagesIn(world.hub.channelId))).not.toContain(model);
  });

  it('keeps a cut answer and says it was cut', async () => {
    world.inference.fail(GRANITE, { kind: 'cut', afterTokens: 3 }).script(GRANITE, 'one two three four five');
    const interaction = runTry({ model: GRANITE, prompt: 'count' });
    await waitForFinal(world, interaction.token);
    const [message] = answerMessages(interaction);
    expect(message!.content).toBe('one two three');
    expect(noticeOf(message!)).toMatch(/cut off/);
    expect(message!.components).toEqual([]);
  });

  it('keeps <think> reasoning out of the answer', async () => {
    // Slow enough for several edits while it thinks.
    world.inference
      .setTokenDelay(15, GRANITE)
      .script(GRANITE, '<think>The user wants a number. Let me count carefully.</think>\n\n42.');
    world.inference.script(LLAMA, { reasoning: 'Separate field reasoning.', text: 'Forty-two.' });
    const a = runTry({ model: GRANITE, prompt: 'answer?' });
    await waitForFinal(world, a.token);
    expect(answerMessages(a)[0]!.content).toBe('42.');
    // Not even while it streamed.
    const writes = world.hub.discord.calls.filter((c) => isOf(c, a.token));
    expect(writes.some((c) => JSON.stringify(c.body).includes('The user wants'))).toBe(false);
    expect(writes.some((c) => JSON.stringify(c.body).includes('thinking…'))).toBe(true);
    world.inference.setTokenDelay(0, GRANITE);
    const b = runTry({ model: LLAMA, prompt: 'answer?' });
    await waitForFinal(world, b.token);
    expect(answerMessages(b)[0]!.content).toBe('Forty-two.');
    expect(JSON.stringify(answerMessages(b))).not.toContain('Separate field reasoning');
  });

  it.each([
    [{ prompt: '   ' }, /prompt is empty/],
    [{ prompt: '\n\t ' }, /prompt is empty/],
    [{ prompt: 'Hi', system: '   ' }, /system prompt is empty/],
  ])('refuses %o privately and sends nothing upstream', async (options, sentence) => {
    const before = world.inference.requests.length;
    const reply = await runTry({ model: GRANITE, ...options }).reply();
    expect(reply.flags & 64).toBe(64);
    expect(reply.content).toMatch(sentence);
    expect(world.inference.requests).toHaveLength(before);
  });

  it('refuses a model id that is not one, privately', async () => {
    const interaction = runTry({ model: 'not a model', prompt: 'hi' });
    const reply = await interaction.reply();
    expect(reply.flags & 64).toBe(64);
    expect(reply.content).toMatch(/is not a model id/);
  });

  it('records every run in model_runs with its outcome and timings', async () => {
    const rows = await all<{ outcome: string; first_token_ms: number; tokens_out: number }>(
      world.hub.hub,
      "SELECT outcome, first_token_ms, tokens_out FROM model_runs WHERE model = ? AND outcome = 'ok'",
      GRANITE,
    );
    expect(rows.length).toBeGreaterThan(3);
    for (const row of rows) expect(row.tokens_out).toBeGreaterThan(0);
    const outcomes = (
      await all<{ outcome: string }>(world.hub.hub, 'SELECT DISTINCT outcome FROM model_runs')
    ).map((r) => r.outcome);
    expect(outcomes).toEqual(
      expect.arrayContaining(['ok', 'stopped', 'cut', 'loading', 'busy', 'unknown_model', 'error']),
    );
    expect(outcomes).not.toContain('running');
  });

  it('exports runs and time to first token as Prometheus metrics, Hub models under "other"', async () => {
    const text = await fetch(`http://127.0.0.1:${world.hub.app.httpPort}/metrics`).then((r) => r.text());
    expect(text).toMatch(
      /omh_model_runs_total\{model="ibm-granite\/granite-3\.0-2b-instruct",outcome="ok"\} [1-9]/,
    );
    expect(text).toMatch(/omh_model_runs_total\{model="other",outcome="busy"\} 1/);
    expect(text).toMatch(
      /omh_model_first_token_seconds_count\{model="ibm-granite\/granite-3\.0-2b-instruct"\} [1-9]/,
    );
  });
});
