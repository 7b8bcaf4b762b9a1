// Idea full-text search on SQLite: the FTS5 table ideas_fts (migrations/0004_ideas.sql), ranked by
// bm25 with the title counting most. The same interface as PostgresIdeaSearch, so the lifecycle
// chooses words and candidates once for both engines.
import Database from 'better-sqlite3';
import { type Kysely, type Selectable, sql } from 'kysely';
import type { DB, IdeasTable } from '../db/schema.ts';
import { toIdea } from './rows.ts';
import { allOf, anyOf } from './search.ts';
import type { Idea } from './types.ts';

type IdeaRow = Selectable<IdeasTable>;

/** What IdeaStore's search needs of either engine. */
export interface IdeaSearch {
  /** How many ideas hold each stem (cached), and MAX(id) as the size the cache is judged by. */
  termFrequencies(): Promise<{ terms: Map<string, number>; docs: number }>;
  /** The index's stem of each word. */
  stems(words: string[]): Promise<Map<string, string>>;
  /** Ideas having any of the words, best bm25 first; rank is negative, lower is better. */
  match(
    guildId: string,
    words: string[],
    limit: number,
    offset?: number,
  ): Promise<Array<Idea & { rank: number }>>;
  /** Ideas having every word, newest first. */
  newestMatching(guildId: string, words: string[], limit: number, offset?: number): Promise<Idea[]>;
}

let stemmer: { stem: (words: string[]) => Array<{ term: string; doc: number }> } | undefined;

/**
 * The porter tokenizer of ideas_fts, run in a private in-memory database: it is the same SQLite
 * library, so the stems are the index's, and stemming a query writes nothing to the bot's
 * database (a temp table there would count as a change and empty the web board's page cache).
 */
function sqliteStemmer() {
  if (!stemmer) {
    const scratch = new Database(':memory:');
    scratch.exec(`CREATE VIRTUAL TABLE words USING fts5 (w, tokenize = 'porter unicode61');
      CREATE VIRTUAL TABLE terms USING fts5vocab (words, instance);`);
    const clear = scratch.prepare('DELETE FROM words');
    const add = scratch.prepare('INSERT INTO words (rowid, w) VALUES (?, ?)');
    const read = scratch.prepare('SELECT term, doc FROM terms');
    const stem = scratch.transaction((words: string[]) => {
      clear.run();
      for (const [i, w] of words.entries()) add.run(i + 1, w);
      return read.all() as Array<{ term: string; doc: number }>;
    });
    stemmer = { stem };
  }
  return stemmer;
}

export class SqliteIdeaSearch implements IdeaSearch {
  private vocab: { terms: Map<string, number>; docs: number } | undefined;
  private vocabTable = false;

  constructor(private readonly db: Kysely<DB>) {}

  /**
   * Read from FTS5's own vocabulary and cached: exact counts do not matter, only which words are
   * rare. Reloaded when the number of ideas has grown by a tenth.
   */
  async termFrequencies(): Promise<{ terms: Map<string, number>; docs: number }> {
    const { rows } = await sql<{ n: number }>`SELECT COALESCE(MAX(id), 0) AS n FROM ideas`.execute(this.db);
    const docs = rows[0]?.n ?? 0;
    if (!this.vocab || docs > this.vocab.docs * 1.1 + 100) {
      if (!this.vocabTable) {
        await sql`CREATE VIRTUAL TABLE IF NOT EXISTS temp.ideas_vocab USING fts5vocab(main, ideas_fts, row)`.execute(
          this.db,
        );
        this.vocabTable = true;
      }
      const terms = await sql<{ term: string; doc: number }>`SELECT term, doc FROM temp.ideas_vocab`.execute(
        this.db,
      );
      this.vocab = { terms: new Map(terms.rows.map((r) => [r.term, r.doc])), docs };
    }
    return this.vocab;
  }

  async stems(words: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (words.length === 0) return out;
    for (const r of sqliteStemmer().stem(words)) {
      const word = words[r.doc - 1];
      if (word !== undefined && !out.has(word)) out.set(word, r.term);
    }
    return out;
  }

  async match(
    guildId: string,
    words: string[],
    limit: number,
    offset = 0,
  ): Promise<Array<Idea & { rank: number }>> {
    const expression = anyOf(words);
    if (!expression) return [];
    const { rows } = await sql<IdeaRow & { rank: number }>`
      SELECT i.*, bm25(ideas_fts, 4.0, 1.0, 2.0, 0.5) AS rank FROM ideas_fts
      JOIN ideas i ON i.id = ideas_fts.rowid
      WHERE ideas_fts MATCH ${expression} AND i.guild_id = ${guildId}
      ORDER BY rank LIMIT ${limit} OFFSET ${offset}`.execute(this.db);
    return rows.map((r) => ({ ...toIdea(r), rank: r.rank }));
  }

  async newestMatching(guildId: string, words: string[], limit: number, offset = 0): Promise<Idea[]> {
    const expression = allOf(words);
    if (!expression) return [];
    const { rows } = await sql<IdeaRow>`
      SELECT i.* FROM ideas_fts JOIN ideas i ON i.id = ideas_fts.rowid
      WHERE ideas_fts MATCH ${expression} AND i.guild_id = ${guildId}
      ORDER BY ideas_fts.rowid DESC LIMIT ${limit} OFFSET ${offset}`.execute(this.db);
    return rows.map(toIdea);
  }
}
