// Ideas at scale: 100,000 ideas and 1,000,000 votes in one server's SQLite file, then p50/p99 of
// submit (with the similar-idea search), vote, search and the top list, and the database size.
// Runs the real services on a real file; no Discord is involved (no ideas channel is set, so
// nothing is posted), which is what isolates the database work these figures are about.
import { mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../src/clock.ts';
import { sqliteKysely } from '../src/db/engine.ts';
import { GuildSettingsStore } from '../src/db/guild-settings.ts';
import { migrate } from '../src/db/migrate.ts';
import { openDatabase } from '../src/db/open.ts';
import type { Poster } from '../src/discord/post.ts';
import { IdeaLifecycle } from '../src/ideas/lifecycle.ts';
import { IdeaMessages } from '../src/ideas/messages.ts';
import { IdeaNotifier } from '../src/ideas/notify.ts';
import { IdeaStore } from '../src/ideas/store.ts';
import { createLogger } from '../src/log.ts';

const IDEAS = Number(process.env.BENCH_IDEAS ?? 100_000);
const VOTES = Number(process.env.BENCH_VOTES ?? 1_000_000);
const SAMPLES = 500;
const GUILD = '100000000000000001';

// A deterministic generator, so two runs measure the same database.
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

// BENCH_KEEP=path keeps the generated database there (to study query plans).
const dir = mkdtempSync(join(tmpdir(), 'omh-bench-ideas-'));
const path = join(dir, 'ideas.sqlite');
try {
  const db = openDatabase(path);
  migrate(db);
  const clock = new ManualClock('2026-11-23T09:00:00Z');
  const log = createLogger({ level: 'silent' });
  const store = new IdeaStore(sqliteKysely(db), 'sqlite');
  const settings = new GuildSettingsStore(sqliteKysely(db), clock);
  const messages = new IdeaMessages({ store, poster: noDiscord, settings, log });
  const notifier = new IdeaNotifier({ store, poster: noDiscord, messages, log });
  const lifecycle = new IdeaLifecycle({ store, messages, notifier, clock, log, ideasPerHour: 5 });

  let started = performance.now();
  const insertIdea = db.prepare(`INSERT INTO ideas (guild_id, number, author_id, author_name, title, problem,
    proposal, evidence, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?)`);
  const statuses = ['new', 'new', 'new', 'accepted', 'rejected', 'needs_info', 'filed'];
  db.transaction(() => {
    for (let n = 1; n <= IDEAS; n++) {
      const at = new Date(Date.parse('2025-01-01T00:00:00Z') + n * 60_000).toISOString();
      insertIdea.run(
        GUILD,
        n,
        String(200_000 + (n % 20_000)),
        `member ${n % 20_000}`,
        sentence(6),
        sentence(30),
        sentence(30),
        statuses[n % statuses.length],
        at,
        at,
      );
    }
  })();
  const ideasSeconds = (performance.now() - started) / 1000;

  started = performance.now();
  const insertVote = db.prepare(
    'INSERT OR IGNORE INTO idea_votes (idea_id, user_id, value, voted_at) VALUES (?, ?, ?, ?)',
  );
  let cast = 0;
  db.transaction(() => {
    while (cast < VOTES) {
      // Popular ideas draw most votes, as on a real server.
      const idea = 1 + Math.floor(IDEAS * random() ** 2);
      const user = String(300_000 + Math.floor(random() * 200_000));
      const at = new Date(
        Date.parse('2026-01-01T00:00:00Z') + Math.floor(random() * 326 * 86_400_000),
      ).toISOString();
      cast += insertVote.run(idea, user, random() < 0.8 ? 1 : -1, at).changes;
    }
  })();
  db.exec(`UPDATE ideas SET
    up_count = (SELECT COUNT(*) FROM idea_votes WHERE idea_id = ideas.id AND value = 1),
    down_count = (SELECT COUNT(*) FROM idea_votes WHERE idea_id = ideas.id AND value = -1)`);
  db.exec('ANALYZE');
  const votesSeconds = (performance.now() - started) / 1000;
  console.log(
    `database: ${IDEAS.toLocaleString('en')} ideas in ${ideasSeconds.toFixed(1)} s, ${VOTES.toLocaleString('en')} votes in ${votesSeconds.toFixed(1)} s`,
  );

  // Rejected ideas (every seventh, see statuses) take no votes.
  const openIdea = () => {
    const n = 1 + Math.floor(random() * (IDEAS - 1));
    return n % statuses.length === statuses.indexOf('rejected') ? n + 1 : n;
  };
  let similarFound = 0;
  await measure('submit with similar-idea search', 20, async (i) => {
    const result = await lifecycle.submit(
      GUILD,
      { id: String(900_000 + i), name: `bench ${i}` },
      { title: sentence(6), problem: sentence(25), proposal: sentence(25), evidence: '', family: null },
    );
    if (result.kind === 'similar') similarFound++;
  });
  await measure('vote (toggle, counts, follow)', 5, (i) =>
    lifecycle.vote(GUILD, openIdea(), String(950_000 + (i % 50)), random() < 0.5 ? 1 : -1),
  );
  await measure('search (FTS5, bm25, 10 results)', 20, () =>
    lifecycle.search(GUILD, `${word()} ${word()}`, 10),
  );
  await measure('top list (first page)', 20, () => lifecycle.list(GUILD, { sort: 'top' }, 11, 0));
  await measure('top list (accepted, page 5)', 20, () =>
    lifecycle.list(GUILD, { status: 'accepted', sort: 'top' }, 11, 40),
  );
  await measure('trending list (7 days)', 20, () => lifecycle.list(GUILD, { sort: 'trending' }, 11, 0));
  await messages.settled();
  console.log(`similar ideas were shown for ${similarFound} of ${SAMPLES} submissions`);

  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  console.log(`database size: ${(statSync(path).size / 1024 / 1024).toFixed(1)} MiB`);
  if (process.env.BENCH_KEEP) renameSync(path, process.env.BENCH_KEEP);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
