// The bot's discord.js client against the Discord emulator: what it keeps in memory.
import { type Client, Events, type Message } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggedInBotClient } from './support/discord/bot-client.ts';
import { DiscordEmulator } from './support/discord/index.ts';

let discord: DiscordEmulator;
let client: Client | undefined;
let guildId: string;
let channelId: string;
let memberId: string;

beforeAll(async () => {
  discord = await DiscordEmulator.start();
  guildId = discord.addGuild({ name: 'Open Models' });
  channelId = discord.addChannel(guildId, { name: 'general' });
  memberId = discord.addMember(guildId, { username: 'member' });
  client = await loggedInBotClient(discord, { guildMessages: true, messageContent: true });
});
afterAll(async () => {
  await client?.destroy();
  await discord?.stop();
});

describe('the bot client', () => {
  it('hands every message to its handler and keeps none of them', async () => {
    const seen: Message[] = [];
    const twice = new Promise<void>((resolve) =>
      client!.on(Events.MessageCreate, (m) => {
        seen.push(m);
        if (seen.length === 2) resolve();
      }),
    );
    await discord.say({ guildId, channelId, userId: memberId, content: 'first' });
    await discord.say({ guildId, channelId, userId: memberId, content: 'second' });
    await twice;
    expect(seen.map((m) => m.content)).toEqual(['first', 'second']);
    const channel = client!.channels.cache.get(channelId);
    expect(channel?.isTextBased() && channel.messages.cache.size).toBe(0);
  });
});
