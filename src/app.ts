// Composition root: config → database → services → Discord client, scheduler, HTTP server.
import { type Client, disableValidators, Events } from 'discord.js';
import { commands as allCommands } from '../commands/index.ts';
import { type Clock, systemClock } from './clock.ts';
import type { Config } from './config.ts';
import { runDailyBackup } from './db/backup.ts';
import { holderGoneBy, openHubDatabase, processHolderId } from './db/connect.ts';
import { GuildSettingsStore } from './db/guild-settings.ts';
import { JobLease } from './db/lease.ts';
import { setupDigest } from './digest/setup.ts';
import { createDiscordRest } from './discord/client.ts';
import type { Command } from './discord/command.ts';
import { DiscordConnection, type DiscordFatalError } from './discord/connection.ts';
import { createPoster } from './discord/post.ts';
import { InteractionRouter } from './discord/router.ts';
import { createUserLookup } from './discord/users.ts';
import { discordBoardPorts } from './discord/web-ports.ts';
import { createGitHub } from './github/client.ts';
import { HttpServer } from './http/server.ts';
import type { Hub, HubCore } from './hub.ts';
import { setupIdeas } from './ideas/setup.ts';
import { alwaysRun, LeaseGate } from './job-gate.ts';
import { createLogger, type Logger, type LogOptions } from './log.ts';
import { Metrics } from './metrics.ts';
import { setupModels } from './models/setup.ts';
import { Scheduler } from './scheduler.ts';
import { startupWarnings } from './startup-warnings.ts';
import { StatusRegistry } from './status.ts';
import { setupTracking } from './tracking/setup.ts';
import { VERSION } from './version.ts';
import { setupWeb } from './web/setup.ts';

/** A standby process takes the jobs over within this (plus one renewal, a third of it) of the holder's death. */
const JOB_LEASE_TTL_MS = 30_000;

export interface AppOptions {
  clock?: Clock;
  logger?: Logger;
  logDestination?: LogOptions['destination'];
  /** Replaces the command list (tests add commands that throw or wait). */
  commands?: readonly Command[];
  /** Skip the scheduled jobs (tests drive services directly). */
  schedule?: boolean;
  /** How long shutdown waits for in-flight interactions, in ms. */
  drainTimeoutMs?: number;
  /** Aborts a start that is still waiting for Discord (SIGTERM during the start-up wait). */
  signal?: AbortSignal;
  /** Called once when the app is started and Discord shuts the bot out for good (token reset). */
  onFatal?: (error: DiscordFatalError) => void;
  /** Jitter source for the reconnection back-off (tests make it fixed). */
  random?: () => number;
}

export interface App {
  hub: Hub;
  router: InteractionRouter;
  httpPort: number;
  /** The connection to Discord: its current client, per-shard readiness, the Message Content mode. */
  discord: DiscordConnection;
  /** Stops accepting work, lets in-flight interactions finish (bounded), closes everything. */
  shutdown(reason?: string): Promise<void>;
}

