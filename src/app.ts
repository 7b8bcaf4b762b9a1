// Composition root: config → database → services → Discord client, scheduler, HTTP server.
import { type Client, disableValidators, Events } from 'discord.js';
import { commands as allCommands } from '../commands/index.ts';
import { type Clock, systemClock } from './clock.ts';
import type { Config } from './config.ts';
import { refuseUnfinishedEngine } from './db/engine.ts';
import { GuildSettingsStore } from './db/guild-settings.ts';
import { migrate } from './db/migrate.ts';
import { openDatabase } from './db/open.ts';
import { setupDigest } from './digest/setup.ts';
import { createDiscordClient } from './discord/client.ts';
import type { Command } from './discord/command.ts';
import { createPoster } from './discord/post.ts';
import { InteractionRouter } from './discord/router.ts';
import { createGitHub } from './github/client.ts';
import { HttpServer } from './http/server.ts';
import type { Hub, HubCore } from './hub.ts';
import { setupIdeas } from './ideas/setup.ts';
import { createLogger, type Logger, type LogOptions } from './log.ts';
import { Metrics } from './metrics.ts';
import { setupModels } from './models/setup.ts';
import { Scheduler } from './scheduler.ts';
import { StatusRegistry } from './status.ts';
import { setupTracking } from './tracking/setup.ts';
import { VERSION } from './version.ts';

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
}

export interface App {
  hub: Hub;
  router: InteractionRouter;
  httpPort: number;
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
      secrets: [config.discordToken, config.githubToken, config.hfToken],
      ...(options.logDestination ? { destination: options.logDestination } : {}),
    });

  refuseUnfinishedEngine(config);
  const db = openDatabase(config.databasePath);
  const migration = migrate(db, undefined, () => clock.now());
  if (migration.applied.length > 0)
    log.info({ applied: migration.applied }, `Database migrated to version ${migration.version}`);

  const commands = options.commands ?? allCommands;
  const needsMessages = commands.some((c) => c.message);
  const client = createDiscordClient({ apiUrl: config.discordApiUrl, messageContent: needsMessages });
  client.rest.setToken(config.discordToken);
  const metrics = new Metrics({ defaultMetrics: !options.commands });
  const http = new HttpServer({ metrics, log });
  const scheduler = new Scheduler(log);

  const core: HubCore = {
    config,
    db,
    clock,
    log,
    settings: new GuildSettingsStore(db, clock),
    poster: createPoster(client.rest),
    scheduler,
    http,
    status: new StatusRegistry(),
    metrics,
    commands,
    version: VERSION,
    startedAt: clock.now(),
    gateway: {
      ping: () => (client.isReady() ? client.ws.ping : null),
      ready: () => client.isReady(),
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
    digest: setupDigest(core, { rest: client.rest, schedule: options.schedule !== false }),
    models: setupModels(core),
    // Filing needs a token; without one the ideas feature says so instead of trying.
    ideas: setupIdeas(core, {
      schedule: options.schedule !== false,
      github: config.githubToken ? github : null,
    }),
    tracking: setupTracking(core, { schedule: options.schedule !== false, github }),
  };

  const router = new InteractionRouter(hub, commands);
  client.on(Events.InteractionCreate, (interaction) => void router.handle(interaction));
  if (needsMessages) client.on(Events.MessageCreate, (message) => void router.handleMessage(message));
  client.on(Events.Error, (error) => log.error({ err: error }, 'Discord client error'));
  client.on(Events.ShardDisconnect, (event) =>
    log.warn({ code: event.code }, 'Gateway disconnected; discord.js reconnects'),
  );

  http.addHealthCheck('database', () => (db.open ? null : 'closed'));
  http.addHealthCheck('discord', () => (client.isReady() ? null : 'gateway not ready'));
  const httpPort = await http.listen(config.httpPort);

  // discord.js reports a refused gateway (4004, 4014) as a bare Error from login(); the close
  // code seen just before is what tells the operator what to fix.
  let fatalClose: number | undefined;
  const noteFatalClose = (event: { code: number }) => {
    if (FATAL_CLOSE_CODES.has(event.code)) fatalClose = event.code;
  };
  client.on(Events.ShardDisconnect, noteFatalClose);
  try {
    await client.login(config.discordToken);
    await waitUntilReady(client);
  } catch (error) {
    await http.close();
    db.close();
    await client.destroy();
    throw fatalClose ? new GatewayRefusedError(fatalClose) : error;
  }
  client.off(Events.ShardDisconnect, noteFatalClose);
  log.info(
    { user: client.user?.tag, guilds: client.guilds.cache.size, httpPort },
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
      await client.destroy();
      db.close();
      log.info('Stopped');
    })();
    return closing;
  };

  return { hub, router, httpPort, shutdown };
}

/** Discord closed the gateway for good (bad token, intents the application may not use). */
export class GatewayRefusedError extends Error {
  override name = 'GatewayRefusedError';
  constructor(readonly code: number) {
    super(`Discord closed the gateway with code ${code}`);
  }
}

/** Close codes after which discord.js stops reconnecting: waiting for ready would wait forever. */
const FATAL_CLOSE_CODES = new Set([4004, 4010, 4011, 4012, 4013, 4014]);

function waitUntilReady(client: Client): Promise<void> {
  return new Promise((resolve, reject) => {
    if (client.isReady()) return resolve();
    const onDisconnect = (event: { code: number }) => {
      if (!FATAL_CLOSE_CODES.has(event.code)) return;
      client.off(Events.ClientReady, onReady);
      reject(new GatewayRefusedError(event.code));
    };
    const onReady = () => {
      client.off(Events.ShardDisconnect, onDisconnect);
      resolve();
    };
    client.once(Events.ClientReady, onReady);
    client.on(Events.ShardDisconnect, onDisconnect);
  });
}
