// The state of the emulated Discord: users, servers, roles, members, channels, threads and messages.
import {
  ApiError,
  unknownChannel,
  unknownGuild,
  unknownMember,
  unknownMessage,
  unknownUser,
} from './errors.ts';
import {
  BOT_ROLE_DEFAULT,
  type Denial,
  DM_PERMISSIONS,
  denialBits,
  EVERYONE_DEFAULT,
  inChannel,
  resolveBase,
} from './permissions.ts';
import type { Snowflakes } from './snowflake.ts';
import type { Message } from './types.ts';

export const ChannelKind = {
  text: 0,
  dm: 1,
  voice: 2,
  announcement: 5,
  announcementThread: 10,
  publicThread: 11,
  privateThread: 12,
  forum: 15,
} as const;

export interface UserRec {
  id: string;
  username: string;
  displayName?: string;
  bot: boolean;
  blocksDms: boolean;
}

export interface RoleRec {
  id: string;
  guildId: string;
  name: string;
  permissions: bigint;
  position: number;
  managed: boolean;
}

export interface MemberRec {
  userId: string;
  roles: string[];
  permissions: bigint;
  joinedAt: number;
}

export interface GuildRec {
  id: string;
  name: string;
  ownerId: string;
  roles: RoleRec[];
  members: Map<string, MemberRec>;
  joinedAt: number;
}

export interface TagRec {
  id: string;
  name: string;
}

export interface ChannelRec {
  id: string;
  type: number;
  guildId?: string;
  name: string;
  parentId?: string;
  position: number;
  topic?: string;
  availableTags?: TagRec[];
  appliedTags?: string[];
  ownerId?: string;
  starterMessageId?: string;
  archived?: boolean;
  locked?: boolean;
  recipientId?: string;
  denyBot?: Denial;
  deleted: boolean;
  lastMessageId?: string;
  createdAt: number;
}

/** A message as stored: the public shape plus what the API needs to render it. */
export interface StoredMessage extends Message {
  type: number;
  webhookId?: string;
  interactionId?: string;
  /** performance.now() of every edit. */
  edits: number[];
  deleted: boolean;
}

export const MessageFlags = { ephemeral: 64, loading: 128 } as const;

export function isThread(channel: ChannelRec): boolean {
  return channel.type === 10 || channel.type === 11 || channel.type === 12;
}

export class World {
  readonly users = new Map<string, UserRec>();
  readonly guilds = new Map<string, GuildRec>();
  readonly channels = new Map<string, ChannelRec>();
  readonly messages = new Map<string, StoredMessage>();
  readonly channelMessages = new Map<string, string[]>();

  constructor(
    private readonly ids: Snowflakes,
    readonly botUserId: string,
    botName: string,
  ) {
    this.users.set(botUserId, { id: botUserId, username: botName, bot: true, blocksDms: false });
  }

  user(id: string): UserRec {
    const user = this.users.get(id);
    if (!user) throw unknownUser();
    return user;
  }

  guild(id: string): GuildRec {
    const guild = this.guilds.get(id);
    if (!guild) throw unknownGuild();
    return guild;
  }

  member(guildId: string, userId: string): MemberRec {
    const member = this.guild(guildId).members.get(userId);
    if (!member) throw unknownMember();
    return member;
  }

  /** A live channel (deleted channels answer 10003 like unknown ones). */
  channel(id: string): ChannelRec {
    const channel = this.channels.get(id);
    if (!channel || channel.deleted) throw unknownChannel();
    return channel;
  }

  message(channelId: string, messageId: string): StoredMessage {
    const message = this.messages.get(messageId);
    if (!message || message.deleted || message.channelId !== channelId) throw unknownMessage();
    return message;
  }

  role(guildId: string, roleId: string): RoleRec {
    const role = this.guild(guildId).roles.find((r) => r.id === roleId);
    if (!role) throw new ApiError(404, 10011, 'Unknown Role');
    return role;
  }

  addUser(o: { id?: string; username: string; displayName?: string; bot?: boolean }): UserRec {
    const user: UserRec = {
      id: o.id ?? this.ids.next(),
      username: o.username,
      displayName: o.displayName,
      bot: o.bot ?? false,
      blocksDms: false,
    };
    this.users.set(user.id, user);
    return user;
  }