export async function startApp(config: Readonly<Config>, options: AppOptions = {}): Promise<App> {
  // The builders' runtime validation (shapeshift) was half of a simple command's CPU in
  // bench/interactions.ts. Command definitions are still validated when commands/ is imported,
  // the formatters keep within Discord's limits, and tests run against an emulator that rejects
  // what Discord would.
  disableValidators();
  const clock = options.clock ?? systemClock;
  const log =
    options.logger ??
    createLogger({
      level: config.logLevel,
      secrets: [
        config.discordToken,
        config.githubToken,
        config.hfToken,
        config.models.watsonx?.apiKey,
        config.metricsToken,
      ],
      ...(options.logDestination ? { destination: options.logDestination } : {}),
    });

  for (const warning of startupWarnings(config)) log.warn(warning);
  const database = await openHubDatabase(config, clock, log);
  const { kdb, engine, sqlite: db } = database;

  const commands = options.commands ?? allCommands;
  const needsMessages = commands.some((c) => c.message);
  const rest = createDiscordRest(config.discordApiUrl, config.discordApplicationId);
  rest.setToken(config.discordToken);
  const metrics = new Metrics({ defaultMetrics: !options.commands });
  const http = new HttpServer({ metrics, log, metricsToken: config.metricsToken });
  // With PostgreSQL several processes may share the database: the one holding the job lease runs
  // the scheduled jobs. A SQLite file has one process, which always runs them.
  const scheduler = new Scheduler(
    log,
    undefined,
    engine === 'postgres'
      ? new LeaseGate(
          new JobLease({
            db: kdb,
            name: 'scheduler',
            holder: processHolderId(database.processId),
            ttlMs: JOB_LEASE_TTL_MS,
            clock,
          }),
          {
            ttlMs: JOB_LEASE_TTL_MS,
            clock,
            log,
            holderGone: holderGoneBy((id) => database.isAlive(id)),
          },
        )
      : alwaysRun,
  );
  // Filled in below, once the router exists; the connection creates a client per attempt.
  let wire: (client: Client) => void = () => {};
  const discord = new DiscordConnection({
    apiUrl: config.discordApiUrl,
    token: config.discordToken,
    rest,
    log,
    messageContent: needsMessages,
    guildMessages: needsMessages,
    shards: config.shards,
    shardCount: config.shardCount,
    wire: (client) => wire(client),
    onFatal: (error) => {
      log.error(error.message);
      options.onFatal?.(error);
    },
    ...(options.random ? { random: options.random } : {}),
  });

  const core: HubCore = {
    config,
    kdb,
    engine,
    database,
    clock,
    log,
    settings: new GuildSettingsStore(kdb, clock),
    poster: createPoster(rest),
    scheduler,
    http,
    status: new StatusRegistry(),
    metrics,
    commands,
    version: VERSION,
    startedAt: clock.now(),
    gateway: {
      ping: () => discord.ping(),
      ready: () => discord.ready(),
      messageContent: () => discord.messageContent,
    },
  };
  // Each feature adds its services and jobs here as it lands.
  // One GitHub client for the whole process: polling and filing share one queue and one view
  // of the rate limit, as GitHub's guidance asks.
  const github = createGitHub({
    token: config.githubToken,
    baseUrl: config.githubApiUrl,
    log,
    userAgent: `open-model-hub/${VERSION}`,
  });
  const hub: Hub = {
    ...core,
    digest: setupDigest(core, {
      lookupUser: createUserLookup(rest),
      schedule: options.schedule !== false,
    }),
    models: setupModels(core),
    // Filing needs a token; without one the ideas feature says so instead of trying.
    ideas: setupIdeas(core, {
      schedule: options.schedule !== false,
      github: config.githubToken ? github : null,
    }),
    tracking: setupTracking(core, { schedule: options.schedule !== false, github }),
  };
  // Runs a stopped process left "running" are closed before the first interaction counts quotas.
  await hub.models.ready;

  // The public board is always mounted: without WEB_BASE_URL, or for a server that has not opted
  // in, every board path answers the same 404.
  const web = setupWeb(
    core,
    hub,
    discordBoardPorts(() => discord.client),
  );
  http.mount('/', web.app);

  const router = new InteractionRouter(hub, commands);
  wire = (client) => {
    client.on(Events.InteractionCreate, (interaction) => void router.handle(interaction));
    if (needsMessages) client.on(Events.MessageCreate, (message) => void router.handleMessage(message));
    client.on(Events.Error, (error) => log.error({ err: error }, 'Discord client error'));
    client.on(Events.ShardReconnecting, (shardId) =>
      log.warn({ shardId }, `Gateway shard ${shardId} disconnected; reconnecting`),
    );
  };
  core.status.add(() => [
    {
      name: 'Message Content',
      value: discord.messageContent
        ? 'on: every message in a /try thread continues it'
        : 'off (Discord refused the intent): in /try threads, mention the bot or reply to it to continue',
    },
  ]);
  // PostgreSQL is backed up by its own tools (pg_dump, the host's snapshots); startupWarnings says so.
  if (db && config.backupDir && options.schedule !== false) {
    const backupDir = config.backupDir;
    scheduler.schedule('17 3 * * *', {
      name: 'daily-backup',
      run: async () => {
        const copy = await runDailyBackup(db, backupDir, config.backupKeep, clock.now());
        log.info({ path: copy.path, bytes: copy.bytes, ms: copy.ms }, `Daily backup written to ${copy.path}`);
      },
    });
  }

  http.addHealthCheck('database', () => database.problem());
  http.addHealthCheck('discord', () => discord.problem());
  // Listening before Discord answers: a supervisor sees the process alive (/livez) and why it is
  // not ready (/readyz) during a start-up wait.
  let httpPort: number;
  try {
    httpPort = await http.listen(config.httpPort, config.httpHost);
  } catch (error) {
    await scheduler.stop();
    await database.close();
    throw error;
  }
  try {
    await discord.connect(options.signal);
  } catch (error) {
    await scheduler.stop();
    await http.close();
    await discord.destroy();
    await database.close();
    throw error;
  }
  const client = discord.client!;
  log.info(
    {
      user: client.user?.tag,
      guilds: client.guilds.cache.size,
      shards: client.ws.shards.size,
      httpPort,
      version: VERSION,
    },
    'Open Model Hub is online',
  );

  let closing: Promise<void> | undefined;
  const shutdown = (reason = 'shutdown') => {
    closing ??= (async () => {
      log.info({ reason, inFlight: router.pending }, 'Shutting down: finishing in-flight interactions');
      router.stopAccepting();
      hub.models.service.stopAll();
      await scheduler.stop();
      const left = await router.drain(options.drainTimeoutMs ?? 10_000);
      if (left > 0) log.warn({ left }, 'Gave up waiting for in-flight interactions');
      // Idea notifications and message refreshes queued by those interactions go out before the
      // client closes (bounded like the interactions).
      await Promise.race([hub.ideas.settled(), new Promise((r) => setTimeout(r, 5_000).unref())]);
      await http.close();
      await discord.destroy();
      await database.close();
      log.info('Stopped');
    })();
    return closing;
  };

  return { hub, router, httpPort, discord, shutdown };
}
