// World records → Discord API JSON, complete enough for discord.js to build its structures.
import {
  type ChannelRec,
  isThread,
  type MemberRec,
  type RoleRec,
  type StoredMessage,
  type UserRec,
  type World,
} from './world.ts';

const iso = (ms: number) => new Date(ms).toISOString();

export function apiUser(user: UserRec): Record<string, unknown> {
  return {
    id: user.id,
    username: user.username,
    global_name: user.displayName ?? null,
    discriminator: '0',
    avatar: null,
    bot: user.bot || undefined,
    public_flags: 0,
    flags: 0,
    banner: null,
    accent_color: null,
    avatar_decoration_data: null,
  };
}

export function apiRole(role: RoleRec): Record<string, unknown> {
  return {
    id: role.id,
    name: role.name,
    color: 0,
    colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
    hoist: false,
    icon: null,
    unicode_emoji: null,
    position: role.position,
    permissions: role.permissions.toString(),
    managed: role.managed,
    mentionable: false,
    flags: 0,
  };
}

export function apiMember(world: World, member: MemberRec, withUser = true): Record<string, unknown> {
  return {
    user: withUser ? apiUser(world.user(member.userId)) : undefined,
    nick: null,
    avatar: null,
    banner: null,
    roles: member.roles,
    joined_at: iso(member.joinedAt),
    premium_since: null,
    deaf: false,
    mute: false,
    flags: 0,
    pending: false,
    communication_disabled_until: null,
  };
}

export function apiChannel(world: World, c: ChannelRec): Record<string, unknown> {
  if (c.recipientId) {
    return {
      id: c.id,
      type: c.type,
      last_message_id: c.lastMessageId ?? null,
      flags: 0,
      recipients: [apiUser(world.user(c.recipientId))],
    };
  }
  const base: Record<string, unknown> = {
    id: c.id,
    type: c.type,
    guild_id: c.guildId,
    name: c.name,
    parent_id: c.parentId ?? null,
    nsfw: false,
    flags: 0,
    rate_limit_per_user: 0,
    last_message_id: c.lastMessageId ?? null,
  };
  if (isThread(c)) {
    const count = world.channelHistory(c.id).length;
    return {
      ...base,
      owner_id: c.ownerId ?? world.botUserId,
      applied_tags: c.appliedTags ?? [],
      message_count: count,
      total_message_sent: count,
      member_count: 1,
      thread_metadata: {
        archived: c.archived ?? false,
        locked: c.locked ?? false,
        auto_archive_duration: 10080,
        archive_timestamp: iso(c.createdAt),
        create_timestamp: iso(c.createdAt),
      },
    };
  }
  const overwrites = c.denyBot
    ? [{ id: world.botUserId, type: 1, allow: '0', deny: denyBits(c).toString() }]
    : [];
  const channel = {
    ...base,
    position: c.position,
    permission_overwrites: overwrites,
    topic: c.topic ?? null,
  };
  if (c.type === 15) {
    return {
      ...channel,
      available_tags: (c.availableTags ?? []).map((t) => ({
        ...t,
        moderated: false,
        emoji_id: null,
        emoji_name: null,
      })),
      default_reaction_emoji: null,
      default_sort_order: null,
      default_forum_layout: 0,
      default_thread_rate_limit_per_user: 0,
    };
  }
  if (c.type === 2) return { ...channel, bitrate: 64000, user_limit: 0, rtc_region: null };
  return channel;
}

function denyBits(c: ChannelRec): bigint {
  // Kept next to the channel shape so discord.js's permissionsFor(me) agrees with the REST answers.
  return c.denyBot === 'view' ? 1n << 10n : (1n << 11n) | (1n << 38n);
}

export function apiGuild(world: World, guildId: string): Record<string, unknown> {
  const g = world.guild(guildId);
  return {
    id: g.id,
    name: g.name,
    icon: null,
    splash: null,
    discovery_splash: null,
    banner: null,
    description: null,
    owner_id: g.ownerId,
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    roles: g.roles.map(apiRole),
    emojis: [],
    stickers: [],
    features: [],
    mfa_level: 0,
    application_id: null,
    system_channel_id: null,
    system_channel_flags: 0,
    rules_channel_id: null,
    public_updates_channel_id: null,
    safety_alerts_channel_id: null,
    vanity_url_code: null,
    premium_tier: 0,
    premium_subscription_count: 0,
    preferred_locale: 'en-US',
    nsfw_level: 0,
    premium_progress_bar_enabled: false,
    max_members: 500000,
  };
}

/** The GUILD_CREATE payload: the guild plus everything the client caches from it. */
export function apiGuildCreate(world: World, guildId: string): Record<string, unknown> {
  const g = world.guild(guildId);
  const channels = world.guildChannels(guildId);
  return {
    ...apiGuild(world, guildId),
    joined_at: iso(g.joinedAt),
    large: false,
    unavailable: false,
    member_count: g.members.size,
    members: [...g.members.values()].map((m) => apiMember(world, m)),
    channels: channels.filter((c) => !isThread(c)).map((c) => apiChannel(world, c)),
    threads: channels.filter((c) => isThread(c) && !c.archived).map((c) => apiChannel(world, c)),
    voice_states: [],
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
  };
}

export function apiAttachmentUrl(
  baseUrl: string,
  channelId: string,
  attachmentId: string,
  filename: string,
): string {
  return `${baseUrl}/attachments/${channelId}/${attachmentId}/${encodeURIComponent(filename)}`;
}

export function apiMessage(
  world: World,
  baseUrl: string,
  m: StoredMessage,
  opts: { withContent?: boolean } = {},
): Record<string, unknown> {
  const withContent = opts.withContent ?? true;
  const author = world.user(m.authorId);
  const channel = world.channels.get(m.channelId);
  const thread = m.threadId ? world.channels.get(m.threadId) : undefined;
  return {
    id: m.id,
    type: m.type,
    channel_id: m.channelId,
    guild_id: m.guildId,
    author: apiUser(author),
    content: withContent ? m.content : '',
    embeds: withContent ? m.embeds : [],
    components: withContent ? m.components : [],
    attachments: withContent
      ? m.attachments.map((a) => ({
          id: a.id,
          filename: a.filename,
          size: a.size,
          url: apiAttachmentUrl(baseUrl, m.channelId, a.id, a.filename),
          proxy_url: apiAttachmentUrl(baseUrl, m.channelId, a.id, a.filename),
          content_type: a.contentType,
          description: a.description,
        }))
      : [],
    timestamp: iso(m.createdAt),
    edited_timestamp: m.editedAt ? iso(m.editedAt) : null,
    flags: m.flags,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    mention_channels: [],
    pinned: false,
    reactions: [],
    sticker_items: [],
    webhook_id: m.webhookId,
    application_id: m.webhookId,
    message_reference: m.replyTo
      ? { type: 0, message_id: m.replyTo, channel_id: m.channelId, guild_id: m.guildId }
      : undefined,
    thread: thread ? apiChannel(world, thread) : undefined,
    position: channel && isThread(channel) ? world.channelHistory(channel.id).indexOf(m) : undefined,
  };
}
