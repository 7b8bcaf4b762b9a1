// Both engines for the store tests of a feature: a migrated SQLite file and a migrated PostgreSQL
// database, each opened as many times as the test has bot processes.
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll } from 'vitest';
import { postgresKysely, sqliteKysely } from '../../src/db/engine.ts';
import { migrate } from '../../src/db/migrate.ts';
import { migratePostgres } from '../../src/db/migrate-postgres.ts';
import { type Db, openDatabase } from '../../src/db/open.ts';
import type { DB } from '../../src/db/schema.ts';
import { usePostgresDatabase } from './postgres.ts';
import { tempDir } from './temp.ts';

/**
 * Both engines for store tests: a migrated SQLite file and a migrated PostgreSQL database (a fresh
 * one per test file, see test/support/postgres.ts). `connect()` opens another connection (pool) to
 * the same database, as another bot process would; everything opened is closed after the file.
 */
export interface TestEngine {
  kind: 'sqlite' | 'postgres';
  connect(): Kysely<DB>;
}

export function sqliteTestEngine(): TestEngine {
  let path = '';
  const opened: Db[] = [];
  beforeAll(() => {
    path = join(tempDir('omh-engines-'), 'hub.sqlite');
    const db = openDatabase(path);
    migrate(db);
    db.close();
  });
  afterAll(() => {
    for (const db of opened) db.close();
  });
  return {
    kind: 'sqlite',
    connect() {
      const db = openDatabase(path);
      opened.push(db);
      return sqliteKysely(db);
    },
  };
}

export function postgresTestEngine(): TestEngine & { readonly url: string } {
  const database = usePostgresDatabase();
  const pools: Array<Kysely<DB>> = [];
  beforeAll(async () => {
    const db = postgresKysely(database.url);
    await migratePostgres(db);
    await db.destroy();
  });
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.destroy()));
  });
  return {
    kind: 'postgres',
    get url() {
      return database.url;
    },
    connect() {
      const db = postgresKysely(database.url, { maxConnections: 4 });
      pools.push(db);
      return db;
    },
  };
}

export const TEST_ENGINES = [
  ['SQLite', sqliteTestEngine],
  ['PostgreSQL', postgresTestEngine],
] as const;
