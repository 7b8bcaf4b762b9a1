// Creating, editing and deleting messages with Discord's validation, and telling the gateway.
import type { UploadedFile } from './body.ts';
import { type Core, Intents } from './core.ts';
import { emptyMessage, invalidFormBody } from './errors.ts';
import { isEmptyMessage, messageErrors } from './limits.ts';
import { apiMessage } from './serialize.ts';
import type { Attachment } from './types.ts';
import { MessageFlags, type StoredMessage } from './world.ts';

// biome-ignore lint/suspicious/noExplicitAny: raw API JSON from the bot
type Body = any;

/** Flags a sender may set; the rest are Discord's to decide. */
const SETTABLE_FLAGS = 4 | MessageFlags.ephemeral | 4096 | (1 << 15);

function uploads(core: Core, body: Body, files: UploadedFile[]): Attachment[] {
  const described = Array.isArray(body?.attachments) ? body.attachments : undefined;
  return files.map((file) => {
    // biome-ignore lint/suspicious/noExplicitAny: raw API JSON
    const meta = described?.find((a: any) => String(a?.id) === String(file.index));
    return {
      id: core.ids.next(),
      filename: meta?.filename ?? file.name,
      size: file.data.length,
      data: file.data,
      contentType: file.contentType,
      description: meta?.description,
    };
  });
}

export function visibleTo(core: Core, m: StoredMessage, intents: number): boolean {
  if (intents & Intents.messageContent) return true;
  // Without the privileged intent Discord still shows a bot its own messages, DMs, mentions of
  // it, and replies to its messages (a reply mentions the author it replies to).
  const bot = core.options.botUserId;
  return (
    m.authorId === bot ||
    !m.guildId ||
    m.content.includes(`<@${bot}>`) ||
    m.content.includes(`<@!${bot}>`) ||
    (m.replyTo !== undefined && core.world.messages.get(m.replyTo)?.authorId === bot)
  );
}

function announce(core: Core, event: 'MESSAGE_CREATE' | 'MESSAGE_UPDATE', m: StoredMessage): void {
  if (m.flags & MessageFlags.ephemeral) return;
  const required = m.guildId ? Intents.guildMessages : Intents.directMessages;
  core.dispatch(event, required, (intents) => {
    const api = apiMessage(core.world, core.baseUrl, m, { withContent: visibleTo(core, m, intents) });
    return m.guildId && m.authorId !== core.options.botUserId
      ? { ...api, member: memberPart(core, m.guildId, m.authorId) }
      : api;
  });
}

function memberPart(core: Core, guildId: string, userId: string): unknown {
  const member = core.world.guild(guildId).members.get(userId);
  return member
    ? {
        roles: member.roles,
        joined_at: new Date(member.joinedAt).toISOString(),
        deaf: false,
        mute: false,
        flags: 0,
      }
    : undefined;
}

export interface NewMessage {
  /** Discord gives a forum post's first message the thread's id. */
  id?: string;
  channelId: string;
  authorId: string;
  body: Body;
  files?: UploadedFile[];
  type?: number;
  webhookId?: string;
  interactionId?: string;
  /** Extra flags Discord itself sets (e.g. loading for a deferred reply). */
  systemFlags?: number;
  /** Skip the empty-message rule (a deferred reply starts empty). */
  allowEmpty?: boolean;
}

export function createMessage(core: Core, n: NewMessage): StoredMessage {
  const body = n.body ?? {};
  const files = n.files ?? [];
  const errors = messageErrors(body);
  if (errors) throw invalidFormBody(errors);
  if (!n.allowEmpty && isEmptyMessage(body, files.length)) throw emptyMessage();
  const channel = core.world.channel(n.channelId);
  const message: StoredMessage = {
    id: n.id ?? core.ids.next(),
    channelId: channel.id,
    guildId: channel.guildId,
    authorId: n.authorId,
    content: typeof body.content === 'string' ? body.content : '',
    embeds: Array.isArray(body.embeds) ? body.embeds : [],
    components: Array.isArray(body.components) ? body.components : [],
    attachments: uploads(core, body, files),
    flags: ((body.flags ?? 0) & SETTABLE_FLAGS) | (n.systemFlags ?? 0),
    allowedMentions: body.allowed_mentions,
    createdAt: Date.now(),
    replyTo: body.message_reference?.message_id,
    type: n.type ?? (body.message_reference ? 19 : 0),
    webhookId: n.webhookId,
    interactionId: n.interactionId,
    edits: [],
    deleted: false,
  };
  core.world.storeMessage(message);
  announce(core, 'MESSAGE_CREATE', message);
  core.waiters.notify();
  return message;
}

/** Applies a PATCH: only the fields present change; `attachments` lists what is kept. */
export function editMessage(
  core: Core,
  m: StoredMessage,
  body: Body,
  files: UploadedFile[] = [],
): StoredMessage {
  body ??= {};
  const next = {
    content: 'content' in body ? (body.content ?? '') : m.content,
    embeds: 'embeds' in body ? (body.embeds ?? []) : m.embeds,
    components: 'components' in body ? (body.components ?? []) : m.components,
    flags:
      'flags' in body && body.flags !== null
        ? // Ephemerality is fixed when a message is created; an edit cannot change it.
          (m.flags & ~SETTABLE_FLAGS) |
          (body.flags & SETTABLE_FLAGS & ~MessageFlags.ephemeral) |
          (m.flags & MessageFlags.ephemeral)
        : m.flags,
  };
  const errors = messageErrors(next);
  if (errors) throw invalidFormBody(errors);
  let attachments = m.attachments;
  if (Array.isArray(body.attachments)) {
    // biome-ignore lint/suspicious/noExplicitAny: raw API JSON
    const kept = new Set(body.attachments.map((a: any) => String(a?.id)));
    attachments = attachments.filter((a) => kept.has(a.id));
  }
  attachments = [...attachments, ...uploads(core, body, files)];
  if (isEmptyMessage(next, attachments.length)) throw emptyMessage();
  Object.assign(m, next, { attachments });
  if ('allowed_mentions' in body) m.allowedMentions = body.allowed_mentions;
  m.flags &= ~MessageFlags.loading;
  m.editedAt = Date.now();
  m.edits.push(performance.now());
  announce(core, 'MESSAGE_UPDATE', m);
  core.waiters.notify();
  return m;
}

export function deleteMessage(core: Core, m: StoredMessage): void {
  m.deleted = true;
  if (!(m.flags & MessageFlags.ephemeral)) {
    const required = m.guildId ? Intents.guildMessages : Intents.directMessages;
    core.dispatch('MESSAGE_DELETE', required, () => ({
      id: m.id,
      channel_id: m.channelId,
      guild_id: m.guildId,
    }));
  }
  core.waiters.notify();
}
