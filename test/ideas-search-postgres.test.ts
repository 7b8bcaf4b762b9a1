// The similar-ideas prompt and /idea search rank the same ideas on PostgreSQL as on SQLite's FTS5:
// the same ideas go into both (SQLite through the real IdeaStore, PostgreSQL through its migrated
// schema), and the same texts must bring up the same ideas, in the same order.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.ts';
import { postgresKysely, sqliteKysely } from '../src/db/engine.ts';
import { GuildSettingsStore } from '../src/db/guild-settings.ts';
import { migrate } from '../src/db/migrate.ts';
import { migratePostgres } from '../src/db/migrate-postgres.ts';
import { type Db, openDatabase } from '../src/db/open.ts';
import type { DB } from '../src/db/schema.ts';
import type { Poster } from '../src/discord/post.ts';
import { IdeaLifecycle } from '../src/ideas/lifecycle.ts';
import { IdeaMessages } from '../src/ideas/messages.ts';
import { IdeaNotifier } from '../src/ideas/notify.ts';
import { terms } from '../src/ideas/search.ts';
import { PostgresIdeaSearch } from '../src/ideas/search-postgres.ts';
import { IdeaStore } from '../src/ideas/store.ts';
import { createLogger } from '../src/log.ts';
import { usePostgresDatabase } from './support/postgres.ts';

const GUILD = '111111111111111111';
const OTHER_GUILD = '222222222222222222';
const ODD_GUILD = '333333333333333333';

/**
 * Text that tokenizers could disagree on: punctuation of every kind, accents, emoji, other scripts.
 * (They do on one kind of character only, see the last test: '½', '²' or '₂'.)
 */
const ODD_IDEAS: Array<[string, string, string, string]> = [
  [
    'Granite-3.1: 8x7B “MoE” — v2.0?',
    'It’s naïve: café-style RoPE_θ (θ=10000) breaks at 128k… see https://arxiv.org/abs/2309.00071!',
    "Don't over-fit; use 3e5 steps, lr=1e-4, beta2=0.95 😀 and half the batch #ideas @everyone",
    'Ünïcödé façade 日本語のテキスト русский текст ١٢٣ — a_b_c x86-64 C++ .NET',
  ],
  ['Tabs\tand\nnew lines', 'a  b   c', 'single', ''],
];

