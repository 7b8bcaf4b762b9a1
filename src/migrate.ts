// `npm run migrate`: applies pending migrations to DATABASE_PATH and prints what it did; a
// database that already holds data is backed up first, as at start.
import { backupDatabase, preMigrationBackupPath } from './db/backup.ts';
import { MigrationError, migrate, pendingMigrations, schemaVersion } from './db/migrate.ts';
import { DatabaseError, openDatabase } from './db/open.ts';
import { loadEnvFile } from './env-file.ts';

loadEnvFile();
const path = process.env.DATABASE_PATH?.trim() || './data/open-model-hub.sqlite';
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
  process.stdout.write(
    result.applied.length
      ? `Applied ${result.applied.join(', ')} to ${path}; schema version ${result.version}.\n`
      : `${path} is up to date at schema version ${schemaVersion(db)}.\n`,
  );
} catch (error) {
  if (!(error instanceof MigrationError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
} finally {
  db.close();
}
