// What every command handler and feature receives: the services of one running bot.
import type { Kysely } from 'kysely';
import type { Clock } from './clock.ts';
import type { Config } from './config.ts';
import type { HubDatabase } from './db/connect.ts';
import type { GuildSettingsStore } from './db/guild-settings.ts';
import type { DB } from './db/schema.ts';
import type { DigestFeature } from './digest/setup.ts';
import type { Command } from './discord/command.ts';
import type { Poster } from './discord/post.ts';
import type { HttpServer } from './http/server.ts';
import type { Ideas } from './ideas/setup.ts';
import type { Logger } from './log.ts';
import type { Metrics } from './metrics.ts';
import type { ModelsFeature } from './models/setup.ts';
import type { Scheduler } from './scheduler.ts';
import type { StatusRegistry } from './status.ts';
import type { Tracking } from './tracking/setup.ts';

/** The part of the hub that exists before any feature is set up. */
export interface HubCore {
  config: Readonly<Config>;
  /** The database as opened at start: its engine, its health, its schema version. */
  database: HubDatabase;
  /** The typed query builder over the configured engine: what every store should use. */
  kdb: Kysely<DB>;
  engine: 'sqlite' | 'postgres';
  clock: Clock;
  log: Logger;
  settings: GuildSettingsStore;
  poster: Poster;
  scheduler: Scheduler;
  http: HttpServer;
  status: StatusRegistry;
  metrics: Metrics;
  commands: readonly Command[];
  version: string;
  startedAt: Date;
  gateway: {
    ping(): number | null;
    ready(): boolean;
    /** False when Discord refused the Message Content intent: threads continue on mentions and replies. */
    messageContent(): boolean;
  };
}

/** HubCore plus each feature's services (each feature's setup adds its own field here). */
export interface Hub extends HubCore {
  digest: DigestFeature;
  models: ModelsFeature;
  ideas: Ideas;
  tracking: Tracking;
}
