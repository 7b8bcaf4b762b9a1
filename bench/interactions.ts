// Interactions side by side with a bare discord.js bot, in one run, on the same Discord emulator
// (its own process): a direct answer (/hub status), a deferred answer (/watch list: deferred, then
// edited), and a streamed /try (50 tokens/s from the inference emulator), 50 in flight each. The
// bare bot (bench/_bare-bot.ts, its own process) gives the same answers with nothing else, so the
// ratios say what Open Model Hub adds, whatever else loads the machine. Both bots run as production
// runs: compiled (bench/_production.ts, the options of scripts/build.mjs), plain node with `npm
// start`'s flags, each in its own process; CPU is each process's, as the OS counts it.
// Targets (issue 11): deferred throughput ≥ 0.8 × the bare bot's; ack p99 ≤ 1.5 × the bare bot's.
// Open Model Hub runs on SQLite and then on PostgreSQL (a throw-away local server,
// test/support/postgres-server.ts; BENCH_ENGINES=sqlite or =postgres runs one). Target (issue 12):
// ack p99 < 50 ms on PostgreSQL with 50 in flight.
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { commands } from '../commands/index.ts';
import { postgresKysely } from '../src/db/engine.ts';
import { type PostgresServer, startPostgresServer } from '../test/support/postgres-server.ts';
import { tempDir } from '../test/support/temp.ts';
import { forkEmulators } from './_child.ts';
import { benchNodeFlags, forkCompiled, processCpuMs, productionEnv, startHub } from './_production.ts';

const N = Number(process.env.BENCH_INTERACTIONS ?? 1000);
const N_TRY = Number(process.env.BENCH_TRY ?? 100);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const MODEL = 'ibm-granite/granite-3.0-8b-instruct';

interface World {
  apiUrl: string;
  token: string;
  applicationId: string;
  guildId: string;
  channelId: string;
  userId: string;
  endpointUrl: string;
}
interface RunResult {
  latencies: number[];
  failed: number;
  wallMs: number;
  emulatorCpuMs: number;
}

// Each bot gets its own emulator process, started the same way (two bots logged in with one token
// would both receive every interaction).
async function emulators() {
  const { child, ask } = forkEmulators(join(import.meta.dirname, '_discord-emulator-process.ts'));
  const world = await ask<World>(
    {
      setup: commands.map((c) => c.data.toJSON()),
      inference: { model: MODEL, tokens: 100, tokenDelayMs: 20 },
    },
    'ready',
  );
  const stop = async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.send({ stop: true });
    await exited;
  };
  return { ask, world, stop };
}
type Emulators = Awaited<ReturnType<typeof emulators>>;

const loads = [
  { label: 'direct answer (/hub status)', n: N, name: 'hub', subcommand: 'status', until: 'ack' as const },
  {
    label: 'deferred answer (/watch list)',
    n: N,
    name: 'watch',
    subcommand: 'list',
    until: 'reply' as const,
  },
  {
    label: 'streamed /try (100 tokens at 50/s)',
    n: N_TRY,
    name: 'try',
    options: { model: MODEL, prompt: 'bench' },
    until: 'final' as const,
  },
  // BENCH_INTERACTIONS=0 or BENCH_TRY=0 leaves a load out.
].filter((load) => load.n > 0);

type Figures = { p50: number; p99: number; perSecond: number; failed: number; cpuMs: number };

async function measure(
  { ask, world }: Emulators,
  load: (typeof loads)[number],
  cpuOf: () => Promise<number>,
  ackOnly = false,
): Promise<Figures & { ackP99: number }> {
  const cpuBefore = await cpuOf();
  process.stderr.write(`  measuring ${load.label}${ackOnly ? ' (ack)' : ''}…\n`);
  const result = await ask<RunResult>(
    { run: { concurrency: CONCURRENCY, ...world, ...load, ...(ackOnly ? { until: 'ack' } : {}) } },
    'result',
  );
  const cpuMs = (await cpuOf()) - cpuBefore;
  const sorted = [...result.latencies].sort((a, b) => a - b);
  const pct = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
  return {
    p50: pct(50),
    p99: pct(99),
    ackP99: pct(99),
    perSecond: (load.n / result.wallMs) * 1000,
    failed: result.failed,
    cpuMs: cpuMs / load.n,
  };
}

async function measureAll(
  e: Emulators,
  cpuOf: () => Promise<number>,
): Promise<Map<string, Figures & { ackP99: number }>> {
  const { ask, world } = e;
  // Warm up (a running bot is warm: JIT-compiled, connections open).
  for (const [i, load] of loads.slice(0, 2).entries())
    await ask({ run: { concurrency: CONCURRENCY, ...world, ...load, n: i === 0 ? 500 : 200 } }, 'result');
  const figures = new Map<string, Figures & { ackP99: number }>();
  for (const load of loads) {
    const f = await measure(e, load, cpuOf);
    // For deferred and streamed answers, the acknowledgement alone as well (the 3-second rule).
    if (load.until !== 'ack')
      f.ackP99 = (await measure(e, { ...load, n: Math.min(load.n, 500) }, cpuOf, true)).p99;
    figures.set(load.label, f);
  }
  return figures;
}

