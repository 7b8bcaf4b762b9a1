// Ideas at scale: 100,000 ideas and 1,000,000 votes in one server, on SQLite (a real file) and on
// PostgreSQL (a throw-away local server, test/support/postgres-server.ts), then p50/p99 of submit
// (with the similar-idea search), vote, the similar-idea search alone, search and the lists, and the
// database size. Both engines get the same corpus (same generator, same seed) and run the real
// services; no Discord is involved (no ideas channel is set, so nothing is posted), which is what
// isolates the database work these figures are about. BENCH_ENGINES=sqlite or =postgres runs one.
import { mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import { ManualClock } from '../src/clock.ts';
import { postgresKysely, sqliteKysely } from '../src/db/engine.ts';
import type { GuildSettingsStore } from '../src/db/guild-settings.ts';
import { migrate } from '../src/db/migrate.ts';
import { migratePostgres } from '../src/db/migrate-postgres.ts';
import { type Db, openDatabase } from '../src/db/open.ts';
import type { DB } from '../src/db/schema.ts';
import type { Poster } from '../src/discord/post.ts';
import { IdeaLifecycle } from '../src/ideas/lifecycle.ts';
import { IdeaMessages } from '../src/ideas/messages.ts';
import { IdeaNotifier } from '../src/ideas/notify.ts';
import { IdeaStore } from '../src/ideas/store.ts';
import { createLogger } from '../src/log.ts';
import { startPostgresServer } from '../test/support/postgres-server.ts';

const IDEAS = Number(process.env.BENCH_IDEAS ?? 100_000);
const VOTES = Number(process.env.BENCH_VOTES ?? 1_000_000);
const ENGINES = (process.env.BENCH_ENGINES ?? 'sqlite,postgres').split(',');
const SAMPLES = 500;
const GUILD = '100000000000000001';

// A deterministic generator, so two runs (and both engines) measure the same database.
let seed = 42;
function random(): number {
  // mulberry32
  seed = (seed + 0x6d2b79f5) | 0;
  let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
  return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296;
}
// A vocabulary with a long tail, like real text: a few words are everywhere, most are rare.
const ROOTS = `attention window sliding grouped query head expert mixture routing rotary embedding scaling
  context long short memory cache quantisation quantization int4 int8 fp8 sparse dense layer norm residual
  tokenizer vocabulary byte fallback merge distillation teacher student speculative decoding draft latency
  throughput batch kernel fused flash linear state space recurrent convolution gating swiglu gelu activation
  dropout regularisation curriculum data mix synthetic math code reasoning chain alignment reward preference
  dpo rlhf instruction tuning adapter lora prefix prompt retrieval augmentation benchmark evaluation
  perplexity loss schedule warmup cosine learning rate optimizer adam muon shampoo weight decay precision
  pipeline tensor parallel sharding offload checkpoint activation recompute moe capacity factor balance`
  .split(/\s+/)
  .filter(Boolean);
const VOCAB = Array.from(
  { length: 5000 },
  (_, i) => `${ROOTS[i % ROOTS.length]}${i < ROOTS.length ? '' : i}`,
);
function word(): string {
  return VOCAB[Math.floor(VOCAB.length * random() ** 3)]!;
}
function sentence(n: number): string {
  return Array.from({ length: n }, word).join(' ');
}

const noDiscord: Poster = new Proxy({} as Poster, {
  get: () => () => Promise.reject(new Error('the benchmark posts nothing to Discord')),
});
// No server has an ideas channel: submissions are saved and not posted.
const noChannels = { get: () => ({ ideasChannelId: null }) } as unknown as GuildSettingsStore;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function measure(name: string, target: number, run: (i: number) => unknown): Promise<void> {
  const times: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const started = performance.now();
    await run(i);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const p50 = percentile(times, 50).toFixed(2);
  const p99 = percentile(times, 99).toFixed(2);
  console.log(
    `${name.padEnd(34)} p50 ${p50.padStart(7)} ms   p99 ${p99.padStart(7)} ms   (target p99 < ${target} ms)`,
  );
}

const STATUSES = ['new', 'new', 'new', 'accepted', 'rejected', 'needs_info', 'filed'] as const;

interface IdeaRow {
  number: number;
  author: string;
  title: string;
  problem: string;
  proposal: string;
  status: (typeof STATUSES)[number];
  at: string;
}

/** The corpus, the same for every engine: ideas, then votes (idea number, user, value, time). */
function* ideaRows(): Generator<IdeaRow> {
  seed = 42;
  for (let n = 1; n <= IDEAS; n++) {
    const at = new Date(Date.parse('2025-01-01T00:00:00Z') + n * 60_000).toISOString();
    const title = sentence(6);
    const problem = sentence(30);
    const proposal = sentence(30);
    yield {
      number: n,
      author: String(200_000 + (n % 20_000)),
      title,
      problem,
      proposal,
      status: STATUSES[n % 7]!,
      at,
    };
  }
}
function* voteRows(): Generator<[number, string, 1 | -1, string]> {
  // One vote per member per idea, as the table allows: a repeat pair is drawn again.
  const seen = new Set<string>();
  while (seen.size < VOTES) {
    // Popular ideas draw most votes, as on a real server.
    const idea = 1 + Math.floor(IDEAS * random() ** 2);
    const user = String(300_000 + Math.floor(random() * 200_000));
    const at = new Date(
      Date.parse('2026-01-01T00:00:00Z') + Math.floor(random() * 326 * 86_400_000),
    ).toISOString();
    const value = random() < 0.8 ? 1 : -1;
    const key = `${idea}:${user}`;
    if (seen.has(key)) continue;
    seen.add(key);
    yield [idea, user, value, at];
  }
}

function loadSqlite(db: Db): void {
  const insertIdea =
    db.prepare(`INSERT INTO ideas (id, guild_id, number, author_id, author_name, title, problem,
    proposal, evidence, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?)`);
  db.transaction(() => {
    for (const r of ideaRows())
      insertIdea.run(
        r.number,
        GUILD,
        r.number,
        r.author,
        `member ${r.author}`,
        r.title,
        r.problem,
        r.proposal,
        r.status,
        r.at,
        r.at,
      );
  })();
  const insertVote = db.prepare(
    'INSERT OR IGNORE INTO idea_votes (idea_id, user_id, value, voted_at) VALUES (?, ?, ?, ?)',
  );
  db.transaction(() => {
    for (const v of voteRows()) insertVote.run(...v);
  })();
  db.exec(`UPDATE ideas SET
    up_count = (SELECT COUNT(*) FROM idea_votes WHERE idea_id = ideas.id AND value = 1),
    down_count = (SELECT COUNT(*) FROM idea_votes WHERE idea_id = ideas.id AND value = -1)`);
  db.exec('ANALYZE');
}

async function loadPostgres(db: Kysely<DB>): Promise<void> {
  const chunk = <T>(rows: Iterable<T>, size: number) => {
    const out: T[][] = [[]];
    for (const r of rows) {
      if (out.at(-1)!.length === size) out.push([]);
      out.at(-1)!.push(r);
    }
    return out;
  };
  for (const rows of chunk(ideaRows(), 5_000))
    await sql`INSERT INTO ideas (id, guild_id, number, author_id, author_name, title, problem, proposal, status, created_at, updated_at)
      SELECT n, ${GUILD}, n, a, 'member ' || a, t, p, q, s, c, c
      FROM unnest(${rows.map((r) => r.number)}::bigint[], ${rows.map((r) => r.author)}::text[],
        ${rows.map((r) => r.title)}::text[], ${rows.map((r) => r.problem)}::text[], ${rows.map((r) => r.proposal)}::text[],
        ${rows.map((r) => r.status)}::text[], ${rows.map((r) => r.at)}::text[]) AS u(n, a, t, p, q, s, c)`.execute(
      db,
    );
  // Ids were given explicitly (as on SQLite): the identity continues after them.
  await sql`SELECT setval(pg_get_serial_sequence('ideas', 'id'), ${IDEAS})`.execute(db);
  for (const rows of chunk(voteRows(), 20_000))
    await sql`INSERT INTO idea_votes (idea_id, user_id, value, voted_at)
      SELECT * FROM unnest(${rows.map((v) => v[0])}::bigint[], ${rows.map((v) => v[1])}::text[],
        ${rows.map((v) => v[2])}::int[], ${rows.map((v) => v[3])}::text[])
      ON CONFLICT DO NOTHING`.execute(db);
  await sql`UPDATE ideas i SET up_count = v.up, down_count = v.down FROM (
      SELECT idea_id, count(*) FILTER (WHERE value = 1) AS up, count(*) FILTER (WHERE value = -1) AS down
      FROM idea_votes GROUP BY idea_id) v WHERE v.idea_id = i.id`.execute(db);
  await sql`VACUUM ANALYZE`.execute(db);
}

async function run(label: string, db: Kysely<DB>, engine: 'sqlite' | 'postgres'): Promise<void> {
  const clock = new ManualClock('2026-11-23T09:00:00Z');
  const log = createLogger({ level: 'silent' });
  const store = new IdeaStore(db, engine);
  const messages = new IdeaMessages({ store, poster: noDiscord, settings: noChannels, log });
  const notifier = new IdeaNotifier({ store, poster: noDiscord, messages, log });
  const lifecycle = new IdeaLifecycle({ store, messages, notifier, clock, log, ideasPerHour: 5 });
  // The measurements draw from the generator too: the same sequence on both engines.
  seed = 4242;
  // Rejected ideas (every seventh, see STATUSES) take no votes.
  const openIdea = () => {
    const n = 1 + Math.floor(random() * (IDEAS - 1));
    return n % STATUSES.length === STATUSES.indexOf('rejected') ? n + 1 : n;
  };
  let started = performance.now();
  await store.search.termFrequencies();
  console.log(
    `${label}: vocabulary read in ${(performance.now() - started).toFixed(0)} ms (cached afterwards)`,
  );
  started = performance.now();
  let similarFound = 0;
  await measure(`submit with similar-idea search`, 20, async (i) => {
    const result = await lifecycle.submit(
      GUILD,
      { id: String(900_000 + i), name: `bench ${i}` },
      { title: sentence(6), problem: sentence(25), proposal: sentence(25), evidence: '', family: null },
    );
    if (result.kind === 'similar') similarFound++;
  });
  await measure('similar-idea search', 30, () =>
    lifecycle.similar(GUILD, { title: sentence(6), problem: sentence(25), proposal: sentence(25) }),
  );
  await measure('vote (toggle, counts, follow)', engine === 'postgres' ? 10 : 5, (i) =>
    lifecycle.vote(GUILD, openIdea(), String(950_000 + (i % 50)), random() < 0.5 ? 1 : -1),
  );
  await measure('search (bm25, 10 results)', engine === 'postgres' ? 30 : 20, () =>
    lifecycle.search(GUILD, `${word()} ${word()}`, 10),
  );
  await measure('top list (first page)', 20, () => lifecycle.list(GUILD, { sort: 'top' }, 11, 0));
  await measure('top list (accepted, page 5)', 20, () =>
    lifecycle.list(GUILD, { status: 'accepted', sort: 'top' }, 11, 40),
  );
  await measure('trending list (7 days)', 20, () => lifecycle.list(GUILD, { sort: 'trending' }, 11, 0));
  await messages.settled();
  await notifier.settled();
  console.log(`similar ideas were shown for ${similarFound} of ${SAMPLES} submissions`);
}

async function sqliteBench(): Promise<void> {
  // BENCH_KEEP=path keeps the generated SQLite database there (to study query plans).
  const dir = mkdtempSync(join(tmpdir(), 'omh-bench-ideas-'));
  const path = join(dir, 'ideas.sqlite');
  try {
    const db = openDatabase(path);
    migrate(db);
    const started = performance.now();
    loadSqlite(db);
    console.log(
      `\nSQLite: ${IDEAS.toLocaleString('en')} ideas and ${VOTES.toLocaleString('en')} votes loaded in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    await run('SQLite', sqliteKysely(db), 'sqlite');
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    console.log(`database size: ${(statSync(path).size / 1024 / 1024).toFixed(1)} MiB`);
    if (process.env.BENCH_KEEP) renameSync(path, process.env.BENCH_KEEP);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function postgresBench(): Promise<void> {
  const server = await startPostgresServer();
  // Interrupted (Ctrl-C, a timeout): stop the server and delete its folder, as a normal end does.
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      server.stop().finally(() => process.exit(130));
    });
  try {
    const admin = postgresKysely(server.adminUrl);
    await sql`CREATE DATABASE omh_bench_ideas`.execute(admin);
    await admin.destroy();
    const url = new URL(server.adminUrl);
    url.pathname = '/omh_bench_ideas';
    const db = postgresKysely(url.toString(), { statementTimeoutMs: 0 });
    try {
      await migratePostgres(db);
      const started = performance.now();
      await loadPostgres(db);
      console.log(
        `\nPostgreSQL: ${IDEAS.toLocaleString('en')} ideas and ${VOTES.toLocaleString('en')} votes loaded in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
      await run('PostgreSQL', db, 'postgres');
      const { rows } = await sql<{
        size: number;
      }>`SELECT pg_database_size(current_database())::bigint AS size`.execute(db);
      console.log(`database size: ${(rows[0]!.size / 1024 / 1024).toFixed(1)} MiB`);
    } finally {
      await db.destroy();
    }
  } finally {
    await server.stop();
  }
}

if (ENGINES.includes('sqlite')) await sqliteBench();
if (ENGINES.includes('postgres')) await postgresBench();
