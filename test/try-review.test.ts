// Defects found in review of /try: each test drives the real bot through the emulators.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STALE_ANSWER } from '../src/discord/command.ts';
import {
  answerMessages,
  isOf,
  startTryWorld,
  type TryWorld,
  waitForFinal,
} from './support/inference/try-driver.ts';

const GRANITE = 'ibm-granite/granite-3.0-2b-instruct';

let world: TryWorld;
beforeAll(async () => {
  world = await startTryWorld();
});
afterAll(() => world.stop());

function runTry(options: Record<string, string | number | boolean>) {
  const { guildId, channelId, memberId } = world.hub;
  return world.hub.discord.command({ guildId, channelId, userId: memberId, name: 'try', options });
}

describe('/try review', () => {
  it('a Discord outage on one progress edit does not report a failure once the answer is delivered', async () => {
    const held = world.inference.holdFirstToken(GRANITE);
    world.inference.script(GRANITE, 'Delivered after all.');
    // The waiting-state edit fails past discord.js's own retries (4 attempts); later edits succeed.
    world.hub.discord.failNext('PATCH', /\/messages\/%40original/, { status: 503 }, 4);
    const interaction = runTry({ model: GRANITE, prompt: 'Hello' });
    await held.arrived;
    await world.hub.discord.waitForCall(
      () => world.hub.discord.calls.filter((c) => isOf(c, interaction.token) && c.status === 503).length >= 4,
    );
    held.release();
    await waitForFinal(world, interaction.token);
    const messages = answerMessages(interaction);
    expect(messages[0]!.content).toBe('Delivered after all.');
    expect(await world.hub.app.router.drain(5000)).toBe(0);
    expect(answerMessages(interaction).some((m) => /Something went wrong/.test(m.content))).toBe(false);
    expect(world.hub.logs.messages().filter((m) => m.startsWith('Handler of /try failed'))).toEqual([]);
  });

  it.each(['../whoami-v2', 'ibm-granite/..', '.hidden/model', 'a--/b', 'org/-model'])(
    'refuses the malformed model id %s privately and runs nothing',
    async (model) => {
      const before = world.inference.requestsFor(model).length;
      const reply = await runTry({ model, prompt: 'Hi' }).reply();
      expect(reply.flags & 64).toBe(64);
      expect(reply.content).toMatch(/is not a model id/);
      expect(world.inference.requestsFor(model)).toHaveLength(before);
    },
  );

  it('Continue in thread survives Discord failing to create the thread: a clear private answer, and the button works again', async () => {
    const { discord, guildId, channelId, memberId } = world.hub;
    world.inference.script(GRANITE, 'Keep this.');
    const interaction = runTry({ model: GRANITE, prompt: 'Start a conversation' });
    await waitForFinal(world, interaction.token);
    const answer = interaction.original()!;
    const button = answer.components[0].components[0];
    const before = discord.threads(channelId).length;
    // An outage that outlives discord.js's own retries.
    discord.failNext('POST', /\/messages\/\d+\/threads$/, { status: 503 }, 4);
    const click = () =>
      discord.click({
        guildId,
        channelId,
        userId: memberId,
        customId: button.custom_id,
        messageId: answer.id,
      });
    const failed = await click().reply();
    expect(failed.flags & 64).toBe(64);
    expect(failed.content).toBe(
      'Discord did not create the thread just now; press Continue in thread again in a minute.',
    );
    expect(discord.threads(channelId)).toHaveLength(before);
    expect(discord.message(answer.id)!.components[0].components[0].label).toBe('Continue in thread');

    click();
    await discord.waitForCall((c) => c.method === 'POST' && c.path.endsWith('/threads') && c.status === 201);
    const thread = discord.threads(channelId).find((t) => t.id === answer.id)!;
    await discord.waitForMessage(thread.id, (m) => m.content.includes('continues the conversation'));
  });

  it('/compare keeps the final message within 6,000 embed characters with long model ids and long answers', async () => {
    const { discord, guildId, channelId, memberId } = world.hub;
    const a = `community-org/${'a'.repeat(85)}-instruct`;
    const b = `community-org/${'b'.repeat(85)}-instruct`;
    const long = (word: string) => Array.from({ length: 700 }, (_, i) => `${word}${i}`).join(' ');
    world.inference.script(a, long('alpha')).script(b, long('beta'));
    const interaction = discord.command({
      guildId,
      channelId,
      userId: memberId,
      name: 'compare',
      options: { model_a: a, model_b: b, prompt: 'Say a lot', max_tokens: 4096 },
    });
    await discord.waitForCall(
      (c) =>
        isOf(c, interaction.token) &&
        c.method === 'PATCH' &&
        ((c.status >= 400 && c.status < 500) ||
          (c.status < 300 &&
            (c.body as { embeds?: Array<{ footer?: { text: string } }> }).embeds?.every(
              (e) => !e.footer?.text.endsWith('…'),
            ) === true)),
    );
    const rejected = discord.calls.filter((c) => isOf(c, interaction.token) && c.status >= 400);
    expect(rejected.map((c) => c.status)).toEqual([]);
    const [message] = answerMessages(interaction);
    expect(message!.attachments.map((f) => f.data.toString('utf8')).sort()).toEqual(
      [long('alpha'), long('beta')].sort(),
    );
  });

  it('answers a forged /try button id clearly and privately instead of "Done."', async () => {
    const { discord, guildId, channelId, memberId } = world.hub;
    world.inference.script(GRANITE, 'Anchor.');
    const interaction = runTry({ model: GRANITE, prompt: 'Anchor message' });
    await waitForFinal(world, interaction.token);
    const answer = interaction.original()!;
    const reply = await discord
      .click({ guildId, channelId, userId: memberId, customId: 'try:bogus:1', messageId: answer.id })
      .reply();
    expect(reply.flags & 64).toBe(64);
    expect(reply.content).toBe(STALE_ANSWER);
    expect(discord.message(answer.id)!.content).toBe('Anchor.');
  });

  it('stops generating a private answer once its token has expired, since nobody can see the rest', async () => {
    const model = 'ibm-granite/granite-3.0-8b-instruct';
    const text = Array.from({ length: 400 }, (_, i) => `z${i}`).join(' ');
    world.inference.setTokenDelay(15, model).script(model, text);
    const interaction = runTry({ model, prompt: 'Private and long', private: true });
    const { discord, clock } = world.hub;
    await discord.waitForCall((c) => isOf(c, interaction.token) && JSON.stringify(c.body).includes('z0'));
    clock.advance(15 * 60_000);
    const aborted = await world.inference.waitForAbort(model);
    expect(aborted.aborted).toBe(true);
    expect(await world.hub.app.router.drain(5000)).toBe(0);
    world.inference.setTokenDelay(0, model);
  });
});
