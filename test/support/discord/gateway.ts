// The gateway: HELLO, IDENTIFY → READY + GUILD_CREATE per server, heartbeats, RESUME with replay
// of what the session missed, and dispatches filtered by the intents the bot identified with.
// Sharding as Discord does it: /gateway/bot recommends a count, IDENTIFY carries [shard_id,
// num_shards], and each guild's events reach only the shard (guild_id >> 22) % num_shards
// (DMs go to shard 0); too few shards for the bot's size closes the socket with 4011.
import type { Server } from 'node:http';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Core, PayloadFor } from './core.ts';
import { apiGuildCreate, apiUser } from './serialize.ts';

const HEARTBEAT_INTERVAL_MS = 41_250;

interface Session {
  id: string;
  intents: number;
  seq: number;
  /** Every dispatch of the session, so a RESUME can replay what the bot missed. */
  log: Array<{ s: number; frame: string }>;
  socket?: WebSocket;
  ready: boolean;
  shard: [id: number, count: number];
}

/** Which shard receives a guild's events (Discord: `(guild_id >> 22) % num_shards`). */
export function shardOf(guildId: string, count: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(count));
}

/** The guild an event belongs to, if any; events without one go to shard 0. */
// biome-ignore lint/suspicious/noExplicitAny: raw event payload
function guildOfEvent(event: string, data: any): string | undefined {
  if (event.startsWith('GUILD_') && !event.startsWith('GUILD_MEMBER') && !event.startsWith('GUILD_ROLE'))
    return data?.id ?? data?.guild_id;
  return data?.guild_id ?? undefined;
}

export class Gateway {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sessions = new Map<string, Session>();
  private readonly sockets = new Set<WebSocket>();
  private lastIntents = 0;
  /** While true, new gateway connections are refused (a Discord outage seen from the bot). */
  private offline = false;

