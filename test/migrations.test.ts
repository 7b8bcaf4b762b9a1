import { appendFileSync, copyFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR, MigrationError, migrate, schemaVersion } from '../src/db/migrate.ts';
import { openDatabase } from '../src/db/open.ts';
import { tempDir } from './support/temp.ts';

function copyMigrations(): string {
  const dir = tempDir('omh-migrations-');
  // Only the SQLite files: migrations/postgres/ holds their PostgreSQL twins.
  for (const file of readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql')))
    copyFileSync(join(MIGRATIONS_DIR, file), join(dir, file));
  return dir;
}

function tempDb() {
  return openDatabase(join(tempDir('omh-db-'), 'hub.sqlite'));
}

describe('migrations', () => {
  it('applies every migration on an empty database, in order, and records a checksum for each', () => {
    const db = tempDb();
    const result = migrate(db);
    const files = readdirSync(MIGRATIONS_DIR)
      .filter((f) => f.endsWith('.sql'))
      .sort();
    expect(result.applied).toEqual(files);
    const rows = db
      .prepare('SELECT version, name, checksum FROM schema_migrations ORDER BY version')
      .all() as Array<{
      checksum: string;
    }>;
    expect(rows).toHaveLength(files.length);
    for (const row of rows) expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(schemaVersion(db)).toBe(result.version);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
  });

  it('is a no-op when run again', () => {
    const db = tempDb();
    const first = migrate(db);
    const again = migrate(db);
    expect(again.applied).toEqual([]);
    expect(again.version).toBe(first.version);
  });

  it('applies only the new migration after an upgrade', () => {
    const dir = copyMigrations();
    const db = tempDb();
    const before = migrate(db, dir);
    writeFileSync(join(dir, '9000_extra.sql'), 'CREATE TABLE extra (id INTEGER PRIMARY KEY);');
    const after = migrate(db, dir);
    expect(after.applied).toEqual(['9000_extra.sql']);
    expect(after.version).toBe(9000);
    expect(before.version).toBeLessThan(9000);
  });

  it('refuses to start when an applied migration was edited, naming the file and the fix', () => {
    const dir = copyMigrations();
    const db = tempDb();
    migrate(db, dir);
    appendFileSync(join(dir, '0001_init.sql'), '\n-- an innocent edit\n');
    expect(() => migrate(db, dir)).toThrow(MigrationError);
    expect(() => migrate(db, dir)).toThrow(/0001_init\.sql was edited after it was applied.*new migration/);
  });

  it('rolls a failing migration back whole and reports which file failed', () => {
    const dir = copyMigrations();
    const db = tempDb();
    migrate(db, dir);
    writeFileSync(join(dir, '9001_broken.sql'), 'CREATE TABLE half (id INTEGER);\nTHIS IS NOT SQL;');
    expect(() => migrate(db, dir)).toThrow(/9001_broken\.sql failed and was rolled back/);
    const half = db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get();
    expect(half).toBeUndefined();
    expect(schemaVersion(db)).toBeLessThan(9001);
  });

  it('refuses a database written by a newer version', () => {
    const dir = copyMigrations();
    const db = tempDb();
    writeFileSync(join(dir, '9002_future.sql'), 'SELECT 1;');
    migrate(db, dir);
    expect(() => migrate(db, MIGRATIONS_DIR)).toThrow(/newer version of the bot/);
  });
});
