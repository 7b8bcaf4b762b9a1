// Without the privileged Message Content intent the bot still starts and /try threads go on when
// the member mentions the bot or replies to it (Discord delivers those messages' content).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Intents } from './support/discord/core.ts';
import { DiscordEmulator } from './support/discord/index.ts';
import { startTryWorld, type TryWorld, waitForFinal } from './support/inference/try-driver.ts';

const MISTRAL = 'mistralai/Mistral-7B-Instruct-v0.3';
let discord: DiscordEmulator;
let world: TryWorld;

beforeAll(async () => {
  // The application has no privileged intent switched on in the Developer Portal.
  discord = await DiscordEmulator.start({ privilegedIntents: 0 });
  world = await startTryWorld({}, { discord });
});
afterAll(async () => {
  await world?.stop();
  await discord?.stop();
});

/** The first finished answer posted after the message `after` (ids grow; a timestamp may be shared). */
const finalIn = (threadId: string, after: string) =>
  discord.waitForMessage(
    threadId,
    (m) =>
      BigInt(m.id) > BigInt(after) && m.embeds.some((e) => e.footer?.text && !e.footer.text.endsWith('…')),
  );

describe('without the Message Content intent', () => {
  it('reaches READY without the intent and warns once, naming the Developer Portal switch', () => {
    expect(discord.readyShards()).toHaveLength(1);
    expect(discord.intents() & Intents.messageContent).toBe(0);
    expect(discord.intents() & Intents.guildMessages).toBe(Intents.guildMessages);
    const warnings = world.hub.logs.lines.filter((l) => /Message Content intent/.test(String(l.msg)));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.level).toBe(40);
    expect(String(warnings[0]!.msg)).toContain('Privileged Gateway Intents → Message Content Intent');
    expect(world.hub.hub.gateway.messageContent()).toBe(false);
  });

  it('/hub status says which mode the bot is in', async () => {
    const { guildId, channelId, memberId } = world.hub;
    const reply = await discord
      .command({ guildId, channelId, userId: memberId, name: 'hub', subcommand: 'status' })
      .reply();
    const field = reply.embeds[0].fields.find((f: { name: string }) => f.name === 'Message Content');
    expect(field?.value).toMatch(/^off .*mention the bot or reply to it/);
  });

  it('/try answers, and its thread continues when the member mentions the bot or replies to it', async () => {
    const { guildId, channelId, memberId } = world.hub;
    world.inference
      .script(MISTRAL, 'Paris.')
      .script(MISTRAL, 'About 2.1 million people.')
      .script(MISTRAL, 'The Seine.');
    const interaction = discord.command({
      guildId,
      channelId,
      userId: memberId,
      name: 'try',
      options: { model: MISTRAL, prompt: 'Capital of France?' },
    });
    await waitForFinal(world, interaction.token);
    const answer = interaction.original()!;
    expect(answer.content).toBe('Paris.');
    const button = answer.components[0].components[0];
    discord.click({ guildId, channelId, userId: memberId, customId: button.custom_id, messageId: answer.id });
    const threadId = await discord
      .waitForCall((c) => c.method === 'POST' && c.path.endsWith('/threads'))
      .then(() => discord.threads(channelId)[0]!.id);
    const intro = await discord.waitForMessage(threadId, (m) =>
      m.content.includes('continue the conversation'),
    );
    expect(intro.content).toContain('mention me or reply to my message');

    // Without a mention Discord delivers the message with empty content: nothing starts.
    await discord.say({ guildId, channelId: threadId, userId: memberId, content: 'Are you there?' });
    const mentioned = await discord.say({
      guildId,
      channelId: threadId,
      userId: memberId,
      content: `<@${discord.botUserId}> And its population?`,
    });
    const second = await finalIn(threadId, mentioned.id);
    expect(second.content).toBe('About 2.1 million people.');
    expect(world.inference.requestsFor(MISTRAL).at(-1)!.messages.at(-1)).toEqual({
      role: 'user',
      content: 'And its population?',
    });
    expect(world.inference.requestsFor(MISTRAL)).toHaveLength(2);

    const reply = await discord.say({
      guildId,
      channelId: threadId,
      userId: memberId,
      content: 'Which river runs through it?',
      replyTo: second.id,
    });
    const third = await finalIn(threadId, reply.id);
    expect(third.content).toBe('The Seine.');
    expect(world.inference.requestsFor(MISTRAL)).toHaveLength(3);
  });
});
