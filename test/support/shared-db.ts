// Several connections to one shared database, each standing in for another bot process: a real
// SQLite file or a real PostgreSQL database (test/support/postgres.ts), migrated, removed after the file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll } from 'vitest';
import { postgresKysely, sqliteKysely } from '../../src/db/engine.ts';
import { migrate } from '../../src/db/migrate.ts';
import { migratePostgres } from '../../src/db/migrate-postgres.ts';
import { openDatabase } from '../../src/db/open.ts';
import type { DB } from '../../src/db/schema.ts';
import { usePostgresDatabase } from './postgres.ts';

export interface Engine {
  /** A new connection to the shared database, as another process would open. */
  connect(): Kysely<DB>;
}

export function sqliteEngine(): Engine {
  let dir = '';
  const closers: Array<() => void> = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'omh-lease-'));
    const db = openDatabase(join(dir, 'hub.sqlite'));
    migrate(db);
    db.close();
  });
  afterAll(() => {
    for (const close of closers) close();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    connect() {
      const db = openDatabase(join(dir, 'hub.sqlite'));
      closers.push(() => db.close());
      return sqliteKysely(db);
    },
  };
}

export function postgresEngine(): Engine & { readonly url: string } {
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
    get url() {
      return database.url;
    },
    connect() {
      const db = postgresKysely(database.url, { maxConnections: 2 });
      pools.push(db);
      return db;
    },
  };
}