  constructor(
    private readonly core: Core,
    server: Server,
  ) {
    server.on('upgrade', (req, socket, head) => {
      if (this.offline) {
        socket.destroy();
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
    });
    core.dispatch = (event, required, payload) => this.dispatch(event, required, payload);
  }

  connected(): boolean {
    return [...this.sessions.values()].some((s) => s.socket && s.socket.readyState === s.socket.OPEN);
  }

  ready(): boolean {
    return [...this.sessions.values()].some((s) => s.ready && s.socket);
  }

  /** Whether an event dispatched now would reach a bot (now or on its RESUME). */
  hasSession(): boolean {
    return this.sessions.size > 0;
  }

  intents(): number {
    return this.lastIntents;
  }

  /** [shard_id, num_shards] of every session that is connected and ready. */
  readyShards(): Array<[number, number]> {
    return [...this.sessions.values()]
      .filter((s) => s.ready && s.socket && s.socket.readyState === s.socket.OPEN)
      .map((s) => s.shard);
  }

  /** Refuses new connections and drops the current ones (the bot reconnects, and fails, until online()). */
  goOffline(): void {
    this.offline = true;
    for (const session of this.sessions.values()) session.socket?.close(4000, 'Dropped by the emulator');
  }

  goOnline(): void {
    this.offline = false;
  }

  /** Closes every session with 4011 (Sharding required), as Discord does when the bot outgrew its shards. */
  requireSharding(): void {
    for (const session of this.sessions.values()) session.socket?.close(4011, 'Sharding required.');
    this.sessions.clear();
  }

  /** Closes every bot socket with 4000 (unknown error), which discord.js answers with a RESUME. */
  drop(): void {
    for (const session of this.sessions.values()) session.socket?.close(4000, 'Dropped by the emulator');
  }

  close(): void {
    for (const socket of this.sockets) socket.terminate();
    this.wss.close();
  }

  private accept(ws: WebSocket): void {
    this.sockets.add(ws);
    let session: Session | undefined;
    ws.on('close', (code) => {
      this.sockets.delete(ws);
      if (session?.socket === ws) session.socket = undefined;
      // A client that closes normally (client.destroy()) ends its session, as on Discord.
      if (session && (code === 1000 || code === 1001)) this.sessions.delete(session.id);
      this.core.waiters.notify();
    });
    ws.on('message', (raw) => {
      let payload: { op: number; d: unknown };
      try {
        payload = JSON.parse(raw.toString());
      } catch {
        ws.close(4002, 'Error while decoding payload.');
        return;
      }
      session = this.onPayload(ws, payload, session);
    });
    ws.send(JSON.stringify({ op: 10, d: { heartbeat_interval: HEARTBEAT_INTERVAL_MS }, s: null, t: null }));
  }

  private onPayload(
    ws: WebSocket,
    payload: { op: number; d: unknown },
    session: Session | undefined,
  ): Session | undefined {
    // biome-ignore lint/suspicious/noExplicitAny: raw gateway payload
    const d = payload.d as any;
    switch (payload.op) {
      case 1:
        ws.send(JSON.stringify({ op: 11, d: null, s: null, t: null }));
        return session;
      case 2:
        return this.identify(ws, d);
      case 6:
        return this.resume(ws, d);
      case 8:
        if (session) this.sendMembers(session, d);
        return session;
      case 3:
      case 4:
        return session;
      default:
        ws.close(4001, 'Unknown opcode.');
        return session;
    }
  }

  private tokenOk(token: unknown): boolean {
    const t = String(token ?? '').replace(/^Bot /, '');
    return t === this.core.options.token;
  }

  // biome-ignore lint/suspicious/noExplicitAny: raw IDENTIFY payload
  private identify(ws: WebSocket, d: any): Session | undefined {
    if (!this.tokenOk(d?.token)) {
      ws.close(4004, 'Authentication failed.');
      return undefined;
    }
    const privileged = Number(d?.intents ?? 0) & ((1 << 1) | (1 << 8) | (1 << 15));
    if (privileged & ~this.core.options.privilegedIntents) {
      ws.close(4014, 'Disallowed intent(s).');
      return undefined;
    }
    const shard: [number, number] = Array.isArray(d?.shard)
      ? [Number(d.shard[0]), Number(d.shard[1])]
      : [0, 1];
    if (!(shard[1] >= 1 && shard[0] >= 0 && shard[0] < shard[1])) {
      ws.close(4010, 'Invalid shard.');
      return undefined;
    }
    if (shard[1] < this.core.requiredShards) {
      ws.close(4011, 'Sharding required.');
      return undefined;
    }
    const session: Session = {
      id: this.core.ids.next(),
      intents: Number(d?.intents ?? 0),
      seq: 0,
      log: [],
      socket: ws,
      ready: false,
      shard,
    };
    this.sessions.set(session.id, session);
    this.lastIntents = session.intents;
    const world = this.core.world;
    const guilds = [...world.guilds.keys()].filter((id) => shardOf(id, shard[1]) === shard[0]);
    this.send(session, 'READY', {
      v: 10,
      user: { ...apiUser(world.user(this.core.options.botUserId)), verified: true, mfa_enabled: false },
      guilds: guilds.map((id) => ({ id, unavailable: true })),
      session_id: session.id,
      resume_gateway_url: this.core.baseUrl.replace(/^http/, 'ws'),
      shard,
      application: { id: this.core.options.applicationId, flags: 0 },
      private_channels: [],
      presences: [],
      relationships: [],
      guild_join_requests: [],
      geo_ordered_rtc_regions: [],
      user_settings: {},
      session_type: 'normal',
      _trace: ['["discord-emulator"]'],
    });
    for (const id of guilds) this.send(session, 'GUILD_CREATE', apiGuildCreate(world, id));
    session.ready = true;
    this.core.waiters.notify();
    return session;
  }

  // biome-ignore lint/suspicious/noExplicitAny: raw RESUME payload
  private resume(ws: WebSocket, d: any): Session | undefined {
    const session = this.sessions.get(String(d?.session_id));
    if (!this.tokenOk(d?.token) || !session) {
      ws.send(JSON.stringify({ op: 9, d: false, s: null, t: null }));
      return undefined;
    }
    if (session.socket && session.socket !== ws) session.socket.terminate();
    session.socket = ws;
    const since = Number(d?.seq ?? 0);
    for (const entry of session.log) if (entry.s > since) ws.send(entry.frame);
    this.send(session, 'RESUMED', {});
    this.core.waiters.notify();
    return session;
  }

  // biome-ignore lint/suspicious/noExplicitAny: raw REQUEST_GUILD_MEMBERS payload
  private sendMembers(session: Session, d: any): void {
    const world = this.core.world;
    const guild = world.guilds.get(String(d?.guild_id));
    if (!guild) return;
    const wanted: string[] | undefined = d?.user_ids ? [].concat(d.user_ids) : undefined;
    const query = String(d?.query ?? '').toLowerCase();
    const members = [...guild.members.values()].filter((m) =>
      wanted ? wanted.includes(m.userId) : world.user(m.userId).username.toLowerCase().startsWith(query),
    );
    this.send(session, 'GUILD_MEMBERS_CHUNK', {
      guild_id: guild.id,
      members: members.map((m) => ({
        user: apiUser(world.user(m.userId)),
        roles: m.roles,
        joined_at: new Date(m.joinedAt).toISOString(),
        deaf: false,
        mute: false,
        flags: 0,
      })),
      chunk_index: 0,
      chunk_count: 1,
      not_found: wanted ? wanted.filter((id) => !guild.members.has(id)) : undefined,
      nonce: d?.nonce,
    });
  }

  private dispatch(event: string, required: number, payload: PayloadFor): void {
    for (const session of this.sessions.values()) {
      if (required !== 0 && (session.intents & required) === 0) continue;
      const data = payload(session.intents);
      const guildId = guildOfEvent(event, data);
      const [id, count] = session.shard;
      if ((guildId === undefined ? 0 : shardOf(guildId, count)) !== id) continue;
      this.send(session, event, data);
    }
  }

  private send(session: Session, event: string, data: unknown): void {
    session.seq += 1;
    const frame = JSON.stringify({ op: 0, t: event, s: session.seq, d: data });
    if (event !== 'RESUMED') session.log.push({ s: session.seq, frame });
    const socket = session.socket;
    if (socket && socket.readyState === socket.OPEN) socket.send(frame);
  }
}
