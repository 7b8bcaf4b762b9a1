// `npm run start:sharded`: one bot process per shard under discord.js's ShardingManager, all sharing
// the PostgreSQL database of DATABASE_URL (several processes cannot share one SQLite file). Each child
// is the ordinary bot (dist/src/main.js) with SHARDS and SHARD_COUNT set by the manager; the child
// holding the job lease runs the scheduled jobs. A child that dies is started again by the manager.
import { join } from 'node:path';
import { Routes, ShardingManager } from 'discord.js';
import { ConfigError, loadConfig } from './config.ts';
import { createDiscordRest } from './discord/client.ts';
import { loadEnvFile } from './env-file.ts';
import { projectPath } from './paths.ts';

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

/** Discord's recommended shard count, asked of DISCORD_API_URL (the manager's 'auto' would ask discord.com). */
async function recommendedShards(apiUrl: string, token: string): Promise<number> {
  const rest = createDiscordRest(apiUrl).setToken(token);
  try {
    const body = (await rest.get(Routes.gatewayBot())) as { shards?: unknown };
    return typeof body.shards === 'number' && body.shards >= 1 ? body.shards : 1;
  } catch (error) {
    if ((error as { status?: number }).status === 401)
      fail('Discord refused DISCORD_TOKEN (401): copy the bot token again from the Developer Portal.');
    throw error;
  }
}

async function main(): Promise<void> {
  loadEnvFile();
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) fail(`Open Model Hub cannot start:\n${error.message}`);
    throw error;
  }
  if (!config.databaseUrl)
    fail(
      'npm run start:sharded needs DATABASE_URL (PostgreSQL): several processes cannot share one SQLite file. With SQLite, npm start runs every shard in one process.',
    );
  let total: number;
  try {
    total = config.shardCount ?? (await recommendedShards(config.discordApiUrl, config.discordToken));
  } catch (error) {
    fail(
      `Discord could not be asked for the shard count (${(error as Error).message}); try again in a minute.`,
    );
  }
  // SHARDS picks this machine's part when the shards are split across machines.
  const ids: number[] = config.shards === 'auto' ? [...Array(total).keys()] : config.shards;
  const manager = new ShardingManager(join(projectPath('dist'), 'src', 'main.js'), {
    totalShards: total,
    shardList: ids,
    mode: 'process',
    respawn: true,
    token: config.discordToken,
    // The manager's own node flags, which package.json's start:sharded gives as npm start gives them
    // (test/start-command.test.ts): each child is a bot process like npm start's.
    execArgv: process.execArgv,
  });
  const basePort = Number(config.httpPort);
  let stopping = false;
  process.stdout.write(
    `Starting ${ids.length} of ${total} shard(s) in their own processes${basePort ? `; shard n serves /readyz on HTTP_PORT + n (${basePort}…${basePort + Math.max(...ids)})` : ''}\n`,
  );
  const shards = ids.map((id: number) => {
    // Each child's environment is copied when its shard is created: its own HTTP port.
    if (basePort) process.env.HTTP_PORT = String(basePort + id);
    const shard = manager.createShard(id);
    shard.on('death', () => {
      if (!stopping) process.stderr.write(`Shard ${id} stopped; starting it again\n`);
    });
    return shard;
  });
  process.env.HTTP_PORT = String(basePort);
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    // Each child shuts down as on its own SIGTERM (finishing interactions, releasing the job lease).
    manager.respawn = false;
    const exits = shards.map((shard) => {
      const child = shard.process;
      if (!child || child.exitCode !== null) return Promise.resolve();
      const exited = new Promise<void>((done) => child.once('exit', () => done()));
      child.kill(signal);
      return exited;
    });
    void Promise.all(exits).then(() => process.exit(0));
    setTimeout(() => process.exit(0), 15_000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // No ready timeout: a child may be waiting out a Discord outage, which it says in its own words.
  for (const shard of shards) await shard.spawn(-1);
}

await main();
