// The bot at scale: 1,000 servers, 10,000 watches (2,000 repositories, releases and issues: 4,000
// sources) at a 1-minute interval, ten effective cycles. The bot runs as production runs it:
// compiled, plain node with `npm start`'s flags, in its own process (bench/_production.ts); the
// Discord emulator (1,000 guilds) and the GitHub emulator run in two more processes. Each tick is
// polled as the scheduled job does (spread over BENCH_SPREAD_MS of real time, default 10 s;
// production spreads over 40 s) while members run /hub status across the servers, 10 in flight.
// Time is simulated (the bot's clock is moved a minute per tick). Prints the bot's RSS per cycle
// (with its heap, external and anonymous/file split), ack p99 at idle and while polling (and their
// ratio), and sources that slipped (polled a tick or more after their slot, or left over by the
// budget). Targets (issue 11): RSS ≤ 200 MiB after ten cycles and flat from cycle 3; ack p99 while
// polling ≤ 1.5 × idle; 0 sources slipped.
// BENCH_NODE_FLAGS adds node flags to the bot's (e.g. --expose-gc, to read what survives a GC);
// BENCH_SNAPSHOT=path writes a heap snapshot of the bot after the last cycle; BENCH_ALLOCATIONS=path
// a sampling profile of its allocations over the cycles (garbage included).
import { fork } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { commands } from '../commands/index.ts';
import { forkEmulators } from './_child.ts';
import type { HubMemory } from './_hub-process.ts';
import { benchNodeFlags, productionEnv, startHub } from './_production.ts';
import { benchRepo as repo } from './_world.ts';

const GUILDS = Number(process.env.BENCH_GUILDS ?? 1000);
const WATCHES_PER_GUILD = 10;
const REPOS = Number(process.env.BENCH_REPOS ?? 2000);
const CYCLES = Number(process.env.BENCH_CYCLES ?? 10);
const SPREAD_MS = Number(process.env.BENCH_SPREAD_MS ?? 10_000);

type GitHubCommand =
  | { op: 'now'; now: number }
  | { op: 'release'; repo: string; tag: string }
  | { op: 'stop' };

async function githubProcess(): Promise<void> {
  const { GitHubEmulator } = await import('../test/support/github/emulator.ts');
  let now = Number(process.argv.at(-1));
  const github = await GitHubEmulator.start({ now: () => new Date(now), limit: 1_000_000 });
  for (let i = 0; i < REPOS; i++) github.addRepo(repo(i));
  github.enforceSecondaryLimits({ pointsPerMinute: 900, concurrency: 100 });
  process.on('disconnect', () => process.exit(0));
  process.on('message', (m: { id: number; command: GitHubCommand }) => {
    const c = m.command;
    if (c.op === 'now') now = c.now;
    else if (c.op === 'release') github.publishRelease(c.repo, { tag: c.tag, body: `Notes of ${c.tag}` });
    process.send?.({
      id: m.id,
      result: { secondaryLimited: github.secondaryLimited, requests: github.requests },
    });
  });
  process.send?.({ id: 0, result: github.baseUrl });
}

