// A local Discord (REST + gateway on 127.0.0.1) that the real discord.js Client logs into, with
// verbs to arrange a server, act as its members, and observe what the bot did.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Core, Intents } from './core.ts';
import { Gateway, shardOf } from './gateway.ts';
import { type CommandInput, commandData, componentData, envelope } from './interaction-payloads.ts';
import { InteractionState, snapshot } from './interaction-state.ts';
import { createMessage } from './messages.ts';
import type { Denial } from './permissions.ts';
import { RestServer } from './rest-server.ts';
import { appRoutes } from './routes-app.ts';
import { channelRoutes } from './routes-channels.ts';
import { interactionRoutes } from './routes-interactions.ts';
import { apiChannel, apiGuildCreate, apiMember, apiRole } from './serialize.ts';
import { Snowflakes } from './snowflake.ts';
import type { Fault, Interaction, Message, RestCall, ThreadInfo } from './types.ts';
import { ChannelKind, isThread, MessageFlags } from './world.ts';

const DEFAULT_TIMEOUT_MS = 5000;

const CHANNEL_TYPES = {
  text: ChannelKind.text,
  forum: ChannelKind.forum,
  announcement: ChannelKind.announcement,
  voice: ChannelKind.voice,
} as const;

const PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15);

export interface StartOptions {
  token?: string;
  applicationId?: string;
  /** How long the bot has to acknowledge an interaction (Discord: 3000). */
  ackDeadlineMs?: number;
  /**
   * Which privileged intents the application has switched on (default all: GuildMembers 1<<1,
   * GuildPresences 1<<8, MessageContent 1<<15). Identifying with another closes the gateway with 4014.
   */
  privilegedIntents?: number;
  /** The shard count GET /gateway/bot recommends (default 1); IDENTIFY with fewer closes with 4011. */
  shards?: number;
  /** Listen on this port instead of a free one (a test that starts the bot before Discord). */
  port?: number;
  /**
   * Discord's global rate limit of bot-authenticated requests (Discord: 50 a second). Off by
   * default; interaction callbacks and token webhooks are never counted, as Discord documents.
   */
  globalRateLimit?: { requests: number; perMs?: number };
}

interface Actor {
  guildId: string;
  channelId: string;
  userId: string;
}

export class DiscordEmulator {
  readonly apiUrl: string;
  readonly token: string;
  readonly applicationId: string;
  readonly botUserId: string;

  private constructor(
    private readonly core: Core,
    private readonly server: Server,
    private readonly rest: RestServer,
    private readonly gateway: Gateway,
  ) {
    this.apiUrl = `${core.baseUrl}/api`;
    this.token = core.options.token;
    this.applicationId = core.options.applicationId;
    this.botUserId = core.options.botUserId;
  }

