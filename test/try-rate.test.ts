// Real edit pacing (TRY_EDIT_INTERVAL_MS left at its 1 s default) and the 15-minute token expiry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  answerMessages,
  isFinalWrite,
  isOf,
  startTryWorld,
  type TryWorld,
} from './support/inference/try-driver.ts';

const MODEL = 'ibm-granite/granite-3.0-8b-instruct';
let world: TryWorld;

beforeAll(async () => {
  world = await startTryWorld({ TRY_EDIT_INTERVAL_MS: '' });
});
afterAll(() => world.stop());

const words = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}${i}`).join(' ');

function runTry(prompt: string) {
  const { guildId, channelId, memberId, discord } = world.hub;
  return discord.command({
    guildId,
    channelId,
    userId: memberId,
    name: 'try',
    options: { model: MODEL, prompt },
  });
}

/** Bot messages in #general from `firstId` on, oldest first. */
function botMessagesFrom(firstId: string) {
  const { discord, channelId } = world.hub;
  return discord
    .messagesIn(channelId)
    .filter((m) => m.authorId === discord.botUserId && BigInt(m.id) >= BigInt(firstId))
    .sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
}

describe('/try pacing and long generations', () => {
  it('edits the answer at most once a second while it streams', async () => {
    const text = words(60, 'w');
    world.inference.setTokenDelay(40, MODEL).script(MODEL, text);
    const interaction = runTry('pace yourself');
    await world.hub.discord.waitForCall((c) => isOf(c, interaction.token) && isFinalWrite(c));
    const [message] = answerMessages(interaction);
    expect(message!.content).toBe(text);
    const edits = world.hub.discord.editsOf(message!.id);
    expect(edits.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < edits.length; i++) expect(edits[i]! - edits[i - 1]!).toBeGreaterThanOrEqual(1000);
  });

  it('continues as ordinary channel messages once the interaction token is 15 minutes old', async () => {
    const text = words(50, 'x');
    world.inference.setTokenDelay(40, MODEL).script(MODEL, text);
    const interaction = runTry('a long one');
    const { discord, channelId, clock } = world.hub;
    await discord.waitForCall((c) => isOf(c, interaction.token) && JSON.stringify(c.body).includes('x0'));
    clock.advance(15 * 60_000);
    await discord.waitForCall((c) => c.path.startsWith(`/channels/${channelId}/messages`) && isFinalWrite(c));
    const messages = botMessagesFrom(interaction.original()!.id);
    expect(messages.length).toBeGreaterThanOrEqual(2);
    expect(messages.map((m) => m.content).join('')).toBe(text);
    expect(world.hub.logs.messages()).toContain(
      'Interaction token expired; continuing the answer as channel messages',
    );
  });

  it('also moves to channel messages when Discord says the token is no longer valid', async () => {
    const text = words(40, 'y');
    world.inference.setTokenDelay(40, MODEL).script(MODEL, text);
    const interaction = runTry('another long one');
    const { discord, channelId } = world.hub;
    await discord.waitForCall((c) => isOf(c, interaction.token) && JSON.stringify(c.body).includes('y0'));
    discord.expireInteractionTokens();
    await discord.waitForCall(
      (c) =>
        c.path.startsWith(`/channels/${channelId}/messages`) &&
        isFinalWrite(c) &&
        JSON.stringify(c.body).includes('y39'),
    );
    const messages = botMessagesFrom(interaction.original()!.id);
    expect(messages.map((m) => m.content).join('')).toBe(text);
  });
});
