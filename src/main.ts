// `npm start`: load settings, start the bot, stop cleanly on SIGINT/SIGTERM.
// What an operator must fix ends the process with exit 1 and one sentence on stderr; a stack trace
// is printed only for a genuine bug.
import { startApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { BackupError } from './db/backup.ts';
import { MigrationError } from './db/migrate.ts';
import { DatabaseError } from './db/open.ts';
import { ConnectAbortedError, DiscordFatalError } from './discord/connection.ts';
import { loadEnvFile } from './env-file.ts';
import { CatalogError } from './models/catalog.ts';

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

/** The sentence for a start-up failure the operator can fix, or undefined for a bug. */
function operatorMessage(error: unknown, config: { httpPort: number; httpHost: string }): string | undefined {
  if (
    error instanceof MigrationError ||
    error instanceof CatalogError ||
    error instanceof DatabaseError ||
    error instanceof DiscordFatalError ||
    error instanceof BackupError
  )
    return error.message;
  switch ((error as { code?: string }).code) {
    case 'EADDRINUSE':
      return `HTTP_PORT ${config.httpPort} is already in use. Choose another port in .env (HTTP_PORT=…), or 0 for any free one.`;
    case 'EACCES':
      return `This user may not listen on port ${config.httpPort} (ports below 1024 need privileges): choose HTTP_PORT=8080 or another port above 1023.`;
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return `HTTP_HOST ${config.httpHost} is not an address of this machine: use 0.0.0.0 (every interface) or 127.0.0.1 (this machine only).`;
  }
  return undefined;
}

async function main(): Promise<void> {
  try {
    loadEnvFile();
  } catch (error) {
    fail(
      `Open Model Hub cannot start: .env could not be read (${(error as Error).message}); fix or remove it.`,
    );
  }
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(`Open Model Hub cannot start:\n${error.message}`);
    throw error;
  }
  // Signals are handled from the very start: SIGTERM during a wait for Discord ends at once.
  const starting = new AbortController();
  let app: Awaited<ReturnType<typeof startApp>> | undefined;
  const stop = (signal: string) => {
    if (!app) return starting.abort(signal);
    // The promise to supervisors (systemd, Docker: 10 s before SIGKILL): exit 0 whatever is still
    // running; unfinished polls and posts are resumed from the database at the next start.
    setTimeout(() => {
      process.stderr.write(
        'Shutdown took longer than 9 s; exiting now (unfinished work resumes at the next start).\n',
      );
      process.exit(0);
    }, 9_000).unref();
    app.shutdown(signal).then(
      () => process.exit(0),
      (error) => {
        process.stderr.write(`Shutdown failed: ${(error as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  // `on`, not `once`: a second signal must not fall back to Node's default (killed mid-write).
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  try {
    app = await startApp(config, {
      signal: starting.signal,
      // Discord shut the bot out after start (e.g. the token was reset): stop cleanly, exit 1.
      onFatal: (error) => {
        const finish = () => fail(`Open Model Hub stopped: ${error.message}`);
        void (app ? app.shutdown('Discord refused the bot').then(finish, finish) : finish());
      },
    });
  } catch (error) {
    if (error instanceof ConnectAbortedError) process.exit(0);
    const message = operatorMessage(error, config);
    if (message) fail(`Open Model Hub cannot start: ${message}`);
    throw error;
  }
}

await main();
