// `npm start`: load settings, start the bot, stop cleanly on SIGINT/SIGTERM.
import { GatewayRefusedError, startApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { EngineNotReadyError } from './db/engine.ts';
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
  try {
    app = await startApp(config);
  } catch (error) {
    if (error instanceof MigrationError || error instanceof CatalogError)
      fail(`Open Model Hub cannot start: ${error.message}`);
    if (error instanceof EngineNotReadyError) fail(`Open Model Hub cannot start: ${error.message}`);
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
    app.shutdown(signal).then(
      () => process.exit(0),
      (error) => {
        process.stderr.write(`Shutdown failed: ${(error as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

await main();
