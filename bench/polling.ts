// What one poll costs the bot: 4,000 unchanged repositories (every answer a 304), 16 at a time,
// against the GitHub emulator in a child process, read four ways —
//   fetch:    a plain conditional fetch of the URL (the floor);
//   octokit:  the shared Octokit (throttling, retry, hooks), as polling used before;
//   client:   src/github/poll-client.ts (the poller's client), through fetchReleases;
//   tracker:  a whole Tracker tick (schedule, budget, database writes in batches);
//   worker:   the shared Octokit in a worker thread, results posted back (the other design issue 11 names).
// Prints the bot process's CPU per source (every thread), the main thread's busy time per source
// (event-loop utilisation: what interactions compete with), wall time, and the ratio to fetch.
import { fork } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { ManualClock } from '../src/clock.ts';
import { sqliteKysely } from '../src/db/engine.ts';
import { migrate } from '../src/db/migrate.ts';
import { openDatabase } from '../src/db/open.ts';
import { createGitHub } from '../src/github/client.ts';
import { createPollClient } from '../src/github/poll-client.ts';
import { createLogger } from '../src/log.ts';
import { fetchReleases } from '../src/tracking/github-source.ts';
import { TrackingStore } from '../src/tracking/store.ts';
import { Tracker } from '../src/tracking/tracker.ts';

const SOURCES = Number(process.env.BENCH_SOURCES ?? 4000);
const CONCURRENCY = 16;
const ROUNDS = 3;
const repo = (i: number) => `org${i % 97}/model-${i}`;

async function emulatorProcess(): Promise<void> {
  const { GitHubEmulator } = await import('../test/support/github/emulator.ts');
  const github = await GitHubEmulator.start({ limit: 1_000_000 });
  for (let i = 0; i < SOURCES; i++) github.addRepo(repo(i));
  process.on('disconnect', () => process.exit(0));
  process.send?.({ baseUrl: github.baseUrl });
}

async function pool(n: number, work: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < n; i = next++) await work(i);
    }),
  );
}

async function etagsOf(baseUrl: string): Promise<string[]> {
  const etags: string[] = [];
  await pool(SOURCES, async (i) => {
    const r = await fetch(`${baseUrl}/repos/${repo(i)}/releases?per_page=30`);
    await r.text();
    etags[i] = r.headers.get('etag') ?? '';
  });
  return etags;
}

// The worker design: the thread owns its Octokit, polls, and posts each result back.
async function workerThread(): Promise<void> {
  const { baseUrl, etags } = workerData as { baseUrl: string; etags: string[] };
  const github = createGitHub({ baseUrl, log: createLogger({ level: 'silent' }), throttleId: 'worker' });
  parentPort?.on('message', async () => {
    await pool(SOURCES, async (i) => {
      const result = await fetchReleases(github, repo(i), etags[i]!);
      parentPort?.postMessage({ i, status: result.status });
    });
    parentPort?.postMessage({ done: true });
  });
}

async function main(): Promise<void> {
  const child = fork(import.meta.filename, ['--emulator'], { stdio: 'inherit' });
  const { baseUrl } = await new Promise<{ baseUrl: string }>((resolve) => child.once('message', resolve));
  const etags = await etagsOf(baseUrl);
  const log = createLogger({ level: 'silent' });
  const octokit = createGitHub({ baseUrl, log, throttleId: 'bench-polling' });
  const client = createPollClient({ baseUrl });

  const clock = new ManualClock('2026-11-23T09:00:30Z');
  const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'omh-bench-')), 'bench.sqlite'));
  migrate(db);
  const store = new TrackingStore(sqliteKysely(db));
  const at = clock.now().toISOString();
  await store.transaction(async (store) => {
    for (let i = 0; i < SOURCES; i++) {
      await store.ensureSource('github', repo(i), 'releases', repo(i), at);
      await store.updateSource(
        { source: 'github', targetKey: repo(i), kind: 'releases' },
        { baselineAt: at, etag: etags[i]! },
      );
    }
  });
  const tracker = new Tracker({
    store,
    github: octokit,
    pollGitHub: client,
    hubSource: { latestModels: async () => [], findOwner: async () => null },
    poster: undefined as never,
    clock,
    log,
    intervalMinutes: 1,
    hubWebUrl: 'https://huggingface.co',
    // Everything due at once, however many: this bench measures cost, not the budget.
    githubBudgetPercent: 100_000,
  });

  const worker = new Worker(new URL('./_worker.mjs', import.meta.url), {
    workerData: { module: import.meta.url, baseUrl, etags },
  });
  const runWorker = () =>
    new Promise<undefined>((resolve) => {
      const on = (m: { done?: boolean }) => {
        if (m.done) {
          worker.off('message', on);
          resolve(undefined);
        }
      };
      worker.on('message', on);
      worker.postMessage('go');
    });

  const ways: Record<string, () => Promise<undefined>> = {
    fetch: () =>
      pool(SOURCES, async (i) => {
        const r = await fetch(`${baseUrl}/repos/${repo(i)}/releases?per_page=30`, {
          headers: { 'if-none-match': etags[i]! },
        });
        await r.text();
      }).then(() => undefined),
    octokit: () => pool(SOURCES, (i) => fetchReleases(octokit, repo(i), etags[i]!)).then(() => undefined),
    client: () => pool(SOURCES, (i) => fetchReleases(client, repo(i), etags[i]!)).then(() => undefined),
    tracker: async () => {
      clock.advance(60_000);
      db.prepare('UPDATE source_state SET next_poll_at = ?').run(clock.now().toISOString());
      const report = await tracker.pollDueSources();
      if (report.notModified !== SOURCES) throw new Error(`tracker polled ${JSON.stringify(report)}`);
      return undefined;
    },
    worker: runWorker,
  };
  const results: Record<string, { cpu: number; wall: number; busy: number }> = {};
  for (let round = 0; round <= ROUNDS; round++) {
    for (const [name, run] of Object.entries(ways)) {
      const cpuBefore = process.cpuUsage();
      const eluBefore = performance.eventLoopUtilization();
      const started = performance.now();
      await run();
      const wall = performance.now() - started;
      const cpu = process.cpuUsage(cpuBefore);
      const busy = performance.eventLoopUtilization(eluBefore).active;
      // Round 0 warms up (JIT, connections); the others are averaged.
      if (round === 0) continue;
      results[name] ??= { cpu: 0, wall: 0, busy: 0 };
      const r = results[name];
      r.cpu += (cpu.user + cpu.system) / 1000 / ROUNDS;
      r.wall += wall / ROUNDS;
      r.busy += busy / ROUNDS;
    }
  }
  const floor = results.fetch!.cpu / SOURCES;
  console.log(
    `polling: ${SOURCES} unchanged repositories (304s), ${CONCURRENCY} at a time, GitHub emulator in a child process, mean of ${ROUNDS} rounds after one warm-up`,
  );
  for (const [name, r] of Object.entries(results)) {
    const perSource = r.cpu / SOURCES;
    console.log(
      `  ${name.padEnd(8)} bot CPU per source ${perSource.toFixed(3)} ms (${(perSource / floor).toFixed(1)}× fetch), main thread busy ${(r.busy / SOURCES).toFixed(3)} ms; wall ${(r.wall / 1000).toFixed(2)} s per pass`,
    );
  }
  console.log('  targets: tracker ≤ 3× fetch per source (issue 11)');
  await worker.terminate();
  child.disconnect();
  db.close();
}

if (!isMainThread) await workerThread();
else if (process.argv.includes('--emulator')) await emulatorProcess();
else await main();
