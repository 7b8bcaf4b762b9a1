// Channels, messages, threads and direct messages, with the permission answers Discord gives a bot.
import { PermissionFlagsBits as P } from 'discord.js';
import { type Core, Intents } from './core.ts';
import {
  ApiError,
  cannotDm,
  invalidFormBody,
  missingAccess,
  missingPermissions,
  nonTextChannel,
  notAuthor,
  unknownUser,
} from './errors.ts';
import { createMessage, deleteMessage, editMessage } from './messages.ts';
import type { Route } from './rest-server.ts';
import { apiChannel, apiMessage } from './serialize.ts';
import { ChannelKind, type ChannelRec, isThread, MessageFlags } from './world.ts';

/** How long Discord remembers a nonce ("a few minutes"). */
const NONCE_WINDOW_MS = 5 * 60_000;

export function channelRoutes(core: Core): Route[] {
  const w = core.world;
  const bot = core.options.botUserId;

  const canView = (channelId: string): ChannelRec => {
    const channel = w.channel(channelId);
    if (channel.guildId && !(w.channelPermissions(channel.id, bot) & P.ViewChannel)) throw missingAccess();
    return channel;
  };

  const canSend = (channelId: string): ChannelRec => {
    const channel = canView(channelId);
    if (channel.type === ChannelKind.dm) {
      const user = w.user(channel.recipientId!);
      if (user.blocksDms || user.bot) throw cannotDm();
      return channel;
    }
    if (channel.type === ChannelKind.forum) throw nonTextChannel();
    const need = isThread(channel) ? P.SendMessagesInThreads : P.SendMessages;
    if (!(w.channelPermissions(channel.id, bot) & need)) throw missingPermissions();
    return channel;
  };

  const renderMessage = (id: string) => apiMessage(w, core.baseUrl, w.messages.get(id)!);

  const announceThread = (event: 'THREAD_CREATE' | 'THREAD_UPDATE', thread: ChannelRec) => {
    core.dispatch(event, Intents.guilds, () => ({
      ...apiChannel(w, thread),
      newly_created: event === 'THREAD_CREATE' ? true : undefined,
    }));
  };

  const newThread = (
    parent: ChannelRec,
    o: { id?: string; name: unknown; type: number; appliedTags?: string[] },
  ) => {
    if (typeof o.name !== 'string' || o.name.length < 1 || o.name.length > 100) {
      throw invalidFormBody({
        name: {
          _errors: [{ code: 'BASE_TYPE_BAD_LENGTH', message: 'Must be between 1 and 100 in length.' }],
        },
      });
    }
    const known = new Set((parent.availableTags ?? []).map((t) => t.id));
    const unknown = (o.appliedTags ?? []).filter((t) => !known.has(t));
    if (unknown.length > 0) {
      throw invalidFormBody({
        applied_tags: {
          _errors: [{ code: 'FORUM_TAG_UNKNOWN', message: `Unknown tags: ${unknown.join(', ')}` }],
        },
      });
    }
    return w.addChannel(parent.guildId!, {
      id: o.id,
      type: o.type,
      name: o.name,
      parentId: parent.id,
      ownerId: bot,
      appliedTags: o.appliedTags,
    });
  };

  return [
    {
      method: 'GET',
      pattern: '/channels/:channelId',
      handle: ({ params }) => ({ body: apiChannel(w, canView(params.channelId!)) }),
    },
    {
      method: 'PATCH',
      pattern: '/channels/:channelId',
      handle: ({ params, body }) => {
        const channel = canView(params.channelId!);
        if (
          !(
            w.channelPermissions(channel.id, bot) & (isThread(channel) ? P.ManageThreads : P.ManageChannels)
          ) &&
          channel.ownerId !== bot
        ) {
          throw missingPermissions();
        }
        if (typeof body?.name === 'string') channel.name = body.name;
        if ('topic' in (body ?? {})) channel.topic = body.topic ?? undefined;
        if (Array.isArray(body?.applied_tags)) channel.appliedTags = body.applied_tags.map(String);
        if (typeof body?.archived === 'boolean') channel.archived = body.archived;
        if (typeof body?.locked === 'boolean') channel.locked = body.locked;
        if (isThread(channel)) announceThread('THREAD_UPDATE', channel);
        else core.dispatch('CHANNEL_UPDATE', Intents.guilds, () => apiChannel(w, channel));
        core.waiters.notify();
        return { body: apiChannel(w, channel) };
      },
    },
    {
      method: 'GET',
      pattern: '/channels/:channelId/messages',
      handle: ({ params, query }) => {
        const channel = canView(params.channelId!);
        if (channel.guildId && !(w.channelPermissions(channel.id, bot) & P.ReadMessageHistory))
          return { body: [] };
        let list = w.channelHistory(channel.id).filter((m) => !(m.flags & MessageFlags.ephemeral));
        const limit = Math.min(Math.max(Number(query.limit ?? 50), 1), 100);
        const id = (m: { id: string }) => BigInt(m.id);
        if (query.before) list = list.filter((m) => id(m) < BigInt(query.before!));
        if (query.after) list = list.filter((m) => id(m) > BigInt(query.after!));
        const newestFirst = list.reverse();
        const page = query.after ? newestFirst.slice(-limit) : newestFirst.slice(0, limit);
        return { body: page.map((m) => renderMessage(m.id)) };
      },
    },
    {
      method: 'POST',
      pattern: '/channels/:channelId/messages',
      handle: ({ params, body, files }) => {
        const channel = canSend(params.channelId!);
        // Discord: with enforce_nonce, a message with the same nonce sent by the same author in the
        // last few minutes is returned instead of creating another.
        const nonce =
          body?.enforce_nonce && body?.nonce != null ? `${channel.id}:${bot}:${body.nonce}` : undefined;
        const earlier = nonce ? core.nonces.get(nonce) : undefined;
        if (earlier && Date.now() - earlier.at < NONCE_WINDOW_MS)
          return { body: renderMessage(earlier.messageId) };
        const message = createMessage(core, { channelId: channel.id, authorId: bot, body, files });
        if (nonce) core.nonces.set(nonce, { messageId: message.id, at: Date.now() });
        return { body: renderMessage(message.id) };
      },
    },
    {
      method: 'GET',
      pattern: '/channels/:channelId/messages/:messageId',
      handle: ({ params }) => {
        const channel = canView(params.channelId!);
        return { body: renderMessage(w.message(channel.id, params.messageId!).id) };
      },
    },
    {
      method: 'PATCH',
      pattern: '/channels/:channelId/messages/:messageId',
      handle: ({ params, body, files }) => {
        const channel = canView(params.channelId!);
        const message = w.message(channel.id, params.messageId!);
        if (message.authorId !== bot) throw notAuthor();
        editMessage(core, message, body, files);
        return { body: renderMessage(message.id) };
      },
    },
    {
      method: 'DELETE',
      pattern: '/channels/:channelId/messages/:messageId',
      handle: ({ params }) => {
        const channel = canView(params.channelId!);
        const message = w.message(channel.id, params.messageId!);
        if (message.authorId !== bot && !(w.channelPermissions(channel.id, bot) & P.ManageMessages))
          throw missingPermissions();
        deleteMessage(core, message);
        return {};
      },
    },
    {
      method: 'PUT',
      pattern: '/channels/:channelId/messages/:messageId/reactions/:emoji/@me',
      handle: ({ params }) => {
        w.message(canView(params.channelId!).id, params.messageId!);
        return {};
      },
    },
    {
      method: 'POST',
      pattern: '/channels/:channelId/threads',
      handle: ({ params, body, files }) => {
        const parent = canView(params.channelId!);
        if (parent.type === ChannelKind.forum) {
          if (!(w.channelPermissions(parent.id, bot) & P.SendMessages)) throw missingPermissions();
          if (!body?.message) {
            throw invalidFormBody({
              message: { _errors: [{ code: 'BASE_TYPE_REQUIRED', message: 'This field is required' }] },
            });
          }
          const id = core.ids.next();
          const thread = newThread(parent, {
            id,
            name: body.name,
            type: ChannelKind.publicThread,
            appliedTags: body.applied_tags?.map(String),
          });
          try {
            thread.starterMessageId = createMessage(core, {
              id,
              channelId: thread.id,
              authorId: bot,
              body: body.message,
              files,
            }).id;
          } catch (error) {
            w.channels.delete(thread.id);
            throw error;
          }
          announceThread('THREAD_CREATE', thread);
          core.waiters.notify();
          return { status: 201, body: { ...apiChannel(w, thread), message: renderMessage(id) } };
        }
        if (!(w.channelPermissions(parent.id, bot) & P.CreatePublicThreads)) throw missingPermissions();
        const thread = newThread(parent, {
          name: body?.name,
          type: Number(body?.type ?? ChannelKind.privateThread),
        });
        announceThread('THREAD_CREATE', thread);
        core.waiters.notify();
        return { status: 201, body: apiChannel(w, thread) };
      },
    },
    {
      method: 'POST',
      pattern: '/channels/:channelId/messages/:messageId/threads',
      handle: ({ params, body }) => {
        const parent = canView(params.channelId!);
        const message = w.message(parent.id, params.messageId!);
        if (!(w.channelPermissions(parent.id, bot) & P.CreatePublicThreads)) throw missingPermissions();
        if (message.threadId)
          throw new ApiError(400, 160004, 'A thread has already been created for this message');
        // A thread started from a message takes the message's id, as on Discord.
        const type =
          parent.type === ChannelKind.announcement
            ? ChannelKind.announcementThread
            : ChannelKind.publicThread;
        const thread = newThread(parent, { id: message.id, name: body?.name, type });
        thread.starterMessageId = message.id;
        message.threadId = thread.id;
        announceThread('THREAD_CREATE', thread);
        core.waiters.notify();
        return { status: 201, body: apiChannel(w, thread) };
      },
    },
    {
      method: 'POST',
      pattern: '/users/@me/channels',
      handle: ({ body }) => {
        const recipient = String(body?.recipient_id ?? '');
        if (!w.users.has(recipient)) throw unknownUser();
        return { body: apiChannel(w, w.dmChannel(recipient)) };
      },
    },
  ];
}