/** [title, problem, proposal, evidence] — written as members of an open-model community would. */
const IDEAS: Array<[string, string, string, string]> = [
  [
    'Grouped-query attention for the 8B model',
    'The KV cache of the 8B model dominates memory at long context; batch sizes on a single GPU are tiny.',
    'Replace multi-head attention with grouped-query attention (8 KV heads), uptrained from the current checkpoint.',
    'Ainslie et al. 2023 show GQA keeps quality close to MHA with MQA-like speed.',
  ],
  [
    'Sliding window attention for long documents',
    'Full attention over 128k tokens is quadratic and long-document summarisation times out.',
    'Use sliding window attention in most layers and keep a few global attention layers.',
    'Mistral 7B and Gemma 2 interleave local and global attention.',
  ],
  [
    'Quantize the KV cache to 8 bits',
    'Long conversations run out of GPU memory because the KV cache grows with every token.',
    'Store keys and values in FP8 or INT8 with per-head scales; dequantize inside the attention kernel.',
    '',
  ],
  [
    'Speculative decoding with a small draft model',
    'Token generation latency is too high for interactive chat on the 34B model.',
    'Ship a 1B draft model trained on the same tokenizer and verify its proposals with the large model.',
    'Leviathan et al. 2023; Medusa heads as an alternative.',
  ],
  [
    'Mixture of experts instead of dense feed-forward layers',
    'Scaling the dense model costs too much compute per token at inference.',
    'Replace the FFN in every other layer with 8 experts and top-2 routing, with a load balancing loss.',
    'Mixtral 8x7B matches much larger dense models.',
  ],
  [
    'Longer context through RoPE scaling',
    'The model forgets the beginning of documents longer than its 4k training context.',
    'Extend the context to 32k with YaRN RoPE scaling and a short fine-tune on long documents.',
    'YaRN paper, and the Code Llama long-context recipe.',
  ],
  [
    'Tokenizer with better coverage of code and mathematics',
    'Python indentation and LaTeX are split into many tokens, wasting context and slowing generation.',
    'Train a new BPE tokenizer on a mix with more code and maths; add whitespace-run tokens.',
    '',
  ],
  [
    'Distil the 34B model into a 3B model for laptops',
    'Members want a model that runs on a laptop CPU, and the smallest model is much weaker.',
    'Knowledge distillation from the 34B teacher logits on the instruction data, with a 3B student.',
    'MiniLLM and DistilBERT style distillation.',
  ],
  [
    'LoRA adapters for each supported language',
    'Fine-tuning the whole model for every language is expensive, and quality in Portuguese is poor.',
    'Train small LoRA adapters per language and load them at inference time by request.',
    '',
  ],
  [
    'Flash attention kernels in the reference implementation',
    'The reference implementation materialises the full attention matrix and is slow at long context.',
    'Use FlashAttention-2 kernels for training and inference in the reference code.',
    'Dao 2023 reports 2x speed-ups.',
  ],
  [
    'Multi-query attention to cut inference memory',
    'Serving many users at once is limited by the memory the attention keys and values take.',
    'Share a single key and value head across all query heads (multi-query attention).',
    'Shazeer 2019, fast transformer decoding.',
  ],
  [
    'Paged KV cache in the serving stack',
    'Memory fragmentation in the KV cache wastes a third of GPU memory under load.',
    'Adopt paged attention: allocate the cache in fixed blocks and map them per sequence.',
    'vLLM PagedAttention paper.',
  ],
  [
    'Publish training data mixture and filtering details',
    'Researchers cannot reproduce results because the pretraining data mixture is undocumented.',
    'Document the data mixture, deduplication and quality filters in the model card.',
    '',
  ],
  [
    'Reward model for helpfulness and harmlessness',
    'The instruct model refuses harmless requests too often.',
    'Train a reward model on preference data and use it for RLHF or DPO to balance refusals.',
    'Anthropic HH dataset.',
  ],
  [
    'Structured output with JSON grammar constraints',
    'Tool calling breaks when the model emits invalid JSON.',
    'Constrain decoding with a JSON schema grammar so every tool call parses.',
    'llama.cpp GBNF grammars, Outlines.',
  ],
  [
    'Four-bit weight quantization with GPTQ',
    'The 34B model does not fit on a 24 GB consumer GPU.',
    'Release official 4-bit GPTQ and AWQ quantized weights with measured quality loss.',
    '',
  ],
  [
    'Attention sinks for streaming chat',
    'Very long chats degrade once the window slides past the first tokens.',
    'Keep the first few tokens as attention sinks in the KV cache when the window slides.',
    'StreamingLLM, Xiao et al. 2023.',
  ],
  [
    'Better multilingual evaluation suite',
    'Benchmarks are English only, so regressions in other languages go unnoticed.',
    'Add multilingual benchmarks (FLORES, XNLI, MGSM) to the evaluation harness run on every release.',
    '',
  ],
  [
    'Draft tokens from n-gram lookup for code completion',
    'Code completion repeats much of the prompt, yet every token is generated one by one.',
    'Use prompt lookup decoding: propose draft tokens by matching n-grams in the prompt, verified by the model.',
    'Prompt lookup decoding repository.',
  ],
  [
    'Expert parallelism for serving the mixture of experts model',
    'A single GPU cannot hold every expert, and routing makes batching uneven.',
    'Place experts on different GPUs and route tokens across them with all-to-all communication.',
    'DeepSpeed-MoE and Megatron expert parallel.',
  ],
];

/** Texts members would type into the idea modal, and into /idea search. */
const SUBMISSIONS: Array<{ title: string; problem: string; proposal: string }> = [
  {
    title: 'Use grouped query attention',
    problem: 'The KV cache takes too much GPU memory with long context.',
    proposal: 'Switch to grouped-query attention with fewer key value heads.',
  },
  {
    title: 'Smaller KV cache',
    problem: 'GPU memory runs out in long conversations because of the KV cache.',
    proposal: 'Quantize keys and values, or share key value heads across queries.',
  },
  {
    title: 'Faster generation with a draft model',
    problem: 'Generation latency is high for chat.',
    proposal: 'Speculative decoding: a small draft model proposes tokens, the large model verifies them.',
  },
  {
    title: 'Sparse experts',
    problem: 'Dense feed-forward layers cost too much compute per token.',
    proposal: 'Mixture of experts with top-2 routing and a load balancing loss.',
  },
  {
    title: 'Support 32k context',
    problem: 'Long documents are cut off at 4k tokens of context.',
    proposal: 'RoPE scaling such as YaRN plus fine-tuning on long documents.',
  },
  {
    title: 'Run on laptops',
    problem: 'The smallest model is too weak and the large one does not run on a laptop.',
    proposal: 'Distillation of the large teacher into a small student model.',
  },
  {
    title: 'Official 4-bit quantized weights',
    problem: 'The model does not fit on a consumer GPU with 24 GB.',
    proposal: 'Publish GPTQ or AWQ quantized weights.',
  },
  {
    title: 'Valid JSON for tool calls',
    problem: 'Tool calling fails on invalid JSON output.',
    proposal: 'Grammar constrained decoding from a JSON schema.',
  },
  {
    title: 'Evaluate languages other than English',
    problem: 'Regressions in Portuguese and other languages go unnoticed.',
    proposal: 'Multilingual benchmarks in the evaluation harness.',
  },
  {
    title: 'Streaming chat that never ends',
    problem: 'Quality drops once a long chat slides past the first tokens of the window.',
    proposal: 'Attention sinks: keep the first tokens in the KV cache.',
  },
  {
    title: 'Faster attention kernels',
    problem: 'Attention is slow at long context in the reference implementation.',
    proposal: 'FlashAttention kernels for training and inference.',
  },
  {
    title: 'Document the pretraining data',
    problem: 'Nobody can reproduce the results.',
    proposal: 'Publish the data mixture, deduplication and filtering.',
  },
];

