// `npm run backup -- FILE`: an online, verified copy of DATABASE_PATH, safe while the bot runs.
// Without FILE the copy goes to BACKUP_DIR (or ./data/backups) under a dated name.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BackupError, backupDatabase, dailyBackupName } from './db/backup.ts';
import { DatabaseError, openDatabase } from './db/open.ts';
import { loadEnvFile } from './env-file.ts';

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

loadEnvFile();
if (process.env.DATABASE_URL?.trim())
  fail(
    'DATABASE_URL is set: the bot runs on PostgreSQL, and npm run backup copies SQLite files only. Back PostgreSQL up with pg_dump (pg_dump --format=custom --file=hub.dump "$DATABASE_URL") or your host\'s snapshots.',
  );
const source = process.env.DATABASE_PATH?.trim() || './data/open-model-hub.sqlite';
const target =
  process.argv[2] ?? join(process.env.BACKUP_DIR?.trim() || './data/backups', dailyBackupName(new Date()));
if (!existsSync(source))
  fail(`There is no database at ${source}: set DATABASE_PATH to the bot's database file.`);
let db: ReturnType<typeof openDatabase>;
try {
  db = openDatabase(source);
} catch (error) {
  if (error instanceof DatabaseError) fail(error.message);
  throw error;
}
try {
  const copy = await backupDatabase(db, target);
  process.stdout.write(
    `Backed up ${source} to ${copy.path} (${formatBytes(copy.bytes)}, integrity check ok, ${copy.ms} ms).\n`,
  );
} catch (error) {
  if (error instanceof BackupError) fail(error.message);
  throw error;
} finally {
  db.close();
}
