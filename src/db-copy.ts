// `npm run db:copy -- --to postgres://…`: copies the hub's SQLite database (DATABASE_PATH, or
// --from FILE) into an empty PostgreSQL database and says what to change in .env.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CopyError, copySqliteToPostgres, withoutPassword } from './db/copy.ts';
import { checkPostgresUrl, postgresKysely } from './db/engine.ts';
import { MigrationError } from './db/migrate.ts';
import { openDatabase } from './db/open.ts';
import { loadEnvFile } from './env-file.ts';

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

loadEnvFile();
let args: { to?: string | undefined; from?: string | undefined };
try {
  args = parseArgs({ options: { to: { type: 'string' }, from: { type: 'string' } }, strict: true }).values;
} catch (error) {
  fail(
    `${(error as Error).message}. Usage: npm run db:copy -- --to postgres://user:password@host:5432/database [--from ./data/open-model-hub.sqlite]`,
  );
}
const to = args.to?.trim();
if (!to) fail('Say where to copy to: npm run db:copy -- --to postgres://user:password@host:5432/database');
const problem = checkPostgresUrl(to);
if (problem) fail(`--to ${problem}.`);
const from = args.from?.trim() || process.env.DATABASE_PATH?.trim() || './data/open-model-hub.sqlite';
if (!existsSync(from))
  fail(`There is no SQLite database at ${from}. Name it with --from FILE, or set DATABASE_PATH.`);

const sqlite = openDatabase(from);
const pg = postgresKysely(to, { applicationName: 'open-model-hub db:copy', statementTimeoutMs: 0 });
try {
  const report = await copySqliteToPostgres(sqlite, pg);
  const width = Math.max(...report.tables.map((t) => t.table.length));
  const lines = report.tables.map((t) => `  ${t.table.padEnd(width)}  ${String(t.rows).padStart(8)} rows`);
  const total = report.tables.reduce((sum, t) => sum + t.rows, 0);
  process.stdout.write(
    [
      `Copied ${from} to ${withoutPassword(to)} (schema version ${report.schemaVersion}); the row counts of every table match:`,
      ...lines,
      `  ${'total'.padEnd(width)}  ${String(total).padStart(8)} rows`,
      '',
      'To run the hub on PostgreSQL, put this line in .env (DATABASE_PATH is then ignored; keep the SQLite file as a backup):',
      `  DATABASE_URL=${withoutPassword(to)}   (with the real password)`,
      'This version of the bot still runs on SQLite only and refuses to start with DATABASE_URL (see "PostgreSQL (in progress)" in the README).',
      '',
    ].join('\n'),
  );
} catch (error) {
  if (error instanceof CopyError || error instanceof MigrationError) fail(error.message);
  const code = (error as { code?: string }).code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === '28P01' || code === '3D000')
    fail(
      `Cannot connect to ${withoutPassword(to)}: ${(error as Error).message}. Check the host, port, user, password and database name.`,
    );
  throw error;
} finally {
  sqlite.close();
  await pg.destroy();
}
