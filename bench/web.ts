// The web board at 100,000 ideas: requests per second and latency of /g/<id>/ideas, served by the
// real board app on @hono/node-server (one Node process, hence one core), with the load generated
// from another process (bench/_web-load.ts). Target: p99 < 50 ms.
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { ManualClock } from '../src/clock.ts';
import { sqliteKysely } from '../src/db/engine.ts';
import { GuildSettingsStore } from '../src/db/guild-settings.ts';
import { migrate } from '../src/db/migrate.ts';
import { openDatabase } from '../src/db/open.ts';
import type { Poster } from '../src/discord/post.ts';
import { IdeaLifecycle } from '../src/ideas/lifecycle.ts';
import { IdeaMessages } from '../src/ideas/messages.ts';
import { IdeaNotifier } from '../src/ideas/notify.ts';
import { discussionLink } from '../src/ideas/render.ts';
import { IdeaStore } from '../src/ideas/store.ts';
import { createLogger } from '../src/log.ts';
import { TrackingStore } from '../src/tracking/store.ts';
import { createBoardApp } from '../src/web/app.tsx';
import { DigestArchive } from '../src/web/archive.ts';
import { BoardReader } from '../src/web/board.ts';
import { WebBoardStore } from '../src/web/boards.ts';
import { trackChanges } from '../src/web/setup.ts';
import { forkEmulators } from './_child.ts';

const IDEAS = Number(process.env.BENCH_IDEAS ?? 100_000);
const VOTES = Number(process.env.BENCH_VOTES ?? 300_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 3_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const GUILD = '100000000000000001';

let seed = 7;
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
  return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296;
}
const WORDS =
  'attention window grouped query expert routing rotary cache quantisation sparse kernel decoding'.split(' ');
const sentence = (n: number) =>
  Array.from({ length: n }, () => WORDS[Math.floor(random() * WORDS.length)]).join(' ');
const noDiscord: Poster = new Proxy({} as Poster, {
  get: () => () => Promise.reject(new Error('the benchmark posts nothing to Discord')),
});
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

