// Open Model Hub in its own process for benchmarks, compiled as production compiles it and run by
// plain node with `npm start`'s flags (bench/_production.ts), so a figure is the production build's.
// Settings come from the environment, as `npm start` reads them; BENCH_CLOCK (ISO time) gives the
// bot a clock the benchmark moves. Scheduled jobs stay off: the benchmark runs the poll itself.
// Protocol (process IPC): the child sends { ready: { readyMs } }; then each { id, op, … } from the
// parent is answered with { id, result }.
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';
import { startApp } from '../src/app.ts';
import { ManualClock, systemClock } from '../src/clock.ts';
import { loadConfig } from '../src/config.ts';
import { benchRepo } from './_world.ts';

export type HubRequest =
  | {
      op: 'seed';
      /** Each guild (with its channel) follows `watchesPerGuild` of `repos` repositories. */
      guilds: Array<{ guildId: string; channelId: string }>;
      userId: string;
      watchesPerGuild: number;
      repos: number;
    }
  | { op: 'advance'; ms: number }
  | { op: 'poll'; spreadMs: number }
  | { op: 'memory' }
  | { op: 'cpu' }
  | { op: 'gc' }
  | { op: 'spaces' }
  | { op: 'gcStats' }
  | { op: 'allocationsStart' }
  | { op: 'allocationsStop'; path: string }
  | { op: 'snapshot'; path: string }
  | { op: 'stop' };

export interface HubMemory {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /** From /proc/self/smaps_rollup, in bytes: resident anonymous memory and resident file pages. */
  anonymous: number;
  file: number;
}

// The time the main thread spent in garbage collection, by kind (minor: scavenges; major: mark-compact).
const gcPauses = { minor: { count: 0, ms: 0 }, major: { count: 0, ms: 0 }, other: { count: 0, ms: 0 } };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
    const bucket = kind === 1 ? gcPauses.minor : kind === 4 ? gcPauses.major : gcPauses.other;
    bucket.count++;
    bucket.ms += entry.duration;
  }
}).observe({ entryTypes: ['gc'] });

const clock = process.env.BENCH_CLOCK ? new ManualClock(process.env.BENCH_CLOCK) : undefined;
const startedAt = performance.now();
const app = await startApp(loadConfig(), { clock: clock ?? systemClock, schedule: false });
const readyMs = performance.now() - startedAt;

function memory(): HubMemory {
  const m = process.memoryUsage();
  const kb = (name: string, text: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
  const rollup = readFileSync('/proc/self/smaps_rollup', 'utf8');
  const anonymous = kb('Anonymous', rollup);
  return {
    rss: m.rss,
    heapUsed: m.heapUsed,
    heapTotal: m.heapTotal,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    anonymous,
    file: kb('Rss', rollup) - anonymous,
  };
}

/** Resident bytes per mapped file (or [heap], [anon], [stack]) from /proc/self/smaps, largest first. */
function residentByMapping(): Array<{ name: string; rss: number }> {
  const byName = new Map<string, number>();
  let name = '';
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) name = head[1] || '[anon]';
    else if (line.startsWith('Rss:'))
      byName.set(name, (byName.get(name) ?? 0) + Number(line.split(/\s+/)[1]) * 1024);
  }
  return [...byName]
    .map(([name, rss]) => ({ name, rss }))
    .filter((m) => m.rss > 512 * 1024)
    .sort((a, b) => b.rss - a.rss);
}

async function seed(r: Extract<HubRequest, { op: 'seed' }>): Promise<{ everyMinutes: number }> {
  const { store, tracker } = app.hub.tracking;
  const at = (clock ?? systemClock).now().toISOString();
  // Watches already running (baselines taken), each guild following its share of the repositories.
  await store.transaction(async (store) => {
    for (const [g, { guildId, channelId }] of r.guilds.entries()) {
      for (let w = 0; w < r.watchesPerGuild; w++) {
        const target = benchRepo((g * r.watchesPerGuild + w) % r.repos);
        const key = target.toLowerCase();
        await store.insertWatch({
          guildId,
          channelId,
          source: 'github',
          target,
          targetKey: key,
          kinds: 'both',
          prereleases: 'include',
          labels: [],
          preset: null,
          createdAt: at,
          createdBy: r.userId,
        });
        for (const kind of ['releases', 'issues'] as const) {
          await store.ensureSource('github', key, kind, target, at);
          await store.updateSource(
            { source: 'github', targetKey: key, kind },
            {
              baselineAt: at,
              cursor:
                kind === 'issues' ? JSON.stringify({ from: at, number: 0, seen: at, since: null }) : null,
            },
          );
        }
      }
    }
  });
  const now = Date.parse(at);
  // The plan is read before the transaction: on SQLite, a query outside it would wait for it.
  await tracker.freshness();
  await store.transaction(async (store) => {
    for (const state of await store.dueSources(at))
      await store.updateSource(state, { nextPollAt: await tracker.nextSlot(state, now) });
  });
  const freshness = await tracker.freshness();
  return { everyMinutes: Math.max(...freshness.map((f) => f.everyMinutes)) };
}

let profiler: Session | undefined;

async function answer(r: HubRequest): Promise<unknown> {
  switch (r.op) {
    case 'seed':
      return seed(r);
    case 'advance':
      clock?.advance(r.ms);
      return (clock ?? systemClock).now().getTime();
    case 'poll': {
      const report = await app.hub.tracking.tracker.pollDueSources({ spreadMs: r.spreadMs });
      return { polled: report.polled, slipped: report.late + report.overBudget, delivered: report.delivered };
    }
    case 'memory':
      return memory();
    case 'cpu': {
      const c = process.cpuUsage();
      return (c.user + c.system) / 1000;
    }
    case 'gc':
      // Only with --expose-gc (BENCH_NODE_FLAGS); a figure taken after it says what is still held.
      (globalThis as { gc?: () => void }).gc?.();
      return memory();
    case 'spaces':
      // What the V8 heap holds, space by space (committed, used), and the resident memory by mapping.
      return {
        spaces: getHeapSpaceStatistics().map((s) => ({
          name: s.space_name,
          size: s.space_size,
          used: s.space_used_size,
        })),
        mappings: residentByMapping(),
      };
    case 'gcStats':
      return structuredClone(gcPauses);
    case 'allocationsStart':
      // A sampling profile of every allocation, the garbage included: what makes the heap grow.
      profiler ??= new Session();
      profiler.connect();
      await profiler.post('HeapProfiler.startSampling', {
        samplingInterval: 64 * 1024,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      });
      return null;
    case 'allocationsStop': {
      const { profile } = await profiler!.post('HeapProfiler.stopSampling');
      writeFileSync(r.path, JSON.stringify(profile));
      profiler!.disconnect();
      return r.path;
    }
    case 'snapshot':
      return writeHeapSnapshot(r.path);
    case 'stop':
      await app.shutdown('bench done');
      setImmediate(() => process.exit(0));
      return null;
  }
}

process.on('message', (m: { id: number } & HubRequest) => {
  answer(m).then(
    (result) => process.send?.({ id: m.id, result }),
    (error: Error) => process.send?.({ id: m.id, error: error.stack ?? error.message }),
  );
});
process.send?.({ ready: { readyMs } });
