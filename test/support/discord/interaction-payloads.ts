// INTERACTION_CREATE payloads as Discord builds them: the member's permissions, typed command
// options from the registered command, and resolved users, roles and channels.
import type { Core, StoredCommand } from './core.ts';
import { apiAttachmentUrl, apiChannel, apiMember, apiMessage, apiRole, apiUser } from './serialize.ts';
import type { Attachment } from './types.ts';

type Json = Record<string, unknown>;
type OptionValue = string | number | boolean;
// biome-ignore lint/suspicious/noExplicitAny: command JSON as the bot registered it
type OptionDef = any;

export const OptionType = {
  subcommand: 1,
  group: 2,
  string: 3,
  integer: 4,
  boolean: 5,
  user: 6,
  channel: 7,
  role: 8,
  mentionable: 9,
  number: 10,
  attachment: 11,
} as const;

export interface CommandInput {
  guildId: string;
  channelId: string;
  userId: string;
  name: string;
  subcommand?: string;
  group?: string;
  options?: Record<string, OptionValue>;
  /** Attachment options (type 11): uploaded as Discord does before the command is sent. */
  attachments?: Record<string, { filename: string; data: Buffer; contentType?: string }>;
}

/** Files uploaded for attachment options, by id, served under /attachments/ like message files. */
const optionUploads = new WeakMap<Core, Map<string, Attachment>>();
export function optionAttachment(core: Core, id: string): Attachment | undefined {
  return optionUploads.get(core)?.get(id);
}

/** The command the bot told Discord about: guild registration first, then global, then setCommands. */
function findCommand(
  core: Core,
  guildId: string,
  name: string,
): { def?: OptionDef; id: string; known: boolean } {
  const lists: OptionDef[][] = [
    core.commands.guild.get(guildId) ?? [],
    core.commands.global,
    core.commands.declared,
  ];
  const known = lists.some((l) => l.length > 0);
  for (const list of lists) {
    const def = list.find((c) => c?.name === name && (c.type ?? 1) === 1);
    if (def) return { def, id: (def as StoredCommand).id ?? stableId(core, name), known };
  }
  if (known)
    throw new Error(
      `Discord emulator: no command /${name} was registered (known: ${lists
        .flat()
        .map((c) => c?.name)
        .join(', ')})`,
    );
  return { id: stableId(core, name), known };
}

const undeclaredIds = new WeakMap<Core, Map<string, string>>();
function stableId(core: Core, name: string): string {
  const ids = undeclaredIds.get(core) ?? new Map<string, string>();
  undeclaredIds.set(core, ids);
  if (!ids.has(name)) ids.set(name, core.ids.next());
  return ids.get(name)!;
}

function inferType(value: OptionValue): number {
  if (typeof value === 'boolean') return OptionType.boolean;
  if (typeof value === 'number') return Number.isInteger(value) ? OptionType.integer : OptionType.number;
  return OptionType.string;
}

class Resolver {
  readonly resolved: {
    users?: Json;
    members?: Json;
    roles?: Json;
    channels?: Json;
    attachments?: Json;
  } = {};
  constructor(
    private readonly core: Core,
    private readonly guildId: string,
  ) {}

  user(id: string): boolean {
    const world = this.core.world;
    const user = world.users.get(id);
    if (!user) return false;
    this.resolved.users = { ...this.resolved.users, [id]: apiUser(user) };
    const member = world.guild(this.guildId).members.get(id);
    if (member) {
      this.resolved.members = {
        ...this.resolved.members,
        [id]: {
          ...apiMember(world, member, false),
          permissions: world.basePermissions(this.guildId, id).toString(),
        },
      };
    }
    return true;
  }

  role(id: string): boolean {
    const role = this.core.world.guild(this.guildId).roles.find((r) => r.id === id);
    if (!role) return false;
    this.resolved.roles = { ...this.resolved.roles, [id]: apiRole(role) };
    return true;
  }

  channel(id: string, userId: string): boolean {
    const channel = this.core.world.channels.get(id);
    if (!channel || channel.deleted || channel.guildId !== this.guildId) return false;
    const permissions = this.core.world.channelPermissions(id, userId).toString();
    this.resolved.channels = {
      ...this.resolved.channels,
      [id]: { ...apiChannel(this.core.world, channel), permissions },
    };
    return true;
  }

  /** Stores the upload and resolves it as Discord's attachment object; returns its id. */
  attachment(file: { filename: string; data: Buffer; contentType?: string }, channelId: string): string {
    const id = this.core.ids.next();
    const stored: Attachment = {
      id,
      filename: file.filename,
      size: file.data.length,
      data: file.data,
      ...(file.contentType ? { contentType: file.contentType } : {}),
    };
    const uploads = optionUploads.get(this.core) ?? new Map<string, Attachment>();
    optionUploads.set(this.core, uploads);
    uploads.set(id, stored);
    const url = apiAttachmentUrl(this.core.baseUrl, channelId, id, file.filename);
    this.resolved.attachments = {
      ...this.resolved.attachments,
      [id]: {
        id,
        filename: file.filename,
        size: file.data.length,
        url,
        proxy_url: url,
        ...(file.contentType ? { content_type: file.contentType } : {}),
      },
    };
    return id;
  }

