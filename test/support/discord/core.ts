// The emulator's shared state, handed to the REST routes, the gateway and the interaction model.

import type { InteractionState } from './interaction-state.ts';
import { Snowflakes } from './snowflake.ts';
import { Waiters } from './waiters.ts';
import { World } from './world.ts';

export interface CoreOptions {
  token: string;
  applicationId: string;
  botUserId: string;
  botName: string;
  ackDeadlineMs: number;
  /** Privileged intents the application may use (Developer Portal → Bot → Privileged Gateway Intents). */
  privilegedIntents: number;
  /** Bot-authenticated requests allowed per window (Discord's global limit); unlimited when absent. */
  globalRateLimit?: { requests: number; perMs?: number };
}

export interface StoredCommand {
  id: string;
  name: string;
  type: number;
  // biome-ignore lint/suspicious/noExplicitAny: command JSON as registered
  [key: string]: any;
}

export const Intents = {
  guilds: 1 << 0,
  guildMembers: 1 << 1,
  guildMessages: 1 << 9,
  directMessages: 1 << 12,
  messageContent: 1 << 15,
} as const;

/** Builds an event's payload for one session, given the intents that session identified with. */
export type PayloadFor = (intents: number) => unknown;

export class Core {
  readonly ids = new Snowflakes();
  readonly waiters = new Waiters();
  readonly world: World;
  readonly interactions = new Map<string, InteractionState>();
  /** `channel:author:nonce` → the message it created, for enforce_nonce. */
  readonly nonces = new Map<string, { messageId: string; at: number }>();
  readonly commands = {
    declared: [] as unknown[],
    global: [] as StoredCommand[],
    guild: new Map<string, StoredCommand[]>(),
  };
  /** The shard count GET /gateway/bot recommends. */
  recommendedShards = 1;
  /** IDENTIFY with fewer shards than this closes with 4011 (Sharding required). */
  requiredShards = 1;
  /** http://127.0.0.1:PORT, set once the server listens. */
  baseUrl = '';
  /** Replaced by the gateway: sends an event to every session whose intents cover `required`. */
  dispatch: (event: string, required: number, payload: PayloadFor) => void = () => {};

  constructor(readonly options: CoreOptions) {
    this.world = new World(this.ids, options.botUserId, options.botName);
  }

  interactionByToken(token: string): InteractionState | undefined {
    for (const i of this.interactions.values()) if (i.token === token) return i;
    return undefined;
  }
}