const dir = mkdtempSync(join(tmpdir(), 'omh-bench-web-'));
const load = forkEmulators(join(import.meta.dirname, '_web-load.ts'));
let server: ReturnType<typeof serve> | undefined;
try {
  const db = openDatabase(join(dir, 'web.sqlite'));
  migrate(db);
  const clock = new ManualClock('2026-11-23T09:00:00Z');
  const log = createLogger({ level: 'silent' });
  const store = new IdeaStore(sqliteKysely(db), 'sqlite');
  const settings = new GuildSettingsStore(sqliteKysely(db), clock);
  const messages = new IdeaMessages({ store, poster: noDiscord, settings, log });
  const notifier = new IdeaNotifier({ store, poster: noDiscord, messages, log });
  const lifecycle = new IdeaLifecycle({ store, messages, notifier, clock, log, ideasPerHour: 5 });

  const insertIdea =
    db.prepare(`INSERT INTO ideas (guild_id, number, author_id, author_name, family, title, problem,
    proposal, evidence, status, status_reason, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?)`);
  const statuses = ['new', 'new', 'new', 'accepted', 'rejected', 'needs_info', 'filed'];
  const families = ['granite', 'llama', 'mistral', null];
  db.transaction(() => {
    for (let n = 1; n <= IDEAS; n++) {
      const at = new Date(Date.parse('2025-01-01T00:00:00Z') + n * 60_000).toISOString();
      const status = statuses[n % statuses.length]!;
      insertIdea.run(
        GUILD,
        n,
        String(200_000 + (n % 20_000)),
        `member ${n % 20_000}`,
        families[n % 4],
        sentence(8),
        sentence(30),
        sentence(30),
        status,
        status === 'rejected' ? 'Not for now.' : null,
        at,
        at,
      );
    }
  })();
  const insertVote = db.prepare(
    'INSERT OR IGNORE INTO idea_votes (idea_id, user_id, value, voted_at) VALUES (?, ?, ?, ?)',
  );
  db.transaction(() => {
    for (let i = 0; i < VOTES; i++) {
      const at = new Date(
        Date.parse('2026-06-01T00:00:00Z') + Math.floor(random() * 175 * 86_400_000),
      ).toISOString();
      insertVote.run(
        1 + Math.floor(IDEAS * random() ** 2),
        String(300_000 + Math.floor(random() * 100_000)),
        random() < 0.8 ? 1 : -1,
        at,
      );
    }
  })();
  db.exec(`UPDATE ideas SET
    up_count = (SELECT COUNT(*) FROM idea_votes WHERE idea_id = ideas.id AND value = 1),
    down_count = (SELECT COUNT(*) FROM idea_votes WHERE idea_id = ideas.id AND value = -1)`);
  db.exec('ANALYZE');
  const boards = new WebBoardStore(sqliteKysely(db), clock);
  await boards.setVisibility(GUILD, 'public', 'bench');
  const makeApp = (cached: boolean) =>
    createBoardApp({
      baseUrl: 'https://hub.example.org',
      boards,
      reader: new BoardReader({
        ideas: { lifecycle, store },
        tracking: new TrackingStore(sqliteKysely(db)),
        archive: new DigestArchive(sqliteKysely(db)),
        clock,
      }),
      ports: { guild: () => ({ name: 'Bench server', iconUrl: null }) },
      discussionLink,
      clock,
      log,
      // One load generator is one address: without this the search row would measure 429 pages.
      searchLimit: { capacity: 1e9, refillPerSecond: 1e9 },
      ...(cached ? tracked : {}),
    });
  const tracked = trackChanges({ sqlite: db, kdb: sqliteKysely(db) });
  console.log(
    `database: ${IDEAS.toLocaleString('en')} ideas, ${VOTES.toLocaleString('en')} votes; ${CONCURRENCY} requests in flight; load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores`,
  );
  const run = async (name: string, urls: string[]) => {
    type Result = { latencies: number[]; seconds: number; failures: number };
    await load.ask<Result>({ run: { urls, requests: 200, concurrency: CONCURRENCY } }, 'result'); // warm-up
    const r = await load.ask<Result>(
      { run: { urls, requests: REQUESTS, concurrency: CONCURRENCY } },
      'result',
    );
    const rps = (r.latencies.length / r.seconds).toFixed(0);
    console.log(
      `${name.padEnd(48)} ${rps.padStart(6)} req/s   p50 ${percentile(r.latencies, 50).toFixed(2).padStart(6)} ms   p99 ${percentile(r.latencies, 99).toFixed(2).padStart(6)} ms   (target p99 < 50 ms)${r.failures ? `   ${r.failures} non-200 answers` : ''}`,
    );
  };
  // First as the bot serves it (pages rebuilt only after a database write; this run has none),
  // then with every request querying and rendering: the cost of a view right after a vote.
  for (const cached of [true, false]) {
    const app = makeApp(cached);
    const port = await new Promise<number>((resolve) => {
      server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) =>
        resolve(info.port),
      );
    });
    const base = `http://127.0.0.1:${port}/g/${GUILD}/ideas`;
    const tag = cached ? '' : ' uncached';
    await run(`/ideas (top, first page)${tag}`, [base]);
    await run(`/ideas mixed sorts/statuses/families/pages${tag}`, [
      `${base}?sort=new&page=3`,
      `${base}?status=accepted&page=10`,
      `${base}?family=llama&sort=top&page=2`,
      `${base}?sort=trending`,
      `${base}?status=rejected&sort=new&page=50`,
    ]);
    await run(`/ideas?q= full-text search${tag}`, [
      `${base}?q=rotary+kernel`,
      `${base}?q=sparse+expert+routing`,
    ]);
    const s = server!;
    await new Promise<void>((resolve) => s.close(() => resolve()));
    server = undefined;
  }
} finally {
  load.child.kill();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  rmSync(dir, { recursive: true, force: true });
}
