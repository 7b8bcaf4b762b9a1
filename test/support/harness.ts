// Starts the real bot (startApp) against the local Discord emulator, with a temp database and a
// fixed clock, and a small world: one server, #general, a curator and a plain member.
import { join } from 'node:path';
import { PermissionFlagsBits } from 'discord.js';
import { commands as allCommands } from '../../commands/index.ts';
import { type App, startApp } from '../../src/app.ts';
import { ManualClock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config.ts';
import type { Command } from '../../src/discord/command.ts';
import type { Hub } from '../../src/hub.ts';
import { createLogger, LogCollector } from '../../src/log.ts';
import { DiscordEmulator } from './discord/index.ts';
import { createTestDatabase } from './postgres.ts';
import { removeTempDir, tempDir } from './temp.ts';

export interface TestHubOptions {
  env?: Record<string, string>;
  clock?: ManualClock;
  commands?: readonly Command[];
  discord?: DiscordEmulator;
  schedule?: boolean;
  drainTimeoutMs?: number;
  /**
   * The database engine; default TEST_DATABASE from the environment, else SQLite. PostgreSQL: a
   * fresh database owned by a non-superuser role on the run's server (test/support/postgres.ts),
   * dropped by stop(); `database` shares one between several hubs (several bot processes).
   */
  engine?: 'sqlite' | 'postgres';
  database?: { url: string };
}

export interface TestHub {
  app: App;
  hub: Hub;
  discord: DiscordEmulator;
  clock: ManualClock;
  logs: LogCollector;
  guildId: string;
  channelId: string;
  curatorId: string;
  memberId: string;
  dbPath: string;
  engine: 'sqlite' | 'postgres';
  /** The PostgreSQL URL of the bot's own role, when engine is postgres. */
  databaseUrl: string | null;
  /** Shuts the bot down and starts it again on the same database file and emulator. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestHub(options: TestHubOptions = {}): Promise<TestHub> {
  const ownsDiscord = !options.discord;
  const discord = options.discord ?? (await DiscordEmulator.start());
  const commands = options.commands ?? allCommands;
  discord.setCommands(commands.map((c) => c.data.toJSON()));
  const guildId = discord.addGuild({ name: 'Open Models' });
  const channelId = discord.addChannel(guildId, { name: 'general' });
  const curatorId = discord.addMember(guildId, {
    username: 'curator',
    displayName: 'Cora Curator',
    permissions: PermissionFlagsBits.ManageGuild,
  });
  const memberId = discord.addMember(guildId, { username: 'member', displayName: 'Mo Member' });
  const clock = options.clock ?? new ManualClock('2026-11-23T09:00:00Z');
  const logs = new LogCollector();
  const dbDir = tempDir('omh-hub-');
  const dbPath = join(dbDir, 'hub.sqlite');
  const engine = options.engine ?? (process.env.TEST_DATABASE === 'postgres' ? 'postgres' : 'sqlite');
  const owned = engine === 'postgres' && !options.database ? await createTestDatabase() : null;
  const databaseUrl = engine === 'postgres' ? (options.database ?? owned!).url : null;
  const config = loadConfig({
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    DISCORD_TOKEN: discord.token,
    DISCORD_APPLICATION_ID: discord.applicationId,
    DISCORD_API_URL: discord.apiUrl,
    DATABASE_PATH: dbPath,
    HTTP_PORT: '0',
    LOG_LEVEL: 'debug',
    ...options.env,
  });
  const boot = () =>
    startApp(config, {
      clock,
      logger: createLogger({ level: 'debug', destination: logs, secrets: [discord.token] }),
      commands,
      schedule: options.schedule ?? false,
      drainTimeoutMs: options.drainTimeoutMs ?? 5_000,
    });
  let app: App;
  try {
    app = await boot();
  } catch (error) {
    await owned?.drop();
    removeTempDir(dbDir);
    if (ownsDiscord) await discord.stop();
    throw error;
  }
  const testHub: TestHub = {
    get app() {
      return app;
    },
    get hub() {
      return app.hub;
    },
    discord,
    clock,
    logs,
    guildId,
    channelId,
    curatorId,
    memberId,
    dbPath,
    engine,
    databaseUrl,
    async restart() {
      await app.shutdown('test restart');
      app = await boot();
    },
    async stop() {
      try {
        await app.shutdown('test end');
        if (ownsDiscord) await discord.stop();
      } finally {
        removeTempDir(dbDir);
        await owned?.drop();
      }
    },
  };
  return testHub;
}
