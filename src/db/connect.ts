// The bot's database at start: the SQLite file of DATABASE_PATH (backed up before migrations), or the
// PostgreSQL database of DATABASE_URL, migrated either way, behind one Kysely. What cannot be used is a
// DatabaseError with one sentence for the operator; the URL (it holds a password) is never repeated.
import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { VERSION } from '../version.ts';
import { backupDatabase, preMigrationBackupPath } from './backup.ts';
import { postgresKysely, selectEngine, sqliteKysely } from './engine.ts';
import { ProcessLiveness } from './liveness.ts';
import { MigrationError, migrate, pendingMigrations, schemaVersion } from './migrate.ts';
import { migratePostgres, postgresSchemaVersion } from './migrate-postgres.ts';
import { DatabaseError, type Db, openDatabase } from './open.ts';
import type { DB } from './schema.ts';

export interface HubDatabase {
  engine: 'sqlite' | 'postgres';
  kdb: Kysely<DB>;
  /** The better-sqlite3 connection under `kdb` on SQLite (backups, the web's change counter); null on PostgreSQL. */
  sqlite: Db | null;
  schemaVersion(): Promise<number>;
  /** This process's number on the work it owns (src/db/liveness.ts); null on SQLite, where it is alone. */
  processId: number | null;
  /** Whether the process numbered so still runs (PostgreSQL); on SQLite every other process is gone. */
  isAlive(processId: number): Promise<boolean>;
  /** Null when healthy, else why not (for /readyz). */
  problem(): Promise<string | null>;
  close(): Promise<void>;
}

export async function openHubDatabase(
  config: Readonly<Config>,
  clock: Clock,
  log: Logger,
): Promise<HubDatabase> {
  const engine = selectEngine(config);
  if (engine.kind === 'sqlite') {
    const db = openDatabase(engine.path);
    try {
      await migrateWithBackup(db, config, clock, log);
    } catch (error) {
      db.close();
      throw error;
    }
    const kdb = sqliteKysely(db);
    return {
      engine: 'sqlite',
      kdb,
      sqlite: db,
      schemaVersion: async () => schemaVersion(db),
      processId: null,
      isAlive: async () => false,
      problem: async () => (db.open ? null : 'closed'),
      close: async () => {
        if (db.open) db.close();
      },
    };
  }

  let version: number | undefined;
  const kdb = postgresKysely(engine.url, {
    // Which process a connection belongs to, in pg_stat_activity.
    applicationName: `open-model-hub ${VERSION} ${hostname()}:${process.pid}`.slice(0, 63),
    onIdleError: (error) =>
      log.warn(
        `A PostgreSQL connection was closed by the server (${error.message}); the pool opens a new one`,
      ),
  });
  try {
    const migration = await migratePostgres(kdb, undefined, () => clock.now());
    if (migration.applied.length > 0)
      log.info({ applied: migration.applied }, `Database migrated to version ${migration.version}`);
  } catch (error) {
    await kdb.destroy();
    throw describePostgresFailure(error);
  }
  const liveness = await ProcessLiveness.start(engine.url, kdb, log).catch(async (error: unknown) => {
    await kdb.destroy();
    throw describePostgresFailure(error);
  });
  return {
    engine: 'postgres',
    kdb,
    sqlite: null,
    // Migrations run only at start (here, or by npm run migrate, which a running bot does not see
    // until it restarts anyway): read once.
    schemaVersion: async () => (version ??= await postgresSchemaVersion(kdb)),
    processId: liveness.id,
    isAlive: (id) => liveness.isAlive(id),
    problem: async () => {
      try {
        await sql`SELECT 1`.execute(kdb);
        return null;
      } catch (error) {
        return `PostgreSQL: ${(error as Error).message}`.slice(0, 200);
      }
    },
    close: async () => {
      await liveness.close();
      await kdb.destroy();
    },
  };
}

/** pg's errors in the words an operator needs, never with the URL. */
export function describePostgresFailure(error: unknown): Error {
  if (error instanceof DatabaseError) return error;
  const e = error as Error & { code?: string };
  if (error instanceof MigrationError) return error;
  switch (e.code) {
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'ETIMEDOUT':
      return new DatabaseError(
        `PostgreSQL at DATABASE_URL cannot be reached (${e.code}): check the host and port, and that the server is running.`,
      );
    case '28P01':
    case '28000':
      return new DatabaseError(
        'PostgreSQL refused the user or password of DATABASE_URL: check them (percent-encode special characters in the password).',
      );
    case '3D000':
      return new DatabaseError(
        'The database named in DATABASE_URL does not exist: create it (createdb, or your host’s console) and start again.',
      );
    case '42501':
      return new DatabaseError(
        'The role of DATABASE_URL may not create tables in its database: give the bot a role that owns the database (ALTER DATABASE … OWNER TO …).',
      );
    default:
      if (/timeout/i.test(e.message))
        return new DatabaseError(
          'PostgreSQL at DATABASE_URL did not answer in time: check the host and port, and that the server is running.',
        );
      return new DatabaseError(
        `PostgreSQL could not be used: ${e.message.replaceAll(/postgres(ql)?:\/\/\S+/g, '…')}`,
      );
  }
}

/**
 * Applies pending migrations, first copying the database when it already holds data, so a
 * migration that goes wrong can be undone by restoring the copy (its path is logged).
 */
async function migrateWithBackup(db: Db, config: Readonly<Config>, clock: Clock, log: Logger): Promise<void> {
  const { from, pending } = pendingMigrations(db);
  if (pending.length > 0 && from > 0 && config.databasePath !== ':memory:') {
    const path = preMigrationBackupPath(config.databasePath, from, clock.now(), config.backupDir);
    const copy = await backupDatabase(db, path);
    log.info(
      { path: copy.path, bytes: copy.bytes, pending },
      `Backed up the database to ${copy.path} before applying ${pending.length} migration(s)`,
    );
  }
  const migration = migrate(db, undefined, () => clock.now());
  if (migration.applied.length > 0)
    log.info({ applied: migration.applied }, `Database migrated to version ${migration.version}`);
}

/**
 * Unique per process start (a restarted process is a new lease holder): host, pid, and the process's
 * liveness number when it has one, so others can tell when it is gone.
 */
export function processHolderId(livenessId: number | null): string {
  return `${hostname()}:${process.pid}:${livenessId ? `L${livenessId}` : Math.random().toString(36).slice(2, 10)}`;
}

/** The liveness number in a holder id of processHolderId, if any. */
export function livenessIdOf(holder: string): number | undefined {
  const last = holder.slice(holder.lastIndexOf(':') + 1);
  return /^L[1-9]\d{0,9}$/.test(last) ? Number(last.slice(1)) : undefined;
}

/** LeaseGate's `holderGone`: a holder id of processHolderId whose process no longer holds its liveness lock. */
export function holderGoneBy(isAlive: (processId: number) => Promise<boolean>) {
  return async (holder: string): Promise<boolean> => {
    const id = livenessIdOf(holder);
    return id !== undefined && !(await isAlive(id));
  };
}
