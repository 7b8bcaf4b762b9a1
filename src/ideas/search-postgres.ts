// Idea full-text search on PostgreSQL, ranked as SQLite's FTS5 bm25 ranks: the similar-ideas
// prompt and /idea search must show the same ideas on both engines. The column `ideas.search`
// (migrations/postgres/0004_ideas.sql) indexes what FTS5 indexes; this file scores what FTS5's
// bm25(ideas_fts, 4.0, 1.0, 2.0, 0.5) scores.
//
// Why not rank with ts_rank_cd: it has no inverse document frequency, so in an OR query a word found
// in half the ideas counts as much as one found in three, and the top of the list differs from
// FTS5's (it also saturates term frequency differently). bm25 is a short formula over what the
// tsvector already stores (per-lexeme positions and their A-D weights), so it is computed here
// exactly (ts_rank_cd of one term at a time gives f, see rank()); n, N and avgdl come from the
// cached vocabulary:
//   score = Σ_term idf(term) · f·(k1+1) / (f + k1·(1 − b + b·|D|/avgdl)),  k1 = 1.2, b = 0.75
// with f the weighted count of the term in the idea, |D| its length in words, and
// idf = ln((N − n + 0.5)/(n + 0.5)) (FTS5 turns a non-positive idf into 1e-6).
// Query words are already plain lower-case words (terms() in search.ts), each one its own OR'ed
// term, as anyOf() builds for FTS5: no prefix matching, as on SQLite.
import { type Kysely, type Selectable, sql } from 'kysely';
import { COLUMNS, type DB, type IdeasTable } from '../db/schema.ts';
import { toIdea } from './rows.ts';
import type { IdeaSearch } from './search-sqlite.ts';
import type { Idea } from './types.ts';

/** FTS5's bm25 column weights for ideas_fts (title, problem, proposal, evidence), by tsvector weight. */
const WEIGHT = { A: 4.0, C: 1.0, B: 2.0, D: 0.5 } as const;
/**
 * The same weights as ts_rank_cd takes them: {D, C, B, A}, each at most 1, so divided by the largest
 * (powers of two: exact in its float4) and its rank multiplied back.
 */
const RANK_SCALE = WEIGHT.A;
const RANK_WEIGHTS = sql.raw(
  `'{${[WEIGHT.D, WEIGHT.C, WEIGHT.B, WEIGHT.A].map((w) => w / RANK_SCALE).join(',')}}'::float4[]`,
);

type IdeaRow = Selectable<IdeasTable>;

/** Every column of ideas but the tsvector, which no caller needs. */
const IDEA_COLUMNS = sql.raw(COLUMNS.ideas.map((c) => `i.${c}`).join(', '));

/** One lexeme per word, as FTS5 has one phrase per quoted word: two words of one stem count twice. */
function lexemesOf(words: string[], stems: Map<string, string>): string[] {
  return words.map((w) => stems.get(w)).filter((s): s is string => s !== undefined);
}

interface Vocabulary {
  /** Ideas containing each stem. */
  terms: Map<string, number>;
  /** MAX(id): what the cache's freshness is judged by, as on SQLite. */
  docs: number;
  /** Rows and mean length in words: bm25's N and avgdl. */
  rows: number;
  avgLength: number;
}

/** The search half of the ideas store, on PostgreSQL (IdeaLifecycle chooses the words, as on SQLite). */
export class PostgresIdeaSearch implements IdeaSearch {
  private vocab: Vocabulary | undefined;

  constructor(private readonly db: Kysely<DB>) {}

  /**
   * How many ideas hold each stem, and the table's size and mean length; cached like the SQLite
   * store's FTS5 vocabulary (which words are rare is what matters, not exact counts), and reloaded
   * when the ideas have grown by a tenth.
   */
  async termFrequencies(): Promise<Vocabulary> {
    const { max } = await sql<{ max: number }>`SELECT COALESCE(MAX(id), 0)::bigint AS max FROM ideas`
      .execute(this.db)
      .then((r) => r.rows[0]!);
    if (!this.vocab || max > this.vocab.docs * 1.1 + 100) {
      const stats = await sql<{ word: string; ndoc: number; nentry: number }>`
        SELECT word, ndoc, nentry FROM ts_stat('SELECT search FROM ideas')`.execute(this.db);
      const { rows } = await sql<{ rows: number }>`SELECT count(*)::bigint AS rows FROM ideas`
        .execute(this.db)
        .then((r) => r.rows[0]!);
      const { words } = await sql<{
        words: number;
      }>`SELECT COALESCE(sum(search_length), 0)::bigint AS words FROM ideas`
        .execute(this.db)
        .then((r) => r.rows[0]!);
      this.vocab = {
        terms: new Map(stats.rows.map((s) => [s.word, s.ndoc])),
        docs: max,
        rows,
        avgLength: rows === 0 ? 1 : words / rows,
      };
    }
    return this.vocab;
  }

