import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectPath } from '../paths.ts';
import type { Db } from './open.ts';

export const MIGRATIONS_DIR = projectPath('migrations');

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;

export interface Migration {
  version: number;
  name: string;
  file: string;
  sql: string;
  checksum: string;
}

/** A migration problem the operator must resolve; its message says how. */
export class MigrationError extends Error {
  override name = 'MigrationError';
}

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const migrations: Migration[] = [];
  for (const file of readdirSync(dir).sort()) {
    const match = FILE_NAME.exec(file);
    if (!match) continue;
    const sql = readFileSync(join(dir, file), 'utf8');
    migrations.push({
      version: Number(match[1]),
      name: match[2]!,
      file,
      sql,
      checksum: createHash('sha256').update(sql).digest('hex'),
    });
  }
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]!.version === migrations[i - 1]!.version) {
      throw new MigrationError(
        `Two migrations share version ${migrations[i]!.version}: ${migrations[i - 1]!.file} and ${migrations[i]!.file}. Renumber the newer one.`,
      );
    }
  }
  return migrations;
}

/**
 * Refuses a database whose applied migrations no longer match the files: one edited after it was
 * applied, or one this version of the bot does not have. Shared by the SQLite and PostgreSQL runners.
 */
export function checkAppliedMigrations(
  migrations: Migration[],
  applied: Array<{ version: number; name: string; checksum: string }>,
  folder = 'migrations/',
): void {
  const byVersion = new Map(migrations.map((m) => [m.version, m]));
  for (const row of applied) {
    const file = byVersion.get(row.version);
    const label = `${String(row.version).padStart(4, '0')}_${row.name}.sql`;
    if (!file) {
      throw new MigrationError(
        `The database has migration ${label} applied, but ${folder} has no such file. This database was written by a newer version of the bot: run that version, or restore a backup.`,
      );
    }
    if (file.checksum !== row.checksum) {
      throw new MigrationError(
        `Migration ${label} was edited after it was applied to this database. Migrations are forward-only: undo the edit to ${label} and put the change in a new migration file.`,
      );
    }
  }
}

export interface MigrationResult {
  applied: string[];
  version: number;
}

/**
 * Applies every migration not yet recorded, in order, each in its own transaction.
 * Refuses to run when an applied migration's file was edited: the database would no
 * longer match what the code believes it is.
 */
export function migrate(db: Db, dir = MIGRATIONS_DIR, now: () => Date = () => new Date()): MigrationResult {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    checksum TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);
  const migrations = readMigrations(dir);
  const applied = db
    .prepare('SELECT version, name, checksum FROM schema_migrations ORDER BY version')
    .all() as Array<{ version: number; name: string; checksum: string }>;
  checkAppliedMigrations(migrations, applied);
  const done = new Set(applied.map((r) => r.version));
  const record = db.prepare(
    'INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)',
  );
  const result: MigrationResult = { applied: [], version: applied.at(-1)?.version ?? 0 };
  for (const m of migrations) {
    if (done.has(m.version)) continue;
    try {
      db.transaction(() => {
        db.exec(m.sql);
        record.run(m.version, m.name, m.checksum, now().toISOString());
      })();
    } catch (error) {
      throw new MigrationError(`Migration ${m.file} failed and was rolled back: ${(error as Error).message}`);
    }
    result.applied.push(m.file);
    result.version = m.version;
  }
  return result;
}

export function schemaVersion(db: Db): number {
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
  return row.v ?? 0;
}

/** The migrations a start would apply, and the schema version before them (0 for a new database). */
export function pendingMigrations(db: Db, dir = MIGRATIONS_DIR): { from: number; pending: string[] } {
  const table = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
    .get();
  const applied = table
    ? new Set(
        (db.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>).map(
          (r) => r.version,
        ),
      )
    : new Set<number>();
  return {
    from: applied.size ? Math.max(...applied) : 0,
    pending: readMigrations(dir)
      .filter((m) => !applied.has(m.version))
      .map((m) => m.file),
  };
}