const noDiscord: Poster = new Proxy({} as Poster, {
  get: () => () => Promise.reject(new Error('this test posts nothing to Discord')),
});

describe('idea full-text search on PostgreSQL', () => {
  const postgres = usePostgresDatabase();
  let dir = '';
  let sqlite: Db;
  let store: IdeaStore;
  let lifecycle: IdeaLifecycle;
  let pg: Kysely<DB>;
  let search: PostgresIdeaSearch;
  /** The same lifecycle over the PostgreSQL store: what the bot runs on that engine. */
  let pgLifecycle: IdeaLifecycle;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'omh-search-pg-'));
    sqlite = openDatabase(join(dir, 'hub.sqlite'));
    migrate(sqlite);
    const clock = new ManualClock('2026-05-04T12:00:00Z');
    const log = createLogger({ level: 'silent' });
    store = new IdeaStore(sqliteKysely(sqlite), 'sqlite');
    const settings = new GuildSettingsStore(sqliteKysely(sqlite), clock);
    const messages = new IdeaMessages({ store, poster: noDiscord, settings, log });
    const notifier = new IdeaNotifier({ store, poster: noDiscord, messages, log });
    lifecycle = new IdeaLifecycle({ store, messages, notifier, clock, log, ideasPerHour: 1000 });

    pg = postgresKysely(postgres.url);
    await migratePostgres(pg);
    search = new PostgresIdeaSearch(pg);
    const pgStore = new IdeaStore(pg, 'postgres', search);
    const pgMessages = new IdeaMessages({ store: pgStore, poster: noDiscord, settings, log });
    const pgNotifier = new IdeaNotifier({ store: pgStore, poster: noDiscord, messages: pgMessages, log });
    pgLifecycle = new IdeaLifecycle({
      store: pgStore,
      messages: pgMessages,
      notifier: pgNotifier,
      clock,
      log,
      ideasPerHour: 1000,
    });
    // The same ideas in both, in the same order; a second server holds copies, which count in the
    // index statistics (as in FTS5) but never show up in the first server's results.
    let n = 0;
    for (const guild of [GUILD, OTHER_GUILD, ODD_GUILD]) {
      for (const [title, problem, proposal, evidence] of guild === ODD_GUILD ? ODD_IDEAS : IDEAS) {
        const at = new Date(Date.parse('2026-01-01T00:00:00Z') + ++n * 60_000).toISOString();
        const idea = await store.insertIdea(
          guild,
          `3000${n}`,
          `member ${n}`,
          { title, problem, proposal, evidence, family: null },
          at,
        );
        await pg
          .insertInto('ideas')
          .values({
            id: idea.id,
            guild_id: guild,
            number: idea.number,
            author_id: idea.authorId,
            author_name: idea.authorName,
            title,
            problem,
            proposal,
            evidence,
            created_at: at,
            updated_at: at,
          })
          .execute();
      }
    }
  });

  afterAll(async () => {
    await pg?.destroy();
    sqlite?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(SUBMISSIONS.map((s) => [s.title, s] as const))(
    'shows the same similar ideas for “%s”',
    async (_title, submission) => {
      const onSqlite = (await lifecycle.similar(GUILD, submission)).map((i) => i.number);
      const onPostgres = (await pgLifecycle.similar(GUILD, submission)).map((i) => i.number);
      expect(onSqlite.length).toBeGreaterThan(0);
      expect(onPostgres).toEqual(onSqlite);
    },
  );

  it.each(SUBMISSIONS.map((s) => [s.title] as const))(
    'finds the same ideas, in order, for /idea search “%s”',
    async (query) => {
      const onSqlite = (await lifecycle.search(GUILD, query, 10)).map((i) => i.number);
      const onPostgres = (await pgLifecycle.search(GUILD, query, 10)).map((i) => i.number);
      expect(onPostgres).toEqual(onSqlite);
    },
  );

  it('scores every hit exactly as FTS5 bm25 does, where the two stemmers agree', async () => {
    // Porter (FTS5) and Snowball (PostgreSQL) stem alike but for a few words: Porter makes 'gpus'
    // 'gpu' and joins 'one' with 'on', 'community' with 'communication'; Snowball does not. Leaving
    // those out, the scores must be FTS5's to rounding: the same idf, column weights and length
    // normalisation. (With them, a long list can differ past its top; the prompt above never did.)
    const stemmedApart = new Set(['on', 'one', 'gpu', 'gpus', 'community', 'communication']);
    for (const submission of SUBMISSIONS) {
      const text = `${submission.title} ${submission.problem} ${submission.proposal}`;
      // Every word the member wrote that terms() keeps, not only the rare few the prompt picks.
      const words = terms(text).filter((w) => !stemmedApart.has(w));
      const onSqlite = await store.search.match(GUILD, words, 50);
      const onPostgres = await search.match(GUILD, words, 50);
      expect(
        onPostgres.map((i) => i.number),
        text,
      ).toEqual(onSqlite.map((i) => i.number));
      for (const [i, hit] of onPostgres.entries()) expect(hit.rank).toBeCloseTo(onSqlite[i]!.rank, 9);
    }
  });

  it('counts the words of every idea as FTS5 does, whatever the text', async () => {
    const { rows } = await sql<{ id: number; stored: number; counted: number }>`
      SELECT id, search_length AS stored, (SELECT sum(cardinality(positions)) FROM unnest(search))::int AS counted
      FROM ideas ORDER BY id`.execute(pg);
    const docsize = sqlite.prepare('SELECT id, sz FROM ideas_fts_docsize ORDER BY id').all() as Array<{
      id: number;
      sz: Buffer;
    }>;
    expect(rows.every((r) => r.stored === r.counted)).toBe(true);
    // FTS5 keeps each row's per-column token counts as varints in ideas_fts_docsize.
    const fts5Length = (sz: Buffer) => {
      let total = 0;
      for (let i = 0; i < sz.length; ) {
        let value = 0;
        for (let shift = 0; ; shift += 7) {
          const byte = sz[i++]!;
          value |= (byte & 0x7f) << shift;
          if (byte < 0x80) break;
        }
        total += value;
      }
      return total;
    };
    expect(rows.map((r) => [r.id, r.stored])).toEqual(docsize.map((d) => [d.id, fts5Length(d.sz)]));
  });

  it('finds the odd texts by the same words on both engines', async () => {
    for (const query of [
      'granite moe',
      'café naïve',
      'русский текст',
      'rope 10000',
      'tabs lines',
      'façade x86',
    ]) {
      const onSqlite = (await lifecycle.search(ODD_GUILD, query, 10)).map((i) => i.number);
      const onPostgres = (await pgLifecycle.search(ODD_GUILD, query, 10)).map((i) => i.number);
      expect(onPostgres, query).toEqual(onSqlite);
    }
  });

  it('differs from FTS5 on one kind of character only: fractions, superscripts and subscripts', async () => {
    // Unicode's "other numbers" (No) are word characters to FTS5's unicode61 and separators to
    // PostgreSQL's parser: '½' is a word of its own on SQLite and none on PostgreSQL, and 'β₂' is
    // 'β₂' on one and 'β' on the other. Rare in ideas; this test says so if it ever changes.
    const { rows } = await sql<{
      v: string;
    }>`SELECT to_tsvector('ideas_search', '½ β₂ x²')::text AS v`.execute(pg);
    expect(rows[0]!.v).toBe("'x':2 'β':1");
  });

  it('keeps to the server it is asked about, and takes query words as words, never as syntax', async () => {
    const hits = await pgLifecycle.search(GUILD, "attention' | ! & ( kv:* cache\\", 50);
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.every((i) => i.guildId === GUILD)).toBe(true);
    expect(await pgLifecycle.search(GUILD, 'zzzunknownword', 10)).toEqual([]);
  });
});
