// The bot's own discord.js client (src/discord/client.ts), logged in to the Discord emulator and
// ready, for tests of what the bot does with it; the caller destroys it.
import { type Client, Events } from 'discord.js';
import { createDiscordClient, type DiscordClientOptions } from '../../../src/discord/client.ts';
import type { DiscordEmulator } from './emulator.ts';

export async function loggedInBotClient(
  discord: DiscordEmulator,
  options: Omit<DiscordClientOptions, 'apiUrl'> = {},
): Promise<Client> {
  const client = createDiscordClient({ ...options, apiUrl: discord.apiUrl });
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  try {
    await client.login(discord.token);
  } catch (error) {
    await client.destroy();
    throw error;
  }
  await ready;
  return client;
}
