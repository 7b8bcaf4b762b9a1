// Idea search on PostgreSQL at scale: 100,000 ideas in one server's database on a throw-away local
// server (test/support/postgres-server.ts), then p50/p99 of the similar-idea search a submission runs
// and of /idea search, both ranked with bm25 (src/ideas/search-postgres.ts). The corpus is made as
// bench/ideas.ts makes it (same generator and seed), so the figures compare with its SQLite ones.
import { sql } from 'kysely';
import { postgresKysely } from '../src/db/engine.ts';
import { migratePostgres } from '../src/db/migrate-postgres.ts';
import { PostgresIdeaSearch } from '../src/ideas/search-postgres.ts';
import { startPostgresServer } from '../test/support/postgres-server.ts';

const IDEAS = Number(process.env.BENCH_IDEAS ?? 100_000);
const SAMPLES = 500;
const GUILD = '100000000000000001';

let seed = 42;
function random(): number {
  // mulberry32, as bench/ideas.ts
  seed = (seed + 0x6d2b79f5) | 0;
  let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
  return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296;
}
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
const word = () => VOCAB[Math.floor(VOCAB.length * random() ** 3)]!;
const sentence = (n: number) => Array.from({ length: n }, word).join(' ');

async function measure(name: string, target: number, run: (i: number) => Promise<unknown>): Promise<void> {
  const times: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const started = performance.now();
    await run(i);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const at = (p: number) =>
    times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))]!.toFixed(2);
  console.log(
    `${name.padEnd(40)} p50 ${at(50).padStart(7)} ms   p99 ${at(99).padStart(7)} ms   (target p99 < ${target} ms)`,
  );
}

const server = await startPostgresServer();
// Interrupted (Ctrl-C, a timeout): stop the server and delete its folder, as a normal end does.
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    server.stop().finally(() => process.exit(130));
  });
try {
  const admin = postgresKysely(server.adminUrl);
  await sql`CREATE DATABASE omh_bench`.execute(admin);
  await admin.destroy();
  const url = new URL(server.adminUrl);
  url.pathname = '/omh_bench';
  const db = postgresKysely(url.toString(), { statementTimeoutMs: 0 });
  try {
    await migratePostgres(db);
    let started = performance.now();
    const statuses = ['new', 'new', 'new', 'accepted', 'rejected', 'needs_info', 'filed'] as const;
    for (let from = 1; from <= IDEAS; from += 1000) {
      const rows = [];
      for (let n = from; n < Math.min(from + 1000, IDEAS + 1); n++) {
        const at = new Date(Date.parse('2025-01-01T00:00:00Z') + n * 60_000).toISOString();
        rows.push({
          guild_id: GUILD,
          number: n,
          author_id: String(200_000 + (n % 20_000)),
          author_name: `member ${n % 20_000}`,
          title: sentence(6),
          problem: sentence(30),
          proposal: sentence(30),
          status: statuses[n % statuses.length],
          created_at: at,
          updated_at: at,
        });
      }
      await db.insertInto('ideas').values(rows).execute();
    }
    await sql`ANALYZE`.execute(db);
    console.log(
      `database: ${IDEAS.toLocaleString('en')} ideas in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );

    const search = new PostgresIdeaSearch(db);
    started = performance.now();
    await search.termFrequencies();
    console.log(`vocabulary (ts_stat, cached afterwards): ${(performance.now() - started).toFixed(0)} ms`);
    let similarFound = 0;
    await measure('similar-idea search (bm25, PostgreSQL)', 30, async () => {
      const found = await search.similar(GUILD, {
        title: sentence(6),
        problem: sentence(25),
        proposal: sentence(25),
      });
      if (found.length > 0) similarFound++;
    });
    await measure('search (bm25, PostgreSQL, 10 results)', 30, () =>
      search.search(GUILD, `${word()} ${word()}`, 10),
    );
    console.log(`similar ideas were found for ${similarFound} of ${SAMPLES} texts`);
  } finally {
    await db.destroy();
  }
} finally {
  await server.stop();
}
