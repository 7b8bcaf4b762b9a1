import { Client, GatewayIntentBits, Options, Partials, type REST } from 'discord.js';
import { InteractionAwareRest } from './rest.ts';

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

/**
 * The REST client the bot's Discord clients share (timeouts on every call); interaction answers
 * go outside the bot-wide global limit (src/discord/rest.ts). The application id is the one the
 * bot was configured with, so it is known before the first login.
 */
export function createDiscordRest(apiUrl: string, applicationId?: string): REST {
  return new InteractionAwareRest({ api: apiUrl, timeout: 15_000 }, () => applicationId);
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
    // With GuildMessages the gateway sends every message of every server, and discord.js keeps the
    // last 200 of each channel (content included): memory that grows with the servers' chatter. The
    // bot reads each message once, in its handler, and never from the cache.
    makeCache: Options.cacheWithLimits({ ...Options.DefaultMakeCacheSettings, MessageManager: 0 }),
    // With a shared REST the client's own is never used: no sweep timers for it.
    rest: options.rest
      ? { api: options.apiUrl, hashSweepInterval: 0, handlerSweepInterval: 0 }
      : { api: options.apiUrl, timeout: 15_000 },
    shards: options.shards ?? 'auto',
    ...(options.shardCount ? { shardCount: options.shardCount } : {}),
  });
  if (options.rest) client.rest = options.rest;
  else {
    // Replaced before login: the gateway manager and every structure read `client.rest` when they
    // use it. The first REST's sweep timers are stopped (its handlers are empty).
    client.rest.clearHashSweeper();
    client.rest.clearHandlerSweeper();
    // The application is known from READY on, before any interaction can arrive.
    client.rest = new InteractionAwareRest(client.options.rest ?? {}, () => client.application?.id);
  }
  return client;
}
