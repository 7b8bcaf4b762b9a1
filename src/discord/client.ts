import { Client, GatewayIntentBits, Partials, REST } from 'discord.js';

export interface DiscordClientOptions {
  apiUrl: string;
  messageContent?: boolean;
  /**
   * GuildMessages without MessageContent: Discord still delivers the content of messages that
   * mention the bot or reply to it, which is how /try threads continue without the privileged intent.
   */
  guildMessages?: boolean;
  /** One REST instance across reconnections, so posters built at start keep working. */
  rest?: REST;
  /**
   * 'auto' uses the shard count /gateway/bot recommends (all shards in this process); a list and
   * a total run this process's share of them (SHARDS / SHARD_COUNT).
   */
  shards?: 'auto' | number[];
  shardCount?: number;
}

/** The REST client the bot's Discord clients share (timeouts on every call). */
export function createDiscordRest(apiUrl: string): REST {
  return new REST({ api: apiUrl, timeout: 15_000 });
}

/**
 * The bot's discord.js client. Only the intents features need: Guilds for commands and
 * channels; GuildMessages and MessageContent (privileged: enable "Message Content Intent" in
 * the Developer Portal) for conversations in threads.
 */
export function createDiscordClient(options: DiscordClientOptions): Client {
  const intents = [GatewayIntentBits.Guilds];
  if (options.messageContent) intents.push(GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent);
  else if (options.guildMessages) intents.push(GatewayIntentBits.GuildMessages);
  const client = new Client({
    intents,
    partials: [Partials.Channel],
    // Nothing a user or a model writes can ping anyone; the bot opts in per message when it means to.
    allowedMentions: { parse: [], repliedUser: false },
    // With a shared REST the client's own is never used: no sweep timers for it.
    rest: options.rest
      ? { api: options.apiUrl, hashSweepInterval: 0, handlerSweepInterval: 0 }
      : { api: options.apiUrl, timeout: 15_000 },
    shards: options.shards ?? 'auto',
    ...(options.shardCount ? { shardCount: options.shardCount } : {}),
  });
  if (options.rest) client.rest = options.rest;
  return client;
}
