// `npm run migrate`: applies pending migrations to DATABASE_URL (PostgreSQL) when it is set, else to
// DATABASE_PATH (SQLite), and prints what it did; a SQLite database that already holds data is
// backed up first, as at start.
import { backupDatabase, preMigrationBackupPath } from './db/backup.ts';
import { checkPostgresUrl, describePostgresUrl, postgresKysely } from './db/engine.ts';
import { MigrationError, migrate, pendingMigrations, schemaVersion } from './db/migrate.ts';
import { migratePostgres, postgresSchemaVersion } from './db/migrate-postgres.ts';
import { DatabaseError, openDatabase } from './db/open.ts';
import { loadEnvFile } from './env-file.ts';

loadEnvFile();
const url = process.env.DATABASE_URL?.trim();
const path = process.env.DATABASE_PATH?.trim() || './data/open-model-hub.sqlite';

function report(applied: string[], version: number, where: string): void {
  process.stdout.write(
    applied.length
      ? `Applied ${applied.join(', ')} to ${where}; schema version ${version}.\n`
      : `${where} is up to date at schema version ${version}.\n`,
  );
}

async function migrateSqlite(): Promise<void> {
  let db: ReturnType<typeof openDatabase>;
  try {
    db = openDatabase(path);
  } catch (error) {
    if (!(error instanceof DatabaseError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  try {
    const { from, pending } = pendingMigrations(db);
    if (pending.length > 0 && from > 0) {
      const copy = await backupDatabase(
        db,
        preMigrationBackupPath(path, from, new Date(), process.env.BACKUP_DIR?.trim() || undefined),
      );
      process.stdout.write(`Backed up ${path} to ${copy.path} before migrating.\n`);
    }
    const result = migrate(db);
    report(result.applied, result.applied.length ? result.version : schemaVersion(db), path);
  } finally {
    db.close();
  }
}

async function migrateOnPostgres(url: string): Promise<void> {
  const problem = checkPostgresUrl(url);
  if (problem) throw new MigrationError(`DATABASE_URL ${problem}.`);
  const db = postgresKysely(url, { applicationName: 'open-model-hub migrate' });
  // The URL holds a password: name the database by host and name only.
  const where = describePostgresUrl(url);
  try {
    const result = await migratePostgres(db);
    report(result.applied, result.applied.length ? result.version : await postgresSchemaVersion(db), where);
  } finally {
    await db.destroy();
  }
}

try {
  await (url ? migrateOnPostgres(url) : migrateSqlite());
} catch (error) {
  if (!(error instanceof MigrationError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
}
