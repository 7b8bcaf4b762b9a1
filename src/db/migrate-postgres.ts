// Applies migrations/postgres/ (the PostgreSQL twins of migrations/, same versions and names) with
// the same checksums and refusals as the SQLite runner, safe when several processes start at once.
import { join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import {
  checkAppliedMigrations,
  MIGRATIONS_DIR,
  MigrationError,
  type MigrationResult,
  readMigrations,
} from './migrate.ts';
import type { DB } from './schema.ts';

export const POSTGRES_MIGRATIONS_DIR = join(MIGRATIONS_DIR, 'postgres');

/**
 * The advisory lock every bot process takes before migrating: the second of two processes started
 * together waits, then finds everything applied. Advisory locks are per database, so two hubs on
 * one server do not wait for each other. The number is arbitrary but fixed forever.
 */
const MIGRATION_LOCK = 4_172_093_611;

/**
 * Applies every migration not yet recorded, in order, each in its own transaction (PostgreSQL
 * runs DDL transactionally, so a failed file leaves nothing behind), under the migration lock.
 */
export async function migratePostgres(
  db: Kysely<DB>,
  dir = POSTGRES_MIGRATIONS_DIR,
  now: () => Date = () => new Date(),
): Promise<MigrationResult> {
  const migrations = readMigrations(dir);
  // A session lock on one connection, held across the transactions below and released even when
  // one fails; a connection that dies releases it by itself.
  return db.connection().execute(async (conn) => {
    await sql`SELECT pg_advisory_lock(${MIGRATION_LOCK})`.execute(conn);
    try {
      await sql`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        checksum text NOT NULL,
        applied_at text NOT NULL
      )`.execute(conn);
      const applied = await conn
        .selectFrom('schema_migrations')
        .select(['version', 'name', 'checksum'])
        .orderBy('version')
        .execute();
      checkAppliedMigrations(migrations, applied, 'migrations/postgres/');
      const done = new Set(applied.map((r) => r.version));
      const result: MigrationResult = { applied: [], version: applied.at(-1)?.version ?? 0 };
      for (const m of migrations) {
        if (done.has(m.version)) continue;
        try {
          await conn.transaction().execute(async (trx) => {
            // No parameters: pg sends it as one simple query, so a file may hold many statements.
            await sql.raw(m.sql).execute(trx);
            await trx
              .insertInto('schema_migrations')
              .values({
                version: m.version,
                name: m.name,
                checksum: m.checksum,
                applied_at: now().toISOString(),
              })
              .execute();
          });
        } catch (error) {
          throw new MigrationError(
            `Migration postgres/${m.file} failed and was rolled back: ${(error as Error).message}`,
          );
        }
        result.applied.push(m.file);
        result.version = m.version;
      }
      return result;
    } finally {
      await sql`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`.execute(conn);
    }
  });
}

export async function postgresSchemaVersion(db: Kysely<DB>): Promise<number> {
  const row = await db
    .selectFrom('schema_migrations')
    .select((eb) => eb.fn.max('version').as('v'))
    .executeTakeFirst();
  return row?.v ?? 0;
}
