// /try through IBM watsonx.ai only: the IAM token exchange and the chat stream, against the
// watsonx emulator (test/support/watsonx/), with the bot's own clock deciding token expiry.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  answerMessages,
  footerOf,
  isOf,
  type MultiWorld,
  noticeOf,
  startMultiWorld,
  WATSONX_TEST_APIKEY,
  WATSONX_TEST_PROJECT,
  waitForFinal,
} from './support/inference/try-driver.ts';
import { get } from './support/sql.ts';

const GRANITE = 'ibm-granite/granite-3.0-8b-instruct';
const WX_GRANITE = 'ibm/granite-3-8b-instruct';

let world: MultiWorld;
beforeAll(async () => {
  world = await startMultiWorld({ only: 'watsonx' });
});
afterAll(() => world.stop());

function runTry(options: Record<string, string | number | boolean>) {
  const { guildId, channelId, memberId } = world.hub;
  return world.hub.discord.command({ guildId, channelId, userId: memberId, name: 'try', options });
}

async function tryOnce(prompt: string, answer: string) {
  world.watsonx.script(WX_GRANITE, answer);
  const interaction = runTry({ model: GRANITE, prompt });
  await waitForFinal(world, interaction.token);
  return interaction;
}

describe('/try with only watsonx.ai configured', () => {
  it('streams the answer from the watsonx.ai id of the catalog model, and the footer says so', async () => {
    const interaction = await tryOnce('Who are you?', 'Granite on watsonx.ai.');
    const message = interaction.original()!;
    expect(message.content).toBe('Granite on watsonx.ai.');
    expect(footerOf(message)).toMatch(
      /^Granite 3\.0 8B Instruct · IBM watsonx\.ai \(127\.0\.0\.1:\d+\) · first token/,
    );
    const request = world.watsonx.requestsFor(WX_GRANITE).at(-1)!;
    expect(request.path).toBe('/ml/v1/text/chat_stream');
    expect(request.query.version).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(request.projectId).toBe(WATSONX_TEST_PROJECT);
    expect(request.auth).toBe('valid');
    expect(request.messages).toEqual([{ role: 'user', content: 'Who are you?' }]);
    const row = await get(
      world.hub.hub,
      'SELECT provider, model, outcome FROM model_runs ORDER BY id DESC LIMIT 1',
    );
    expect(row).toEqual({ provider: 'watsonx', model: GRANITE, outcome: 'ok' });
  });

  it('asks IAM for a token once for many tries, and again once it is close to expiry', async () => {
    const before = world.watsonx.tokenRequests.length;
    for (let i = 0; i < 3; i++) await tryOnce(`again ${i}`, `Answer ${i}.`);
    expect(world.watsonx.tokenRequests.length - before).toBeLessThanOrEqual(1);
    const afterMany = world.watsonx.tokenRequests.length;
    world.hub.clock.advance(60 * 60_000);
    await tryOnce('after an hour', 'Fresh token.');
    expect(world.watsonx.tokenRequests).toHaveLength(afterMany + 1);
    expect(world.watsonx.requestsFor(WX_GRANITE).at(-1)!.auth).toBe('valid');
  });

  it('renews the token once and retries when watsonx.ai answers 401', async () => {
    const tokens = world.watsonx.tokenRequests.length;
    const chats = world.watsonx.requestsFor(WX_GRANITE).length;
    world.watsonx.fail({ kind: 'unauthorized' }, { model: WX_GRANITE });
    const interaction = await tryOnce('after a revoked token', 'Still answered.');
    expect(interaction.original()!.content).toBe('Still answered.');
    expect(world.watsonx.tokenRequests).toHaveLength(tokens + 1);
    const sent = world.watsonx.requestsFor(WX_GRANITE).slice(chats);
    expect(sent.map((r) => r.status)).toEqual([401, 200]);
  });

  it('says which settings to check when watsonx.ai keeps refusing, without a retry loop', async () => {
    const chats = world.watsonx.requestsFor(WX_GRANITE).length;
    world.watsonx.fail({ kind: 'unauthorized' }, { model: WX_GRANITE, times: 2 });
    const interaction = runTry({ model: GRANITE, prompt: 'refused' });
    await waitForFinal(world, interaction.token);
    expect(noticeOf(answerMessages(interaction)[0]!)).toMatch(
      /IBM watsonx\.ai refused this bot's credentials/,
    );
    expect(world.watsonx.requestsFor(WX_GRANITE).slice(chats)).toHaveLength(2);
    expect(world.hub.logs.messages().some((m) => /WATSONX_AI_PROJECT_ID/.test(m))).toBe(true);
  });

  it.each([
    [{ kind: 'rate-limited' } as const, /provider is busy right now/],
    [{ kind: 'server-error' } as const, /provider failed to answer/],
  ])('explains %o in words', async (fault, sentence) => {
    world.watsonx.fail(fault, { model: WX_GRANITE });
    const interaction = runTry({ model: GRANITE, prompt: 'fault' });
    await waitForFinal(world, interaction.token);
    expect(noticeOf(answerMessages(interaction)[0]!)).toMatch(sentence);
  });

  it('keeps a stream cut without finish_reason and says it was cut', async () => {
    world.watsonx.fail({ kind: 'cut', afterTokens: 2 }, { model: WX_GRANITE });
    const interaction = await tryOnce('cut', 'one two three four');
    const [message] = answerMessages(interaction);
    expect(message!.content).toBe('one two');
    expect(noticeOf(message!)).toMatch(/cut off/);
  });

  it('tells the member privately when the model is not offered in this region', async () => {
    // In the catalog with a watsonx.ai id the emulator's region does not serve.
    const interaction = runTry({ model: 'meta-llama/Llama-3.1-8B-Instruct', prompt: 'hi' });
    const told = await interaction.waitForFollowUp((m) =>
      /not available from IBM watsonx\.ai/.test(m.content),
    );
    expect(told.flags & 64).toBe(64);
    await world.hub.discord.waitForCall(
      (c) => isOf(c, interaction.token) && c.method === 'DELETE' && c.path.endsWith('%40original'),
    );
  });

  it('refuses a model only Hugging Face serves, privately, naming the configured provider', async () => {
    const reply = await runTry({ model: 'mistralai/Mistral-7B-Instruct-v0.3', prompt: 'hi' }).reply();
    expect(reply.flags & 64).toBe(64);
    expect(reply.content).toMatch(/is not served by IBM watsonx\.ai here/);
  });

  it('Stop cancels upstream quietly: nothing from the stream reaches the console or the log', async () => {
    const errors = vi.spyOn(console, 'error');
    const warnings = vi.spyOn(console, 'warn');
    try {
      const held = world.watsonx.holdAfter(WX_GRANITE, 2);
      world.watsonx.script(WX_GRANITE, 'one two three four five six');
      const interaction = runTry({ model: GRANITE, prompt: 'stop me' });
      await held.arrived;
      const { discord, guildId, channelId, memberId } = world.hub;
      await discord.waitForCall(
        (c) => isOf(c, interaction.token) && JSON.stringify(c.body).includes('try:stop:'),
      );
      const original = interaction.original()!;
      const stopId = original.components[0].components[0].custom_id as string;
      discord.click({ guildId, channelId, userId: memberId, customId: stopId, messageId: original.id });
      await world.watsonx.waitForAbort(WX_GRANITE);
      await waitForFinal(world, interaction.token);
      held.release();
      expect(noticeOf(answerMessages(interaction).at(-1)!)).toMatch(/Stopped/);
      expect(errors).not.toHaveBeenCalled();
      expect(warnings).not.toHaveBeenCalled();
      expect(world.hub.logs.text()).not.toMatch(/Stream pipeline/);
    } finally {
      errors.mockRestore();
      warnings.mockRestore();
    }
  });

  it('never writes the API key or a bearer token to the log', () => {
    const text = world.hub.logs.text();
    expect(text).not.toContain(WATSONX_TEST_APIKEY);
    // The emulator's tokens are JWTs: three base64url parts starting with eyJ.
    expect(text).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]*/);
  });

  it('sends an image to a watsonx.ai vision model as an image_url content part', async () => {
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
      'base64',
    );
    world.watsonx.script('ibm/granite-vision-3-2-2b', 'A single dot.');
    const { guildId, channelId, memberId } = world.hub;
    const interaction = world.hub.discord.command({
      guildId,
      channelId,
      userId: memberId,
      name: 'try',
      options: { model: 'ibm-granite/granite-vision-3.2-2b', prompt: 'What is this?' },
      attachments: { image: { filename: 'dot.png', data: png } },
    });
    await waitForFinal(world, interaction.token);
    expect(interaction.original()!.content).toBe('A single dot.');
    const request = world.watsonx.requestsFor('ibm/granite-vision-3-2-2b').at(-1)!;
    expect(request.imageUrls).toEqual([`data:image/png;base64,${png.toString('base64')}`]);
  });

  it('scrubs a bearer token the bot learnt from every log line, whatever field holds it', async () => {
    const { createLogger, LogCollector, registerSecret } = await import('../src/log.ts');
    const lines = new LogCollector();
    const log = createLogger({ destination: lines });
    registerSecret('eyJhbGciOiJub25lIn0.eyJleHAiOjF9.sig-abc123');
    log.warn({ detail: 'Bearer eyJhbGciOiJub25lIn0.eyJleHAiOjF9.sig-abc123' }, 'a stray header');
    expect(lines.text()).not.toContain('sig-abc123');
    expect(lines.text()).toContain('Bearer [REDACTED]');
  });
});
