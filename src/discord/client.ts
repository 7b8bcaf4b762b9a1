import { Client, GatewayIntentBits, Partials } from 'discord.js';
import { InteractionAwareRest } from './rest.ts';

/**
 * The bot's discord.js client. Only the intents features need: Guilds for commands and
 * channels; GuildMessages and MessageContent (privileged: enable "Message Content Intent" in
 * the Developer Portal) for conversations in threads.
 */
export function createDiscordClient(options: { apiUrl: string; messageContent?: boolean }): Client {
  const intents = [GatewayIntentBits.Guilds];
  if (options.messageContent) intents.push(GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent);
  const client = new Client({
    intents,
    partials: [Partials.Channel],
    // Nothing a user or a model writes can ping anyone; the bot opts in per message when it means to.
    allowedMentions: { parse: [], repliedUser: false },
    rest: { api: options.apiUrl, timeout: 15_000 },
  });
  // Replaced before login: the gateway manager and every structure read `client.rest` when they
  // use it. The first REST's sweep timers are stopped (its handlers are empty).
  client.rest.clearHashSweeper();
  client.rest.clearHandlerSweeper();
  // The application is known from READY on, before any interaction can arrive.
  client.rest = new InteractionAwareRest(client.options.rest ?? {}, () => client.application?.id);
  return client;
}