  static async start(options: StartOptions = {}): Promise<DiscordEmulator> {
    // A real bot's application id is its user id; the token starts with that id in base64.
    const applicationId = options.applicationId ?? new Snowflakes().next();
    const token =
      options.token ??
      `${Buffer.from(applicationId).toString('base64url')}.${randomBytes(4).toString('base64url')}.${randomBytes(20).toString('base64url')}`;
    const core = new Core({
      token,
      applicationId,
      botUserId: applicationId,
      botName: 'Open Model Hub',
      ackDeadlineMs: options.ackDeadlineMs ?? 3000,
      privilegedIntents: options.privilegedIntents ?? PRIVILEGED_INTENTS,
      ...(options.globalRateLimit ? { globalRateLimit: options.globalRateLimit } : {}),
    });
    let rest!: RestServer;
    const server = createServer((req, res) => void rest.handle(req, res));
    rest = new RestServer(core, [...appRoutes(core), ...channelRoutes(core), ...interactionRoutes(core)]);
    core.recommendedShards = options.shards ?? 1;
    core.requiredShards = options.shards ?? 1;
    const gateway = new Gateway(core, server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    core.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return new DiscordEmulator(core, server, rest, gateway);
  }

  async stop(): Promise<void> {
    this.gateway.close();
    this.rest.releaseAll();
    for (const i of this.core.interactions.values()) i.stopClock();
    this.core.waiters.rejectAll('stopped');
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ── world ──────────────────────────────────────────────────────────────────────────────

  /** `shard: [id, count]` picks an id whose events go to that shard when the bot runs `count` shards. */
  addGuild(o: { name?: string; id?: string; ownerId?: string; shard?: [number, number] } = {}): string {
    let id = o.id;
    if (!id && o.shard) {
      // Ids of one millisecond share a shard; the clock moves on within a few tries per shard.
      do id = this.core.ids.next();
      while (shardOf(id, o.shard[1]) !== o.shard[0]);
    }
    const guild = this.core.world.addGuild({ ...o, id });
    this.core.dispatch('GUILD_CREATE', Intents.guilds, () => apiGuildCreate(this.core.world, guild.id));
    return guild.id;
  }

  addChannel(
    guildId: string,
    o: {
      name: string;
      type?: keyof typeof CHANNEL_TYPES;
      id?: string;
      availableTags?: Array<{ id?: string; name: string }>;
    },
  ): string {
    const type = CHANNEL_TYPES[o.type ?? 'text'];
    const channel = this.core.world.addChannel(guildId, {
      id: o.id,
      type,
      name: o.name,
      availableTags: o.availableTags?.map((t) => ({ id: t.id ?? this.core.ids.next(), name: t.name })),
    });
    this.core.dispatch('CHANNEL_CREATE', Intents.guilds, () => apiChannel(this.core.world, channel));
    return channel.id;
  }

  addRole(guildId: string, o: { name: string; permissions?: bigint }): string {
    const role = this.core.world.addRole(guildId, o);
    this.core.dispatch('GUILD_ROLE_CREATE', Intents.guilds, () => ({
      guild_id: guildId,
      role: apiRole(role),
    }));
    return role.id;
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
  ): string {
    const member = this.core.world.addMember(guildId, o);
    this.core.dispatch('GUILD_MEMBER_ADD', Intents.guildMembers, () => ({
      ...apiMember(this.core.world, member),
      guild_id: guildId,
    }));
    return member.userId;
  }

  /** Later REST calls to the channel answer 404 code 10003; the bot gets CHANNEL_DELETE (THREAD_DELETE for a thread). */
  deleteChannel(channelId: string): void {
    const channel = this.core.world.channel(channelId);
    const payload = apiChannel(this.core.world, channel);
    channel.deleted = true;
    this.core.dispatch(isThread(channel) ? 'THREAD_DELETE' : 'CHANNEL_DELETE', Intents.guilds, () => payload);
    this.core.waiters.notify();
  }

  /** The bot loses a permission in the channel: sending (403 code 50013) or seeing it at all (403 code 50001). */
  denyBot(channelId: string, what: Denial = 'send'): void {
    const channel = this.core.world.channel(channelId);
    channel.denyBot = what;
    this.core.dispatch('CHANNEL_UPDATE', Intents.guilds, () => apiChannel(this.core.world, channel));
  }

  /** DMs from the bot to this user answer 403 code 50007. */
  blockDms(userId: string): void {
    this.core.world.user(userId).blocksDms = true;
  }

  /** Declares the bot's commands (command.data.toJSON()), so command() can type options before the bot registers them. */
  setCommands(commands: unknown[]): void {
    this.core.commands.declared = [...commands];
  }

  /** What the bot PUT to the global commands route, or to the guild's route when guildId is given. */
  registeredCommands(guildId?: string): unknown[] {
    return guildId ? [...(this.core.commands.guild.get(guildId) ?? [])] : [...this.core.commands.global];
  }

  // ── gateway ────────────────────────────────────────────────────────────────────────────

  connected(): boolean {
    return this.gateway.connected();
  }

  waitForReady(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    return this.core.waiters
      .waitFor(
        () => (this.gateway.ready() ? true : undefined),
        timeoutMs,
        () =>
          'waiting for a bot to identify (did the client log in with emulator.token and rest.api = emulator.apiUrl?)',
      )
      .then(() => undefined);
  }

  intents(): number {
    return this.gateway.intents();
  }

  dropConnection(): void {
    this.gateway.drop();
  }

  /** [shard_id, num_shards] of each connected, ready session. */
  readyShards(): Array<[number, number]> {
    return this.gateway.readyShards();
  }

  /** The gateway refuses connections and drops the open ones, until goOnline(). REST keeps answering. */
  goOffline(): void {
    this.gateway.goOffline();
  }

  goOnline(): void {
    this.gateway.goOnline();
  }

  /**
   * The bot outgrew its shards: /gateway/bot now recommends `count`, IDENTIFY with fewer closes
   * with 4011, and every open session is closed with 4011.
   */
  requireShards(count: number): void {
    this.core.recommendedShards = count;
    this.core.requiredShards = count;
    this.gateway.requireSharding();
  }

  waitForShards(count: number, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    return this.core.waiters
      .waitFor(
        () => (this.gateway.readyShards().length >= count ? true : undefined),
        timeoutMs,
        () => `waiting for ${count} ready shards; ready: ${JSON.stringify(this.gateway.readyShards())}`,
      )
      .then(() => undefined);
  }

  /** A member posts in a channel; the bot sees MESSAGE_CREATE if it asked for GuildMessages. */
  async say(o: Actor & { content: string; replyTo?: string }): Promise<Message> {
    this.core.world.member(o.guildId, o.userId);
    const message = createMessage(this.core, {
      channelId: o.channelId,
      authorId: o.userId,
      body: {
        content: o.content,
        ...(o.replyTo ? { message_reference: { message_id: o.replyTo } } : {}),
      },
    });
    return snapshot(message);
  }

  // ── interactions ───────────────────────────────────────────────────────────────────────

  command(o: CommandInput): Interaction {
    const data = commandData(this.core, o);
    return this.dispatchInteraction(
      o,
      2,
      `/${[o.name, o.group, o.subcommand].filter(Boolean).join(' ')}`,
      data,
    );
  }

  autocomplete(o: CommandInput & { focused: string }): Interaction {
    const data = commandData(this.core, o, o.focused);
    return this.dispatchInteraction(o, 4, `/${o.name} (autocomplete ${o.focused})`, data);
  }

  /** A button click, or a select menu choice when values are given; the message must exist. */
  click(o: Actor & { customId: string; messageId: string; values?: string[] }): Interaction {
    const message = this.core.world.message(o.channelId, o.messageId);
    const component = findComponent(message.components, o.customId);
    // A component missing from the message is allowed (tests may click on a message they built
    // bare); one that is there must be usable, and of the kind the test says it is.
    if (component?.disabled) {
      throw new Error(`Discord emulator: component "${o.customId}" is disabled; a user cannot use it`);
    }
    const type = component ? Number(component.type) : o.values === undefined ? 2 : 3;
    if ((type === 2) !== (o.values === undefined)) {
      throw new Error(
        `Discord emulator: "${o.customId}" is a component of type ${type}; pass values only for select menus`,
      );
    }
    const data = componentData(this.core, o.guildId, o.userId, o.customId, type, o.values);
    return this.dispatchInteraction(o, 3, `component ${o.customId}`, data, o.messageId);
  }

  /** Submits a modal; when the bot opened one with this custom id, fields must match its inputs. */
  submitModal(
    o: Actor & { customId: string; fields: Record<string, string>; messageId?: string },
  ): Interaction {
    const opened = [...this.core.interactions.values()]
      .flatMap((i) => i.callbacks)
      .filter((c) => c.type === 9 && c.data?.custom_id === o.customId)
      .at(-1)?.data;
    // biome-ignore lint/suspicious/noExplicitAny: raw modal JSON
    const inputs: Array<{ id: string; labelled: boolean }> = (opened?.components ?? []).flatMap((top: any) =>
      top.type === 18
        ? [{ id: top.component?.custom_id, labelled: true }]
        : // biome-ignore lint/suspicious/noExplicitAny: raw modal JSON
          (top.components ?? []).map((c: any) => ({ id: c.custom_id, labelled: false })),
    );
    for (const id of Object.keys(o.fields)) {
      if (opened && !inputs.some((i) => i.id === id)) {
        throw new Error(
          `Discord emulator: modal "${o.customId}" has no input "${id}" (inputs: ${inputs.map((i) => i.id).join(', ')})`,
        );
      }
    }
    const components = Object.entries(o.fields).map(([id, value]) => {
      const input = { type: 4, custom_id: id, value };
      return inputs.find((i) => i.id === id)?.labelled
        ? { type: 18, component: input }
        : { type: 1, components: [input] };
    });
    const data = { custom_id: o.customId, components };
    return this.dispatchInteraction(o, 5, `modal ${o.customId}`, data, o.messageId);
  }

  private dispatchInteraction(
    actor: Actor,
    type: number,
    label: string,
    data: Record<string, unknown>,
    messageId?: string,
  ): Interaction {
    if (!this.gateway.hasSession()) {
      throw new Error(
        'Discord emulator: no bot session; log the client in (and await emulator.waitForReady()) first',
      );
    }
    const id = this.core.ids.next();
    const token = `aW50ZXJhY3Rpb246${id}:${randomBytes(48).toString('base64url')}`;
    const payload = envelope(this.core, { id, token, type, ...actor, data, messageId });
    const state = new InteractionState(this.core, {
      id,
      token,
      type,
      label,
      ...actor,
      sourceMessageId: messageId,
    });
    this.core.interactions.set(id, state);
    state.startClock();
    this.core.dispatch('INTERACTION_CREATE', 0, () => payload);
    return state;
  }

  /** Interaction webhooks now answer 401 code 50027, as 15 minutes after the interaction. */
  expireInteractionTokens(): void {
    for (const i of this.core.interactions.values()) i.tokenExpired = true;
  }

  // ── recording ──────────────────────────────────────────────────────────────────────────

  /** Every REST call the bot made, in the order they were answered. */
  get calls(): RestCall[] {
    return this.rest.calls;
  }

  /** The first call (already made or still to come) that matches. */
  waitForCall(pred: (c: RestCall) => boolean, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<RestCall> {
    return this.core.waiters.waitFor(
      () => this.rest.calls.find(pred),
      timeoutMs,
      () =>
        `waiting for a REST call; calls so far: ${this.rest.calls.map((c) => `${c.method} ${c.path} → ${c.status}`).join('; ') || 'none'}`,
    );
  }

  /** What members see in the channel, oldest first: edits applied; deleted, ephemeral and still-loading replies left out. */
  messagesIn(channelId: string): Message[] {
    return this.core.world
      .channelHistory(channelId)
      .filter((m) => !(m.flags & (MessageFlags.ephemeral | MessageFlags.loading)))
      .map(snapshot);
  }

  /** Any message by id (ephemeral ones included), in its current state. */
  message(messageId: string): Message | undefined {
    const m = this.core.world.messages.get(messageId);
    return m && !m.deleted ? snapshot(m) : undefined;
  }

  waitForMessage(
    channelId: string,
    pred: (m: Message) => boolean = () => true,
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): Promise<Message> {
    return this.core.waiters.waitFor(
      () => {
        // Snapshot lazily: this check re-runs on every change, and channels can hold many messages.
        for (const m of this.core.world.channelHistory(channelId)) {
          if (m.flags & (MessageFlags.ephemeral | MessageFlags.loading)) continue;
          const copy = snapshot(m);
          if (pred(copy)) return copy;
        }
        return undefined;
      },
      timeoutMs,
      () =>
        `waiting for a message in ${channelId}; it has: ${JSON.stringify(this.messagesIn(channelId).map((m) => m.content))}`,
    );
  }

  dmsTo(userId: string): Message[] {
    const channel = [...this.core.world.channels.values()].find(
      (c) => c.type === ChannelKind.dm && c.recipientId === userId,
    );
    return channel ? this.messagesIn(channel.id) : [];
  }

  threads(parentChannelId: string): ThreadInfo[] {
    return [...this.core.world.channels.values()]
      .filter((c) => c.parentId === parentChannelId && !c.deleted)
      .map((c) => ({
        id: c.id,
        name: c.name,
        messageId: c.starterMessageId,
        appliedTags: c.appliedTags ? [...c.appliedTags] : undefined,
      }));
  }

  /** performance.now() of every edit of the message. */
  editsOf(messageId: string): number[] {
    return [...(this.core.world.messages.get(messageId)?.edits ?? [])];
  }

  // ── faults ─────────────────────────────────────────────────────────────────────────────

  /** The next `times` requests matching method and path (without /api/v10) get this answer instead. */
  failNext(method: string, path: RegExp, fault: Fault, times = 1): void {
    this.rest.failNext(method, path, fault, times);
  }

  /** The next matching request waits until release(); `arrived` resolves when it is waiting. */
  hold(method: string, path: RegExp): { arrived: Promise<RestCall>; release(): void } {
    return this.rest.hold(method, path);
  }
}

// biome-ignore lint/suspicious/noExplicitAny: raw component JSON
function findComponent(components: any[], customId: string): any {
  for (const c of components ?? []) {
    if (c?.custom_id === customId) return c;
    const inner = findComponent([...(c?.components ?? []), ...(c?.accessory ? [c.accessory] : [])], customId);
    if (inner) return inner;
  }
  return undefined;
}