  get any(): Json | undefined {
    return Object.keys(this.resolved).length > 0 ? this.resolved : undefined;
  }
}

function leafOptions(
  input: CommandInput,
  defs: OptionDef[] | undefined,
  known: boolean,
  resolver: Resolver,
  focused?: string,
): Json[] {
  const values: Record<string, OptionValue> = { ...input.options };
  for (const [name, file] of Object.entries(input.attachments ?? {}))
    values[name] = resolver.attachment(file, input.channelId);
  if (focused !== undefined && !(focused in values)) values[focused] = '';
  if (known && focused === undefined) {
    for (const def of defs ?? []) {
      if (def.required && !(def.name in values)) {
        throw new Error(`Discord emulator: /${input.name} needs the required option "${def.name}"`);
      }
    }
  }
  return Object.entries(values).map(([name, value]) => {
    const def = defs?.find((d) => d.name === name);
    if (known && !def) throw new Error(`Discord emulator: /${input.name} has no option "${name}"`);
    const type: number = def?.type ?? inferType(value);
    const option: Json = { name, type, value };
    if (name === focused) return { ...option, focused: true };
    const id = String(value);
    const resolvedOk =
      type === OptionType.user
        ? resolver.user(id)
        : type === OptionType.role
          ? resolver.role(id)
          : type === OptionType.channel
            ? resolver.channel(id, input.userId)
            : type === OptionType.mentionable
              ? resolver.user(id) || resolver.role(id)
              : true;
    if (!resolvedOk)
      throw new Error(
        `Discord emulator: option "${name}" names ${id}, which is not in server ${input.guildId}`,
      );
    if (type === OptionType.integer && (typeof value !== 'number' || !Number.isInteger(value))) {
      throw new Error(
        `Discord emulator: option "${name}" is an integer option; got ${JSON.stringify(value)}`,
      );
    }
    return option;
  });
}

/** `data` of an application command (or autocomplete) interaction. */
export function commandData(core: Core, input: CommandInput, focused?: string): Json {
  const { def, id, known } = findCommand(core, input.guildId, input.name);
  const resolver = new Resolver(core, input.guildId);
  let defs: OptionDef[] | undefined = def?.options;
  const wrap: Array<{ name: string; type: number }> = [];
  for (const [name, type] of [
    [input.group, OptionType.group],
    [input.subcommand, OptionType.subcommand],
  ] as const) {
    if (!name) continue;
    const next = defs?.find((d: OptionDef) => d.name === name && d.type === type);
    if (known && !next)
      throw new Error(
        `Discord emulator: /${input.name} has no ${type === 2 ? 'group' : 'subcommand'} "${name}"`,
      );
    defs = next?.options;
    wrap.push({ name, type });
  }
  let options = leafOptions(input, defs, known, resolver, focused);
  for (const level of wrap.reverse()) options = [{ ...level, options }];
  return {
    id,
    name: input.name,
    type: 1,
    guild_id: core.commands.guild.get(input.guildId)?.some((c) => c.name === input.name)
      ? input.guildId
      : undefined,
    options,
    resolved: resolver.any,
  };
}

/** `data` of a component interaction; select menus carry their values and resolved entities. */
export function componentData(
  core: Core,
  guildId: string,
  userId: string,
  customId: string,
  componentType: number,
  values?: string[],
): Json {
  const data: Json = { custom_id: customId, component_type: componentType };
  if (values) {
    data.values = values;
    const resolver = new Resolver(core, guildId);
    for (const v of values) {
      if (componentType === 5) resolver.user(v);
      if (componentType === 6) resolver.role(v);
      if (componentType === 7) resolver.user(v) || resolver.role(v);
      if (componentType === 8) resolver.channel(v, userId);
    }
    if (resolver.any) data.resolved = resolver.any;
  }
  return data;
}

/** The common envelope of every interaction, as the given member in the given channel. */
export function envelope(
  core: Core,
  o: {
    id: string;
    token: string;
    type: number;
    guildId: string;
    channelId: string;
    userId: string;
    data: Json;
    messageId?: string;
  },
): Json {
  const world = core.world;
  const channel = world.channel(o.channelId);
  const member = world.member(o.guildId, o.userId);
  const memberPerms = world.channelPermissions(o.channelId, o.userId).toString();
  const message = o.messageId ? world.message(o.channelId, o.messageId) : undefined;
  return {
    id: o.id,
    application_id: core.options.applicationId,
    type: o.type,
    data: o.data,
    guild_id: o.guildId,
    guild: { id: o.guildId, locale: 'en-US', features: [] },
    channel_id: o.channelId,
    channel: { ...apiChannel(world, channel), permissions: memberPerms },
    member: { ...apiMember(world, member), permissions: memberPerms },
    token: o.token,
    version: 1,
    app_permissions: world.channelPermissions(o.channelId, core.options.botUserId).toString(),
    locale: 'en-US',
    guild_locale: 'en-US',
    entitlements: [],
    authorizing_integration_owners: { '0': o.guildId },
    context: 0,
    attachment_size_limit: 10 * 1024 * 1024,
    message: message ? apiMessage(world, core.baseUrl, message) : undefined,
  };
}
