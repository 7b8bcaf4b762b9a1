// Moves a hub from its SQLite file to an empty PostgreSQL database (`npm run db:copy`): every
// table in one transaction, ids kept, identity sequences moved past them, row counts checked.
import { type Kysely, sql } from 'kysely';
import { migrate } from './migrate.ts';
import { migratePostgres } from './migrate-postgres.ts';
import type { Db } from './open.ts';
import { COLUMNS, type DB } from './schema.ts';

/** Something stops the copy; no data was copied. The message says what to do. */
export class CopyError extends Error {
  override name = 'CopyError';
}

/**
 * Parents before children, so every foreign key finds its row. schema_migrations is not copied:
 * migratePostgres has written PostgreSQL's own history (same versions, its own files' checksums).
 */
const TABLE_ORDER = [
  'guild_settings',
  'watches',
  'source_state',
  'events',
  'deliveries',
  'model_runs',
  'model_threads',
  'model_thread_turns',
  'ideas',
  'idea_votes',
  'idea_events',
  'idea_followers',
  'idea_notification_optouts',
  'idea_drafts',
  'idea_filings',
  'digests',
  'discord_users',
  'idea_notices',
  'watch_confirmations',
  'web_boards',
  'web_digests',
  'job_leases',
] as const satisfies ReadonlyArray<keyof DB>;

type CopiedTable = (typeof TABLE_ORDER)[number];
// A table added to schema.ts but not to TABLE_ORDER fails to compile here, so none is left behind.
type Forgotten = Exclude<Exclude<keyof DB, 'schema_migrations'>, CopiedTable>;
const everyTableCopied: [Forgotten] extends [never] ? true : { forgotten: Forgotten } = true;
void everyTableCopied;

/** Tables whose `id` is an identity on PostgreSQL. */
const IDENTITY_TABLES = TABLE_ORDER.filter((t) => (COLUMNS[t] as readonly string[]).includes('id'));

/** PostgreSQL takes at most 65535 parameters in one statement. */
const MAX_PARAMETERS = 60_000;

export interface CopyReport {
  tables: Array<{ table: string; rows: number }>;
  schemaVersion: number;
}

/**
 * Copies every table of `sqlite` into `pg`, which must hold no data. Both are migrated first (the
 * SQLite file as `npm start` would), so the two schemas are the same version.
 */
export async function copySqliteToPostgres(sqlite: Db, pg: Kysely<DB>): Promise<CopyReport> {
  migrate(sqlite);
  await migratePostgres(pg);
  const sqliteHistory = sqlite
    .prepare('SELECT version, name FROM schema_migrations ORDER BY version')
    .all() as Array<{
    version: number;
    name: string;
  }>;
  const pgHistory = await pg
    .selectFrom('schema_migrations')
    .select(['version', 'name'])
    .orderBy('version')
    .execute();
  const label = (m: { version: number; name: string }) => `${String(m.version).padStart(4, '0')}_${m.name}`;
  const missing = sqliteHistory.filter((m) => !pgHistory.some((p) => p.version === m.version));
  if (missing.length > 0)
    throw new CopyError(
      `The SQLite database has migrations that have no PostgreSQL version yet (${missing.map(label).join(', ')}), so its data cannot be copied. Use a version of the bot that has migrations/postgres/ files for them.`,
    );

  for (const table of TABLE_ORDER) {
    const { count } = await pg
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .executeTakeFirstOrThrow();
    if (Number(count) > 0)
      throw new CopyError(
        `The PostgreSQL database is not empty (${table} has ${count} rows). db:copy only fills an empty database, so nothing is overwritten: give it a new database, or drop and re-create this one.`,
      );
  }

  // One read transaction: a consistent snapshot even if the bot still writes (WAL), though it
  // should be stopped, or what it writes after the snapshot stays behind in the SQLite file.
  sqlite.exec('BEGIN');
  try {
    const tables: CopyReport['tables'] = [];
    await pg.transaction().execute(async (trx) => {
      for (const table of TABLE_ORDER) {
        const columns = COLUMNS[table] as readonly string[];
        const order = columns.includes('id') ? 'id' : columns.slice(0, 2).join(', ');
        const rows = sqlite
          .prepare(`SELECT ${columns.join(', ')} FROM ${table} ORDER BY ${order}`)
          .all() as Array<Record<string, unknown>>;
        // An idea can be the duplicate of a later one: the links go in once every idea is there.
        const duplicates = table === 'ideas' ? rows.filter((r) => r.duplicate_of !== null) : [];
        const values = table === 'ideas' ? rows.map((r) => ({ ...r, duplicate_of: null })) : rows;
        const batch = Math.max(1, Math.floor(MAX_PARAMETERS / columns.length));
        for (let i = 0; i < values.length; i += batch)
          await trx
            .insertInto(table)
            .values(values.slice(i, i + batch) as never)
            .execute();
        for (const d of duplicates)
          await trx
            .updateTable('ideas')
            .set({ duplicate_of: d.duplicate_of as number })
            .where('id', '=', d.id as number)
            .execute();
        const { count } = await trx
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('count'))
          .executeTakeFirstOrThrow();
        if (Number(count) !== rows.length)
          throw new CopyError(
            `Copying ${table} went wrong: ${rows.length} rows in SQLite but ${count} in PostgreSQL. Nothing was kept; report this as a bug.`,
          );
        tables.push({ table, rows: rows.length });
      }
      // New rows must get ids after the copied ones; SQLite's AUTOINCREMENT counter (sqlite_sequence)
      // can be past MAX(id) when the newest rows were deleted, and those ids must not come back.
      const sequences = new Map(
        (
          (sqlite.prepare("SELECT name FROM sqlite_master WHERE name = 'sqlite_sequence'").get()
            ? sqlite.prepare('SELECT name, seq FROM sqlite_sequence').all()
            : []) as Array<{ name: string; seq: number }>
        ).map((s) => [s.name, s.seq]),
      );
      for (const table of IDENTITY_TABLES) {
        const { max } = sqlite.prepare(`SELECT COALESCE(MAX(id), 0) AS max FROM ${table}`).get() as {
          max: number;
        };
        const last = Math.max(max, sequences.get(table) ?? 0);
        if (last > 0) await sql`SELECT setval(pg_get_serial_sequence(${table}, 'id'), ${last})`.execute(trx);
      }
    });
    return { tables, schemaVersion: pgHistory.at(-1)?.version ?? 0 };
  } finally {
    sqlite.exec('COMMIT');
  }
}

/** The URL with its password hidden, for messages: after the user, or as libpq's ?password= parameter. */
export function withoutPassword(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '****';
  if (u.searchParams.has('password')) u.searchParams.set('password', '****');
  return u.toString();
}
