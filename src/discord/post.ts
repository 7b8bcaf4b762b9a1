// The port through which services speak to Discord without knowing discord.js: plain API
// JSON in, message ids out, failures sorted into what the caller should do about them.
import {
  type APIActionRowComponent,
  type APIComponentInActionRow,
  type APIEmbed,
  type APIMessage,
  DiscordAPIError,
  HTTPError,
  type REST,
  Routes,
} from 'discord.js';

export interface OutgoingFile {
  name: string;
  data: Buffer;
  description?: string;
}

export interface OutgoingMessage {
  content?: string;
  embeds?: APIEmbed[];
  components?: APIActionRowComponent<APIComponentInActionRow>[];
  files?: OutgoingFile[];
  /** Only for messages the bot itself means to mention someone in; the default pings nobody. */
  allowedUserMentions?: string[];
  /**
   * An idempotency key (at most 25 characters) for posts that may be retried after a crash: Discord
   * returns the earlier message instead of creating a second one when the same nonce comes again
   * within a few minutes (enforce_nonce).
   */
  nonce?: string;
}

/**
 * Why a post failed, in the terms a caller acts on:
 * - `gone`: the channel, message or user does not exist any more (stop trying, flag it);
 * - `forbidden`: the bot lacks a permission there, or the user blocks DMs (flag it, tell a curator);
 * - `invalid`: Discord rejected the payload (a bug: log it);
 * - `retryable`: rate limit or Discord outage that outlived the client's own retries (try again later).
 */
export type PostFailure = 'gone' | 'forbidden' | 'invalid' | 'retryable';

export class PostError extends Error {
  override name = 'PostError';
  constructor(
    readonly failure: PostFailure,
    readonly status: number | undefined,
    readonly code: number | string | undefined,
    message: string,
  ) {
    super(message);
  }
}

export interface Poster {
  post(channelId: string, message: OutgoingMessage): Promise<{ id: string; channelId: string }>;
  edit(channelId: string, messageId: string, message: OutgoingMessage): Promise<void>;
  /** Deletes one of the bot's messages (optional so that stand-ins need not implement it). */
  delete?(channelId: string, messageId: string): Promise<void>;
  /** Sends a direct message; throws PostError('forbidden') when the user does not accept DMs. */
  dm(userId: string, message: OutgoingMessage): Promise<{ id: string; channelId: string }>;
  /** Starts a thread on a message (text channels) and returns its channel id. */
  startThread(channelId: string, messageId: string, name: string): Promise<string>;
  /** Creates a forum post (a thread with its first message) and returns thread and message ids. */
  createForumPost(
    forumChannelId: string,
    name: string,
    message: OutgoingMessage,
    tagIds?: string[],
  ): Promise<{ threadId: string; messageId: string }>;
  /** What kind of channel this is, and a forum's tags (so features can choose post vs forum post). */
  channel(
    channelId: string,
  ): Promise<{ kind: 'text' | 'forum' | 'other'; tags: Array<{ id: string; name: string }> }>;
  /** Renames a thread or sets a forum post's tags. */
  editThread(threadId: string, patch: { name?: string; appliedTags?: string[] }): Promise<void>;
}

function toBody(message: OutgoingMessage) {
  return {
    body: {
      content: message.content,
      embeds: message.embeds,
      components: message.components,
      allowed_mentions: { parse: [], users: message.allowedUserMentions ?? [] },
      attachments: message.files?.map((f, i) => ({ id: i, filename: f.name, description: f.description })),
      ...(message.nonce ? { nonce: message.nonce.slice(0, 25), enforce_nonce: true } : {}),
    },
    files: message.files?.map((f, i) => ({ key: `files[${i}]`, name: f.name, data: f.data })),
  };
}

export function classifyDiscordError(error: unknown): PostError {
  if (error instanceof PostError) return error;
  if (error instanceof DiscordAPIError) {
    const code = error.code;
    let failure: PostFailure = 'invalid';
    if (error.status === 404 || code === 10003 || code === 10008 || code === 10013) failure = 'gone';
    else if (error.status === 403 || code === 50001 || code === 50013 || code === 50007)
      failure = 'forbidden';
    else if (error.status === 429 || error.status >= 500) failure = 'retryable';
    return new PostError(failure, error.status, code, error.message);
  }
  if (error instanceof HTTPError) {
    return new PostError(
      error.status >= 500 || error.status === 429 ? 'retryable' : 'invalid',
      error.status,
      undefined,
      error.message,
    );
  }
  // Network errors and timeouts: Discord may come back.
  return new PostError('retryable', undefined, undefined, (error as Error)?.message ?? String(error));
}

async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw classifyDiscordError(error);
  }
}

/** A Poster over discord.js's REST client (which already waits out 429s and retries 5xx a few times). */
export function createPoster(rest: REST): Poster {
  return {
    post: (channelId, message) =>
      call(async () => {
        const sent = (await rest.post(Routes.channelMessages(channelId), toBody(message))) as APIMessage;
        return { id: sent.id, channelId: sent.channel_id };
      }),
    edit: (channelId, messageId, message) =>
      call(async () => {
        await rest.patch(Routes.channelMessage(channelId, messageId), toBody(message));
      }),
    dm: (userId, message) =>
      call(async () => {
        const channel = (await rest.post(Routes.userChannels(), { body: { recipient_id: userId } })) as {
          id: string;
        };
        const sent = (await rest.post(Routes.channelMessages(channel.id), toBody(message))) as APIMessage;
        return { id: sent.id, channelId: sent.channel_id };
      }),
    delete: (channelId, messageId) =>
      call(async () => {
        await rest.delete(Routes.channelMessage(channelId, messageId));
      }),
    startThread: (channelId, messageId, name) =>
      call(async () => {
        const thread = (await rest.post(Routes.threads(channelId, messageId), {
          body: { name: threadName(name), auto_archive_duration: 10080 },
        })) as { id: string };
        return thread.id;
      }),
    createForumPost: (forumChannelId, name, message, tagIds) =>
      call(async () => {
        const { body, files } = toBody(message);
        const thread = (await rest.post(Routes.threads(forumChannelId), {
          body: { name: threadName(name), message: body, applied_tags: tagIds ?? [] },
          files,
        })) as { id: string; message?: { id: string } };
        return { threadId: thread.id, messageId: thread.message?.id ?? thread.id };
      }),
    channel: (channelId) =>
      call(async () => {
        const c = (await rest.get(Routes.channel(channelId))) as {
          type: number;
          available_tags?: Array<{ id: string; name: string }>;
        };
        // 0 text, 5 announcement, 15 forum (discord-api-types ChannelType).
        const kind = c.type === 15 ? 'forum' : c.type === 0 || c.type === 5 ? 'text' : 'other';
        return { kind, tags: (c.available_tags ?? []).map((t) => ({ id: t.id, name: t.name })) };
      }),
    editThread: (threadId, patch) =>
      call(async () => {
        await rest.patch(Routes.channel(threadId), {
          body: {
            ...(patch.name ? { name: threadName(patch.name) } : {}),
            ...(patch.appliedTags ? { applied_tags: patch.appliedTags } : {}),
          },
        });
      }),
  };
}

/** A thread name within Discord's 100 characters, never ending in half of a surrogate pair (emoji). */
export function threadName(name: string): string {
  const cut = name.slice(0, 100);
  const last = cut.charCodeAt(cut.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}
