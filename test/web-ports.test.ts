// The web board's Discord ports, from a real discord.js client logged in to the Discord emulator:
// the server's name from the gateway cache, members' display names from the REST API.

import type { Client } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discordBoardPorts } from '../src/discord/web-ports.ts';
import { loggedInBotClient } from './support/discord/bot-client.ts';
import { DiscordEmulator } from './support/discord/index.ts';

let discord: DiscordEmulator;
let client: Client | undefined;
let guildId: string;
let memberId: string;

beforeAll(async () => {
  discord = await DiscordEmulator.start();
  guildId = discord.addGuild({ name: 'Open Models' });
  memberId = discord.addMember(guildId, { username: 'member', displayName: 'Mo Member' });
  client = await loggedInBotClient(discord);
});
afterAll(async () => {
  await client?.destroy();
  await discord?.stop();
});

describe('discordBoardPorts', () => {
  it('names the servers the bot is in, and no other', () => {
    const ports = discordBoardPorts(() => client);
    expect(ports.guild(guildId)).toEqual({ name: 'Open Models', iconUrl: null });
    expect(ports.guild('123456789012345678')).toBeNull();
  });

  it('looks up display names, leaving out ids that are not members', async () => {
    const ports = discordBoardPorts(() => client);
    const names = await ports.displayNames!(guildId, [memberId, '123456789012345678']);
    expect([...names]).toEqual([[memberId, 'Mo Member']]);
    expect(await ports.displayNames!('123456789012345678', [memberId])).toEqual(new Map());
  });
});
