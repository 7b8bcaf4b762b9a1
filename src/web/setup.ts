// Wires the web board: the board app over the ideas, tracking and digest services, with the
// ports only the Discord side can fill. The caller mounts the returned app on the HTTP server.
import type { Hono } from 'hono';
import { sql } from 'kysely';
import type { HubDatabase } from '../db/connect.ts';
import type { HubCore } from '../hub.ts';
import { discussionLink } from '../ideas/render.ts';
import type { Ideas } from '../ideas/setup.ts';
import type { Tracking } from '../tracking/setup.ts';
import { type BoardDeps, createBoardApp } from './app.tsx';
import { DigestArchive } from './archive.ts';
import { BoardReader } from './board.ts';
import { webBoards } from './boards.ts';
import type { BoardPorts } from './names.ts';

export interface WebFeature {
  app: Hono;
  /** True when WEB_BASE_URL is set (each server still opts in with /hub config web:public). */
  enabled: boolean;
}

/**
 * "Has anything changed since this page was built". SQLite: total_changes() counts this connection's
 * writes (the bot's), data_version those of any other process on the file (a search writes nothing:
 * it stems in a private in-memory database). PostgreSQL: the server's WAL position, which moves with
 * every write of any process (and of other databases on the server, which only costs a rebuild).
 */
export function trackChanges(database: Pick<HubDatabase, 'sqlite' | 'kdb'>): {
  dataVersion: () => Promise<string>;
} {
  const db = database.sqlite;
  if (!db)
    return {
      dataVersion: async () =>
        (await sql<{ lsn: string }>`SELECT pg_current_wal_insert_lsn()::text AS lsn`.execute(database.kdb))
          .rows[0]!.lsn,
    };
  const writes = db.prepare('SELECT total_changes()').pluck();
  return {
    dataVersion: async () => `${writes.get() as number}:${db.pragma('data_version', { simple: true })}`,
  };
}

export function setupWeb(
  core: HubCore,
  features: { ideas: Pick<Ideas, 'lifecycle' | 'store'>; tracking: Pick<Tracking, 'store'> },
  ports: BoardPorts,
  options: Pick<BoardDeps, 'searchLimit'> = {},
): WebFeature {
  const reader = new BoardReader({
    ideas: features.ideas,
    tracking: features.tracking.store,
    archive: new DigestArchive(core.kdb),
    clock: core.clock,
  });
  const { dataVersion } = trackChanges(core.database);
  const app = createBoardApp({
    dataVersion,
    baseUrl: core.config.webBaseUrl,
    boards: webBoards(core),
    reader,
    ports,
    discussionLink,
    clock: core.clock,
    log: core.log.child({ feature: 'web' }),
    ...options,
  });
  core.status.add(async (guildId) => {
    if (!core.config.webBaseUrl) return [{ name: 'Web board', value: 'off (WEB_BASE_URL not set)' }];
    if (!guildId) return [{ name: 'Web board', value: core.config.webBaseUrl }];
    return [
      {
        name: 'Web board',
        value: (await webBoards(core).isPublic(guildId))
          ? `${core.config.webBaseUrl}/g/${guildId}`
          : 'off for this server (/hub config web:public)',
      },
    ];
  });
  return { app: app as unknown as Hono, enabled: Boolean(core.config.webBaseUrl) };
}
