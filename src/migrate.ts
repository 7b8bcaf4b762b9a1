// `npm run migrate`: applies pending migrations to DATABASE_PATH and prints what it did.
import { MigrationError, migrate, schemaVersion } from './db/migrate.ts';
import { openDatabase } from './db/open.ts';
import { loadEnvFile } from './env-file.ts';

loadEnvFile();
const path = process.env.DATABASE_PATH?.trim() || './data/open-model-hub.sqlite';
const db = openDatabase(path);
try {
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