// --- the bare discord.js bot, an emulator started the same way, same loads ----------------------
const yardstick = await emulators();
const bare = await forkCompiled('_bare-bot', {
  DISCORD_TOKEN: yardstick.world.token,
  DISCORD_API_URL: yardstick.world.apiUrl,
  INFERENCE_URL: yardstick.world.endpointUrl,
});
await new Promise((resolve) => bare.once('message', resolve));
const bareCpu = async () => processCpuMs(bare.pid);
const theirs = await measureAll(yardstick, bareCpu);
bare.send({ stop: true });
await new Promise((resolve) => bare.once('exit', resolve));
await yardstick.stop();

// --- Open Model Hub, on each engine --------------------------------------------------------------
const ENGINES = (process.env.BENCH_ENGINES ?? 'sqlite,postgres').split(',');

/** A fresh database on a throw-away server; the URL of its owner. */
async function postgresDatabase(server: PostgresServer): Promise<string> {
  const admin = postgresKysely(server.adminUrl);
  await sql`CREATE DATABASE omh_bench_interactions`.execute(admin);
  await admin.destroy();
  const url = new URL(server.adminUrl);
  url.pathname = '/omh_bench_interactions';
  if (process.env.BENCH_PG_SOCKET === '1') url.searchParams.set('host', server.socketDir);
  return url.toString();
}

async function measureHub(database: Record<string, string>) {
  const mine = await emulators();
  const { world } = mine;
  // BENCH_LOG_LEVEL=info measures the cost of the per-interaction log line (the bot's stdout, where
  // pino writes it synchronously, is then /dev/null).
  const hub = await startHub(
    {
      DISCORD_TOKEN: world.token,
      DISCORD_APPLICATION_ID: world.applicationId,
      DISCORD_API_URL: world.apiUrl,
      ...database,
      HTTP_PORT: '0',
      INFERENCE_ENDPOINT_URL: world.endpointUrl,
      TRY_COOLDOWN_MS: '0',
      TRY_USER_DAILY_REQUESTS: '0',
      TRY_USER_DAILY_TOKENS: '0',
      TRY_GUILD_DAILY_REQUESTS: '0',
      TRY_GUILD_DAILY_TOKENS: '0',
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    },
    process.env.BENCH_LOG_LEVEL ? 'ignore' : 'inherit',
  );
  try {
    return await measureAll(mine, async () => hub.cpuMs());
  } finally {
    await hub.stop();
    await mine.stop();
  }
}

const runs: Array<[string, Map<string, Figures & { ackP99: number }>]> = [];
if (ENGINES.includes('sqlite'))
  runs.push(['SQLite', await measureHub({ DATABASE_PATH: join(tempDir('omh-bench-'), 'hub.sqlite') })]);
if (ENGINES.includes('postgres')) {
  const server = await startPostgresServer();
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      server.stop().finally(() => process.exit(130));
    });
  try {
    runs.push(['PostgreSQL', await measureHub({ DATABASE_URL: await postgresDatabase(server) })]);
  } finally {
    await server.stop();
  }
}

const load = loadavg().map((l) => l.toFixed(1));
console.log(
  `interactions: Open Model Hub against a bare discord.js bot, ${CONCURRENCY} in flight, each bot with its own emulator process; load average ${load.join(', ')}`,
);
console.log(
  `  both bots compiled, ${Object.entries(productionEnv())
    .map(([k, v]) => `${k}=${v} `)
    .join('')}node ${benchNodeFlags().join(' ')}, each in its own process`,
);
for (const { label } of loads) {
  const b = theirs.get(label)!;
  console.log(`  ${label}`);
  const row = (who: string, f: Figures & { ackP99: number }) =>
    `    ${who.padEnd(25)} ${f.perSecond.toFixed(0).padStart(5)}/s, p50 ${f.p50.toFixed(1)} ms, p99 ${f.p99.toFixed(1)} ms, ack p99 ${f.ackP99.toFixed(1)} ms, CPU ${f.cpuMs.toFixed(2)} ms each, failed ${f.failed}`;
  for (const [engine, ours] of runs) console.log(row(`Open Model Hub, ${engine}`, ours.get(label)!));
  console.log(row('bare bot', b));
  for (const [engine, ours] of runs) {
    const a = ours.get(label)!;
    console.log(
      `    ratio, ${engine.padEnd(17)} throughput ${(a.perSecond / b.perSecond).toFixed(2)}× (target ≥ 0.8), p99 ${(a.p99 / b.p99).toFixed(2)}×, ack p99 ${(a.ackP99 / b.ackP99).toFixed(2)}× (target ≤ 1.5)${engine === 'PostgreSQL' ? `; ack p99 ${a.ackP99.toFixed(1)} ms (target < 50)` : ''}`,
    );
  }
}