  addGuild(o: { id?: string; name?: string; ownerId?: string }): GuildRec {
    const id = o.id ?? this.ids.next();
    let ownerId = o.ownerId;
    if (!ownerId) ownerId = this.addUser({ username: `owner-${id.slice(-4)}` }).id;
    else if (!this.users.has(ownerId)) this.addUser({ id: ownerId, username: `owner-${ownerId.slice(-4)}` });
    const guild: GuildRec = {
      id,
      name: o.name ?? `Server ${this.guilds.size + 1}`,
      ownerId,
      roles: [
        { id, guildId: id, name: '@everyone', permissions: EVERYONE_DEFAULT, position: 0, managed: false },
      ],
      members: new Map(),
      joinedAt: Date.now(),
    };
    this.guilds.set(id, guild);
    const botRole = this.addRole(id, {
      name: this.user(this.botUserId).username,
      permissions: BOT_ROLE_DEFAULT,
    });
    botRole.managed = true;
    guild.members.set(ownerId, { userId: ownerId, roles: [], permissions: 0n, joinedAt: Date.now() });
    guild.members.set(this.botUserId, {
      userId: this.botUserId,
      roles: [botRole.id],
      permissions: 0n,
      joinedAt: Date.now(),
    });
    return guild;
  }

  addRole(guildId: string, o: { name: string; permissions?: bigint }): RoleRec {
    const guild = this.guild(guildId);
    const role: RoleRec = {
      id: this.ids.next(),
      guildId,
      name: o.name,
      permissions: o.permissions ?? 0n,
      position: guild.roles.length,
      managed: false,
    };
    guild.roles.push(role);
    return role;
  }

  addMember(
    guildId: string,
    o: {
      username: string;
      roles?: string[];
      permissions?: bigint;
      bot?: boolean;
      id?: string;
      displayName?: string;
    },
  ): MemberRec {
    const guild = this.guild(guildId);
    for (const roleId of o.roles ?? []) this.role(guildId, roleId);
    const existing = o.id ? this.users.get(o.id) : undefined;
    const user = existing ?? this.addUser(o);
    const member: MemberRec = {
      userId: user.id,
      roles: (o.roles ?? []).filter((r) => r !== guildId),
      permissions: o.permissions ?? 0n,
      joinedAt: Date.now(),
    };
    guild.members.set(user.id, member);
    return member;
  }

  addChannel(
    guildId: string,
    o: Omit<ChannelRec, 'id' | 'deleted' | 'createdAt' | 'position'> & { id?: string },
  ): ChannelRec {
    this.guild(guildId);
    const channel: ChannelRec = {
      ...o,
      id: o.id ?? this.ids.next(),
      guildId,
      position: [...this.channels.values()].filter((c) => c.guildId === guildId && !isThread(c)).length,
      deleted: false,
      createdAt: Date.now(),
    };
    this.channels.set(channel.id, channel);
    return channel;
  }

  dmChannel(userId: string): ChannelRec {
    this.user(userId);
    for (const c of this.channels.values())
      if (c.type === ChannelKind.dm && c.recipientId === userId) return c;
    const channel: ChannelRec = {
      id: this.ids.next(),
      type: ChannelKind.dm,
      name: '',
      recipientId: userId,
      position: 0,
      deleted: false,
      createdAt: Date.now(),
    };
    this.channels.set(channel.id, channel);
    return channel;
  }

  guildChannels(guildId: string): ChannelRec[] {
    return [...this.channels.values()].filter((c) => c.guildId === guildId && !c.deleted);
  }

  /** The member's permissions in the server, before channel denials. */
  basePermissions(guildId: string, userId: string): bigint {
    const guild = this.guild(guildId);
    const member = this.member(guildId, userId);
    const everyone = guild.roles[0]!.permissions;
    return resolveBase({
      isOwner: guild.ownerId === userId,
      everyone,
      roles: member.roles.map((r) => guild.roles.find((x) => x.id === r)?.permissions ?? 0n),
      explicit: member.permissions,
    });
  }

  /** Permissions in a channel; a thread inherits its parent's denials. */
  channelPermissions(channelId: string, userId: string): bigint {
    const channel = this.channel(channelId);
    if (!channel.guildId) return DM_PERMISSIONS;
    const parent = channel.parentId ? this.channels.get(channel.parentId) : undefined;
    const denial = userId === this.botUserId ? (channel.denyBot ?? parent?.denyBot) : undefined;
    return inChannel(this.basePermissions(channel.guildId, userId), denialBits(denial));
  }

  /** Current messages of a channel, oldest first. */
  channelHistory(channelId: string): StoredMessage[] {
    const ids = this.channelMessages.get(channelId) ?? [];
    const out: StoredMessage[] = [];
    for (const id of ids) {
      const m = this.messages.get(id);
      if (m && !m.deleted) out.push(m);
    }
    return out;
  }

  storeMessage(message: StoredMessage): void {
    this.messages.set(message.id, message);
    const list = this.channelMessages.get(message.channelId) ?? [];
    list.push(message.id);
    this.channelMessages.set(message.channelId, list);
    const channel = this.channels.get(message.channelId);
    if (channel) channel.lastMessageId = message.id;
  }
}
