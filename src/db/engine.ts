// Which database the bot runs on, and one typed query builder (Kysely) over either engine:
// SQLite by default (the file of DATABASE_PATH), PostgreSQL when DATABASE_URL is set. Kysely because it
// has both dialects, types every query from src/db/schema.ts (no hand-cast rows) and stays plain SQL.
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Db } from './open.ts';
import type { DB } from './schema.ts';

export type DatabaseEngine = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

/** DATABASE_URL wins over DATABASE_PATH: with it, no SQLite file is opened or created. */
export function selectEngine(config: {
  databasePath: string;
  databaseUrl?: string | undefined;
}): DatabaseEngine {
  return config.databaseUrl
    ? { kind: 'postgres', url: config.databaseUrl }
    : { kind: 'sqlite', path: config.databasePath };
}

/** What is wrong with a DATABASE_URL, in words; undefined when it is usable. Never repeats the URL (it holds a password). */
export function checkPostgresUrl(value: string): string | undefined {
  if (!URL.canParse(value)) return 'is not a valid URL (postgres://user:password@host:5432/database)';
  const url = new URL(value);
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')
    return 'must start with postgres:// or postgresql:// (SQLite is chosen with DATABASE_PATH instead)';
  // libpq's and pg's way to a Unix socket: postgresql:///database?host=/var/run/postgresql
  if (!url.hostname && !url.searchParams.get('host'))
    return 'names no host (postgres://user:password@host:5432/database, or ?host=/var/run/postgresql for a Unix socket)';
  if (url.pathname.replace(/^\//, '') === '')
    return 'names no database: add it after the host, as in …@host:5432/open_model_hub';
  return undefined;
}

/** Where a DATABASE_URL points, for messages: its database and its host (or socket folder), never its password. */
export function describePostgresUrl(value: string): string {
  const url = new URL(value);
  return `PostgreSQL database ${decodeURIComponent(url.pathname.slice(1))} on ${url.host || url.searchParams.get('host')}`;
}

/**
 * Kysely over the bot's existing better-sqlite3 connection (src/db/open.ts): the same WAL file and
 * pragmas as the stores. Destroying this Kysely leaves the connection open; its owner closes it.
 * Statements are prepared once per SQL text (Kysely's dialect would prepare on every query, which costs
 * more than running most of ours); the cache is bounded because only a few hundred texts exist.
 */
export function sqliteKysely(db: Db): Kysely<DB> {
  const statements = new Map<string, ReturnType<Db['prepare']>>();
  const shared = {
    prepare: (sql: string) => {
      let statement = statements.get(sql);
      if (!statement) {
        if (statements.size >= 1_000) statements.clear();
        statement = db.prepare(sql);
        statements.set(sql, statement);
      }
      return statement;
    },
    close: () => {},
  };
  return new Kysely<DB>({ dialect: new SqliteDialect({ database: shared }) });
}

export interface PostgresOptions {
  /** Shown in pg_stat_activity, so an operator can tell the bot's connections (and which process) apart. */
  applicationName?: string;
  /** A query running longer is cancelled by the server: no lock is held forever by a stuck query. */
  statementTimeoutMs?: number;
  /** A transaction left open this long (a bug, or a process frozen mid-job) is ended by the server. */
  idleInTransactionTimeoutMs?: number;
  connectTimeoutMs?: number;
  maxConnections?: number;
  /** An idle connection ended by the server (restart, failover); the pool replaces it. */
  onIdleError?: (error: Error) => void;
}

// bigint (int8) comes from pg as a string by default, because it can exceed 2^53. Our bigints are
// row ids, counters and _ms instants, all far below it, and SQLite hands them over as numbers:
// parsing them keeps one row shape for both engines. Set per pool, not on pg's global parsers.
const INT8_OID = 20;
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8_OID && format !== 'binary'
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'],
};

export function postgresPool(url: string, o: PostgresOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    application_name: o.applicationName ?? 'open-model-hub',
    statement_timeout: o.statementTimeoutMs ?? 30_000,
    idle_in_transaction_session_timeout: o.idleInTransactionTimeoutMs ?? 60_000,
    connectionTimeoutMillis: o.connectTimeoutMs ?? 10_000,
    max: o.maxConnections ?? 10,
    types,
  });
  // An idle connection the server ends (a restart, a failover, an administrator) is an 'error' event
  // on the pool, which would crash the process unhandled; the pool drops that client and the next
  // query opens a new one, so it is only worth a line.
  pool.on('error', (error) => o.onIdleError?.(error));
  return pool;
}

/** Kysely over a pg pool; destroying it ends the pool. */
export function postgresKysely(url: string, o: PostgresOptions = {}): Kysely<DB> {
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool: postgresPool(url, o) }) });
}

/** The query builder for the configured engine; SQLite needs the already opened connection. */
export function openKysely(
  engine: DatabaseEngine,
  sqlite: () => Db,
  o: PostgresOptions = {},
): { engine: DatabaseEngine['kind']; db: Kysely<DB> } {
  return engine.kind === 'postgres'
    ? { engine: 'postgres', db: postgresKysely(engine.url, o) }
    : { engine: 'sqlite', db: sqliteKysely(sqlite()) };
}
