// `npm start`: load settings, start the bot, stop cleanly on SIGINT/SIGTERM.
import { GatewayRefusedError, startApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { MigrationError } from './db/migrate.ts';
import { loadEnvFile } from './env-file.ts';
import { CatalogError } from './models/catalog.ts';

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  loadEnvFile();
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(`Open Model Hub cannot start:\n${error.message}`);
    throw error;
  }
  let app: Awaited<ReturnType<typeof startApp>>;
  // Listening from before the start: a signal while starting (polling and posting begin before the
  // gateway is ready) is honoured once the app is up, instead of killing it mid-write.
  let signalled: string | undefined;
  const early = (signal: string) => {
    signalled ??= signal;
  };
  process.on('SIGINT', early);
  process.on('SIGTERM', early);
  try {
    app = await startApp(config);
  } catch (error) {
    if (error instanceof MigrationError || error instanceof CatalogError)
      fail(`Open Model Hub cannot start: ${error.message}`);
    if (error instanceof GatewayRefusedError && error.code === 4014) {
      fail(
        'Discord refused the Message Content intent, which /try uses to continue conversations in threads. Turn it on at Discord Developer Portal → Applications → your app → Bot → Privileged Gateway Intents → Message Content Intent, then start again.',
      );
    }
    const code = (error as { code?: string }).code;
    if (
      code === 'TokenInvalid' ||
      (error instanceof GatewayRefusedError && error.code === 4004) ||
      /401|Authentication failed/i.test(String((error as Error).message))
    ) {
      fail(
        'Discord rejected DISCORD_TOKEN. Reset it at Discord Developer Portal → Applications → your app → Bot → Reset Token, then update .env.',
      );
    }
    if (code === 'EADDRINUSE')
      fail(
        `HTTP_PORT ${config.httpPort} is already in use. Choose another port in .env (HTTP_PORT=…), or 0 for any free one.`,
      );
    throw error;
  }
  const stop = (signal: string) => {
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
  // `on`, not `once`: a second signal (tsx's relay repeats one the child did not acknowledge within
  // 30 ms; an impatient operator) must not fall through to Node's default and exit 143 mid-shutdown.
  let stopping = false;
  const onSignal = (signal: string) => {
    if (stopping) return;
    stopping = true;
    stop(signal);
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.off('SIGINT', early);
  process.off('SIGTERM', early);
  if (signalled) onSignal(signalled);
}

await main();