async function main(): Promise<void> {
  const startAt = Date.parse('2026-11-23T09:00:30Z');
  const gh = fork(import.meta.filename, ['--github', String(startAt)], { stdio: 'inherit' });
  const pending = new Map<number, (v: unknown) => void>();
  let nextId = 1;
  gh.on('message', (m: { id: number; result: unknown }) => {
    pending.get(m.id)?.(m.result);
    pending.delete(m.id);
  });
  const githubUrl = await new Promise<string>((resolve) => pending.set(0, resolve as (v: unknown) => void));
  const call = <T>(command: GitHubCommand) =>
    new Promise<T>((resolve) => {
      const id = nextId++;
      pending.set(id, resolve as (v: unknown) => void);
      gh.send({ id, command });
    });

  const { child: discordChild, ask } = forkEmulators(
    join(import.meta.dirname, '_discord-emulator-process.ts'),
  );
  const world = await ask<{
    apiUrl: string;
    token: string;
    applicationId: string;
    userId: string;
    guilds: Array<{ guildId: string; channelId: string }>;
  }>({ setup: commands.map((c) => c.data.toJSON()), guilds: GUILDS }, 'ready');

  const hub = await startHub({
    DISCORD_TOKEN: world.token,
    DISCORD_APPLICATION_ID: world.applicationId,
    DISCORD_API_URL: world.apiUrl,
    DATABASE_PATH: join(mkdtempSync(join(tmpdir(), 'omh-bench-scale-')), 'hub.sqlite'),
    HTTP_PORT: '0',
    GITHUB_API_URL: githubUrl,
    GITHUB_TOKEN: 'ghp_benchscale0001',
    POLL_INTERVAL_MINUTES: '1',
    LOG_LEVEL: 'warn',
    BENCH_CLOCK: new Date(startAt).toISOString(),
  });
  const { everyMinutes } = await hub.call<{ everyMinutes: number }>({
    op: 'seed',
    guilds: world.guilds,
    userId: world.userId,
    watchesPerGuild: WATCHES_PER_GUILD,
    repos: REPOS,
  });
  const afterStart = await hub.call<HubMemory>({ op: 'memory' });

  const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.99)] ?? NaN;
  const statusLoad = (durationMs: number) =>
    ask<{ latencies: number[]; failed: number }>(
      {
        run: {
          n: 1_000_000,
          durationMs,
          concurrency: 10,
          userId: world.userId,
          guildId: '',
          channelId: '',
          acrossGuilds: true,
          name: 'hub',
          subcommand: 'status',
        },
      },
      'result',
    );
  await statusLoad(3_000); // warm-up
  const idle = await statusLoad(SPREAD_MS);
  type GcStats = Record<'minor' | 'major' | 'other', { count: number; ms: number }>;
  const gcBefore = await hub.call<GcStats>({ op: 'gcStats' });
  const cpuBefore = hub.cpuMs();
  if (process.env.BENCH_ALLOCATIONS) await hub.call({ op: 'allocationsStart' });

  const mib = (n: number) => (n / 1024 / 1024).toFixed(1);
  const describe = (m: HubMemory) =>
    `rss ${mib(m.rss)} MiB (anonymous ${mib(m.anonymous)}, file ${mib(m.file)}), heap used ${mib(m.heapUsed)} of ${mib(m.heapTotal)}, external ${mib(m.external)} (array buffers ${mib(m.arrayBuffers)})`;
  const rssByCycle: number[] = [];
  const rows: string[] = [];
  const busyLatencies: number[] = [];
  let slipped = 0;
  let polled = 0;
  let posted = 0;
  let seq = 0;
  for (let cycle = 1; cycle <= CYCLES; cycle++) {
    let cyclePolled = 0;
    let cycleSlipped = 0;
    for (let minute = 0; minute < everyMinutes; minute++) {
      const now = await hub.call<number>({ op: 'advance', ms: 60_000 });
      await call({ op: 'now', now });
      // A few releases a minute, posted through the real client to the Discord emulator.
      for (let k = 0; k < 3; k++)
        await call({ op: 'release', repo: repo((seq * 7919) % REPOS), tag: `v1.${++seq}` });
      const acks = statusLoad(SPREAD_MS);
      const report = await hub.call<{ polled: number; slipped: number; delivered: number }>({
        op: 'poll',
        spreadMs: SPREAD_MS,
      });
      busyLatencies.push(...(await acks).latencies);
      cyclePolled += report.polled;
      cycleSlipped += report.slipped;
      posted += report.delivered;
    }
    polled += cyclePolled;
    slipped += cycleSlipped;
    const m = await hub.call<HubMemory>({ op: 'memory' });
    rssByCycle.push(m.rss);
    rows.push(
      `  cycle ${String(cycle).padStart(2)}: ${describe(m)}, polled ${cyclePolled}, slipped ${cycleSlipped}`,
    );
  }
  const cpuMs = hub.cpuMs() - cpuBefore;
  if (process.env.BENCH_ALLOCATIONS)
    await hub.call({ op: 'allocationsStop', path: process.env.BENCH_ALLOCATIONS });
  const gcAfter = await hub.call<GcStats>({ op: 'gcStats' });
  const gh2 = await call<{ secondaryLimited: number }>({
    op: 'now',
    now: await hub.call<number>({ op: 'advance', ms: 0 }),
  });
  const afterGc = process.env.BENCH_NODE_FLAGS?.includes('--expose-gc')
    ? await hub.call<HubMemory>({ op: 'gc' })
    : undefined;
  const spaces = await hub.call<{
    spaces: Array<{ name: string; size: number; used: number }>;
    mappings: Array<{ name: string; rss: number }>;
  }>({ op: 'spaces' });
  if (process.env.BENCH_SNAPSHOT) await hub.call({ op: 'snapshot', path: process.env.BENCH_SNAPSHOT });

  console.log(
    `scale: ${GUILDS} servers, ${GUILDS * WATCHES_PER_GUILD} watches, ${REPOS * 2} sources (releases and issues of ${REPOS} repositories), 1-minute interval → every ${everyMinutes} minutes (GitHub's budget); ${CYCLES} cycles, each tick spread over ${SPREAD_MS / 1000} s; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(', ')}`,
  );
  console.log(
    `  bot: compiled, ${Object.entries(productionEnv())
      .map(([k, v]) => `${k}=${v} `)
      .join(
        '',
      )}node ${benchNodeFlags().join(' ')}, its own process; start-up to READY ${(hub.readyMs / 1000).toFixed(2)} s`,
  );
  console.log(`  after start and seeding: ${describe(afterStart)}`);
  for (const row of rows) console.log(row);
  if (afterGc) console.log(`  after a full GC: ${describe(afterGc)}`);
  console.log(
    `  V8 spaces (committed/used MiB): ${spaces.spaces.map((s) => `${s.name.replace('_space', '')} ${mib(s.size)}/${mib(s.used)}`).join(', ')}`,
  );
  console.log(
    `  resident by mapping (MiB): ${spaces.mappings
      .slice(0, 8)
      .map((m) => `${m.name.split('/').at(-1)} ${mib(m.rss)}`)
      .join(', ')}`,
  );
  const third = rssByCycle[2] ?? Number.NaN;
  const last = rssByCycle.at(-1) ?? Number.NaN;
  console.log(
    `  rss after ${CYCLES} cycles ${mib(last)} MiB (target ≤ 200), cycle 3 → ${CYCLES}: ${last >= third ? '+' : ''}${mib(last - third)} MiB`,
  );
  const idleP99 = p99(idle.latencies);
  const busyP99 = p99(busyLatencies);
  console.log(
    `  /hub status ack p99: idle ${idleP99.toFixed(1)} ms (${idle.latencies.length}), while polling ${busyP99.toFixed(1)} ms (${busyLatencies.length}); ratio ${(busyP99 / idleP99).toFixed(2)}× (target ≤ 1.5)`,
  );
  const gc = (k: keyof GcStats) =>
    `${gcAfter[k].count - gcBefore[k].count} ${k} (${(gcAfter[k].ms - gcBefore[k].ms).toFixed(0)} ms)`;
  console.log(
    `  bot CPU over the ${CYCLES} cycles ${(cpuMs / 1000).toFixed(1)} s; GC pauses: ${gc('minor')}, ${gc('major')}, ${gc('other')}`,
  );
  console.log(
    `  polled ${polled} sources, slipped ${slipped} (target 0), posts ${posted}, GitHub secondary-limit answers ${gh2.secondaryLimited}`,
  );

  await hub.stop();
  const exited = new Promise((resolve) => discordChild.once('exit', resolve));
  discordChild.send({ stop: true });
  await exited;
  gh.disconnect();
}

if (process.argv.includes('--github')) await githubProcess();
else await main();
