// The PostgreSQL migrations and their runner, on a real server, as the bot's non-superuser role.
import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Kysely, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { postgresKysely } from '../src/db/engine.ts';
import { MIGRATIONS_DIR, MigrationError } from '../src/db/migrate.ts';
import {
  migratePostgres,
  POSTGRES_MIGRATIONS_DIR,
  postgresSchemaVersion,
} from '../src/db/migrate-postgres.ts';
import { COLUMNS, type DB, POSTGRES_ONLY_COLUMNS } from '../src/db/schema.ts';
import { createTestDatabase, type TestDatabase } from './support/postgres.ts';

const sqlFiles = (dir: string) =>
  readdirSync(dir)
    .filter((f) => /^\d{4}_.*\.sql$/.test(f))
    .sort();

describe('PostgreSQL migrations', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function freshDatabase(): Promise<TestDatabase> {
    const database = await createTestDatabase();
    cleanup.push(() => database.drop());
    return database;
  }
  function connect(database: TestDatabase, applicationName?: string): Kysely<DB> {
    const db = postgresKysely(database.url, applicationName ? { applicationName } : {});
    cleanup.push(() => db.destroy());
    return db;
  }
  function copyOfMigrations(): string {
    const dir = mkdtempSync(join(tmpdir(), 'omh-pg-migrations-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    for (const f of sqlFiles(POSTGRES_MIGRATIONS_DIR))
      copyFileSync(join(POSTGRES_MIGRATIONS_DIR, f), join(dir, f));
    return dir;
  }

  it('has a PostgreSQL twin, same version and name, for every SQLite migration', () => {
    const missing = sqlFiles(MIGRATIONS_DIR).filter((f) => !sqlFiles(POSTGRES_MIGRATIONS_DIR).includes(f));
    const extra = sqlFiles(POSTGRES_MIGRATIONS_DIR).filter((f) => !sqlFiles(MIGRATIONS_DIR).includes(f));
    expect({ missingInPostgres: missing, onlyInPostgres: extra }).toEqual({
      missingInPostgres: [],
      onlyInPostgres: [],
    });
  });

  it('builds the whole schema on an empty database owned by a non-superuser, with a checksum per file', async () => {
    const db = connect(await freshDatabase());
    const result = await migratePostgres(db);
    expect(result.applied).toEqual(sqlFiles(POSTGRES_MIGRATIONS_DIR));
    expect(await postgresSchemaVersion(db)).toBe(result.version);
    const rows = await db.selectFrom('schema_migrations').select('checksum').execute();
    for (const row of rows) expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);

    const columns = await sql<{ table_name: string; column_name: string }>`
      SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()`.execute(
      db,
    );
    const real = new Map<string, string[]>();
    for (const c of columns.rows) real.set(c.table_name, [...(real.get(c.table_name) ?? []), c.column_name]);
    expect([...real.keys()].sort()).toEqual(Object.keys(COLUMNS).sort());
    for (const [table, names] of Object.entries(COLUMNS)) {
      const expected = [
        ...names,
        ...((POSTGRES_ONLY_COLUMNS as Record<string, readonly string[]>)[table] ?? []),
      ];
      expect({ table, columns: real.get(table)?.sort() }).toEqual({ table, columns: expected.sort() });
    }
  });

  it('is a no-op when run again', async () => {
    const db = connect(await freshDatabase());
    const first = await migratePostgres(db);
    const again = await migratePostgres(db);
    expect(again).toEqual({ applied: [], version: first.version });
  });

  it('refuses a database whose applied migration was edited, naming the file and the fix', async () => {
    const dir = copyOfMigrations();
    const db = connect(await freshDatabase());
    await migratePostgres(db, dir);
    appendFileSync(join(dir, '0002_tracking.sql'), '\n-- an innocent edit\n');
    const error = await migratePostgres(db, dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toBe(
      'Migration 0002_tracking.sql was edited after it was applied to this database. Migrations are forward-only: undo the edit to 0002_tracking.sql and put the change in a new migration file.',
    );
  });

  it('refuses a database migrated by a newer version of the bot', async () => {
    const dir = copyOfMigrations();
    const db = connect(await freshDatabase());
    writeFileSync(join(dir, '9000_future.sql'), 'CREATE TABLE future (id bigint PRIMARY KEY);');
    await migratePostgres(db, dir);
    await expect(migratePostgres(db)).rejects.toThrow(
      /9000_future\.sql applied, but .* newer version of the bot/,
    );
  });

  it('rolls a failing migration back entirely and records nothing of it', async () => {
    const dir = copyOfMigrations();
    const db = connect(await freshDatabase());
    const before = await migratePostgres(db, dir);
    writeFileSync(
      join(dir, '9001_broken.sql'),
      'CREATE TABLE half_done (id bigint);\nSELECT no_such_function();',
    );
    await expect(migratePostgres(db, dir)).rejects.toThrow(
      /postgres\/9001_broken\.sql failed and was rolled back/,
    );
    const leftover = await sql`SELECT to_regclass('half_done') AS t`.execute(db);
    expect(leftover.rows[0]).toEqual({ t: null });
    expect(await postgresSchemaVersion(db)).toBe(before.version);
  });

  it('lets exactly one of two processes starting at once apply the migrations', async () => {
    const database = await freshDatabase();
    const a = connect(database, 'omh-test-a');
    const b = connect(database, 'omh-test-b');
    const [ra, rb] = await Promise.all([migratePostgres(a), migratePostgres(b)]);
    const all = sqlFiles(POSTGRES_MIGRATIONS_DIR);
    expect([ra.applied, rb.applied].sort((x, y) => x.length - y.length)).toEqual([[], all]);
    expect(ra.version).toBe(rb.version);
  });

  it('runs from `npm run migrate` when DATABASE_URL is set, naming the database but never its password', async () => {
    const database = await freshDatabase();
    const root = resolve(import.meta.dirname, '..');
    const cwd = mkdtempSync(join(tmpdir(), 'omh-migrate-cli-'));
    cleanup.push(() => rmSync(cwd, { recursive: true, force: true }));
    const runMigrate = () =>
      spawnSync(join(root, 'node_modules', '.bin', 'tsx'), [join(root, 'src', 'migrate.ts')], {
        cwd,
        env: { PATH: process.env.PATH ?? '', DATABASE_URL: database.url },
        encoding: 'utf8',
        timeout: 60_000,
      });
    const first = runMigrate();
    expect(first.stderr).toBe('');
    expect(first.stdout).toMatch(
      new RegExp(
        `^Applied 0001_init\\.sql, .* to PostgreSQL database ${database.name} on 127\\.0\\.0\\.1:\\d+; schema version \\d+\\.\\n$`,
      ),
    );
    const password = new URL(database.url).password;
    expect(first.stdout).not.toContain(password);
    expect(runMigrate().stdout).toMatch(/is up to date at schema version \d+\.\n$/);
    expect(readdirSync(cwd)).toEqual([]);
  }, 60_000);

  it("reaches the server through its Unix socket with libpq's URL form (postgresql:///db?host=/folder)", async () => {
    const database = await freshDatabase();
    const root = resolve(import.meta.dirname, '..');
    const cwd = mkdtempSync(join(tmpdir(), 'omh-migrate-socket-'));
    cleanup.push(() => rmSync(cwd, { recursive: true, force: true }));
    const result = spawnSync(join(root, 'node_modules', '.bin', 'tsx'), [join(root, 'src', 'migrate.ts')], {
      cwd,
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: database.socketUrl },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.stderr).toBe('');
    const socketDir = new URL(database.socketUrl).searchParams.get('host')!;
    expect(result.stdout).toMatch(
      new RegExp(
        `^Applied 0001_init\\.sql, .* to PostgreSQL database ${database.name} on ${socketDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}; schema version \\d+\\.\\n$`,
      ),
    );
    // The same database the TCP URL names.
    const db = postgresKysely(database.url);
    try {
      const applied = await sql<{ n: number }>`SELECT COUNT(*)::int AS n FROM schema_migrations`.execute(db);
      expect(applied.rows[0]!.n).toBeGreaterThan(0);
    } finally {
      await db.destroy();
    }
  }, 60_000);
});