  /**
   * The index's stem of each word (the same text search configuration the column uses), remembered:
   * a word's stem never changes, and a search asks for the same words twice (to choose them, then
   * to rank), so most searches need no round trip for it. null: the word has no lexeme.
   */
  async stems(words: string[]): Promise<Map<string, string>> {
    const unknown = words.filter((w) => !this.stemOf.has(w));
    if (unknown.length > 0) {
      const { rows } = await sql<{ word: string; stem: string | null }>`
        SELECT w.word, (SELECT lexeme FROM unnest(to_tsvector('ideas_search', w.word)) LIMIT 1) AS stem
        FROM unnest(${unknown}::text[]) AS w(word)`.execute(this.db);
      if (this.stemOf.size + rows.length > 50_000) this.stemOf.clear();
      for (const r of rows) this.stemOf.set(r.word, r.stem);
    }
    const out = new Map<string, string>();
    for (const w of words) {
      const stem = this.stemOf.get(w);
      if (stem) out.set(w, stem);
    }
    return out;
  }

  private readonly stemOf = new Map<string, string | null>();

  /** A tsquery of stems joined by `op`; each is quoted, so it is a lexeme and never syntax. */
  private static query(stems: string[], op: '|' | '&'): string {
    return stems.map((s) => `'${s.replaceAll("'", "''").replaceAll('\\', '\\\\')}'`).join(` ${op} `);
  }

  /** Ideas having any of the words, best bm25 first (title counts most), as IdeaStore.match. */
  async match(
    guildId: string,
    words: string[],
    limit: number,
    offset = 0,
  ): Promise<Array<Idea & { rank: number }>> {
    return this.rank(guildId, lexemesOf(words, await this.stems(words)), limit, offset);
  }

  private async rank(
    guildId: string,
    lexemes: string[],
    limit: number,
    offset: number,
  ): Promise<Array<Idea & { rank: number }>> {
    if (lexemes.length === 0) return [];
    const { rows: n, avgLength, terms: df } = await this.termFrequencies();
    // idf from the cached vocabulary, as N and avgdl are: counting each term's ideas again here
    // cost more than the whole rest of the query for a common word (33 of 120 ms at 8,600 hits).
    // A word newer than the cache counts as rare, as in IdeaLifecycle's choice of words.
    const idf = lexemes.map((l) => {
      const hits = df.get(l) ?? 0;
      const v = Math.log((n - hits + 0.5) / (hits + 0.5));
      return v > 0 ? v : 1e-6;
    });
    // f, the weighted count of a term in an idea, is ts_rank_cd of that one term with the column
    // weights and no normalisation: for a one-word query each occurrence is a cover of its own,
    // worth its position's weight, so the rank is their sum, computed in C from the stored positions.
    // (Extracting each hit's query lexemes with ts_delete and summing their weights in SQL took 60 of
    // the 120 ms at 8,600 hits.) |D| is the stored search_length.
    const query = (l: string) => PostgresIdeaSearch.query([l], '|');
    const frequencies = lexemes.map(
      (l, i) =>
        sql`${RANK_SCALE}::float8 * ts_rank_cd(${RANK_WEIGHTS}, h.search, ${query(l)}::tsquery) AS ${sql.ref(`f${i}`)}`,
    );
    const terms = lexemes.map((_, i) => {
      const f = sql.ref(`f.f${i}`);
      return sql`${idf[i]!}::float8 * ${f} * 2.2 / (${f} + 1.2 * (0.25 + 0.75 * h.search_length / ${avgLength}::float8))`;
    });
    const { rows } = await sql<IdeaRow & { score: number }>`
      WITH scored AS (
        SELECT h.id, ${sql.join(terms, sql` + `)} AS score
        FROM ideas h
        CROSS JOIN LATERAL (SELECT ${sql.join(frequencies)}) f
        WHERE h.guild_id = ${guildId} AND h.search @@ ${PostgresIdeaSearch.query(lexemes, '|')}::tsquery
      ), top AS (
        SELECT id, score FROM scored ORDER BY score DESC, id LIMIT ${limit} OFFSET ${offset}
      )
      -- The ideas' other columns are read for the page only, not for every hit.
      SELECT ${IDEA_COLUMNS}, t.score
      FROM top t JOIN ideas i ON i.id = t.id
      ORDER BY t.score DESC, i.id`.execute(this.db);
    // Negative like FTS5's rank, so both engines sort and compare the same way.
    return rows.map((r) => ({ ...toIdea(r), rank: -r.score }));
  }

  /** Ideas having every word, newest first: for words so common that ranking them says little. */
  async newestMatching(guildId: string, words: string[], limit: number, offset = 0): Promise<Idea[]> {
    return this.newest(guildId, lexemesOf(words, await this.stems(words)), limit, offset);
  }

  private async newest(guildId: string, lexemes: string[], limit: number, offset: number): Promise<Idea[]> {
    if (lexemes.length === 0) return [];
    const { rows } = await sql<IdeaRow>`
      SELECT ${IDEA_COLUMNS} FROM ideas i
      WHERE i.guild_id = ${guildId} AND i.search @@ ${PostgresIdeaSearch.query(lexemes, '&')}::tsquery
      ORDER BY i.id DESC LIMIT ${limit} OFFSET ${offset}`.execute(this.db);
    return rows.map(toIdea);
  }
}
