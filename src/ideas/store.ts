// SQL of the ideas tables over Kysely, the same on SQLite and PostgreSQL, several bot processes
// sharing the database. Multi-step changes run in one transaction, so a vote, a merge or a status
// change is all there or not at all; what two processes could do at once is serialised by a row
// lock on the idea (votes, status changes) or a per-server lock (numbering), and what must happen
// once is claimed in the database first (filings, notice batches: store-claims.ts).
import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import { COLUMNS, type DB, type IdeasTable } from '../db/schema.ts';
import { toIdea } from './rows.ts';
import { PostgresIdeaSearch } from './search-postgres.ts';
import { type IdeaSearch, SqliteIdeaSearch } from './search-sqlite.ts';
import { IdeaMembers } from './store-members.ts';
import type { Idea, IdeaDraftInput, IdeaEvent, IdeaStatus, ListSort, VoteValue } from './types.ts';

export { toIdea } from './rows.ts';
export type { Filing, FilingClaim, Notice } from './store-claims.ts';
export type { Draft } from './store-members.ts';

export type Engine = 'sqlite' | 'postgres';

export type VoteOutcome = 'added' | 'changed' | 'withdrawn';

export interface ListQuery {
  status?: IdeaStatus | undefined;
  family?: string | undefined;
  sort: ListSort;
  limit: number;
  offset: number;
  /** Trending counts votes cast since this instant. */
  trendingSince?: string;
}

/** Every column of ideas but PostgreSQL's search columns, which no caller needs. */
const IDEA = COLUMNS.ideas;

/** The class of the advisory locks that number a server's ideas on PostgreSQL (fixed forever). */
const NUMBER_LOCK_CLASS = 0x6964_6561; // 'idea'

export class IdeaStore extends IdeaMembers {
  /** Full-text search on this engine (FTS5 or tsvector); never inside a transaction. */
  readonly search: IdeaSearch;

  /** `db` may be a transaction (see transaction()): every method then runs inside it. */
  constructor(
    override readonly db: Kysely<DB>,
    readonly engine: Engine = 'sqlite',
    search?: IdeaSearch,
  ) {
    super(db);
    this.search = search ?? (engine === 'postgres' ? new PostgresIdeaSearch(db) : new SqliteIdeaSearch(db));
  }

  /**
   * Runs `fn` in one transaction with a store bound to it (or in the transaction already open).
   * On PostgreSQL it is READ COMMITTED: what must not interleave takes a lock first (lockIdeas).
   * Inside `fn`, query only through the store it gets: on SQLite (one connection) a query through
   * any other waits for the transaction to end.
   */
  transaction<T>(fn: (store: IdeaStore) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) return fn(this);
    return this.db
      .transaction()
      .execute((trx: Transaction<DB>) => fn(new IdeaStore(trx, this.engine, this.search)));
  }

  /**
   * Locks the ideas' rows until the transaction ends (PostgreSQL; SQLite writers are serialised
   * already), in id order so two transactions locking the same pair cannot deadlock.
   */
  async lockIdeas(ids: number[]): Promise<void> {
    if (this.engine !== 'postgres' || ids.length === 0) return;
    await this.db
      .selectFrom('ideas')
      .select('id')
      .where('id', 'in', [...new Set(ids)])
      .orderBy('id')
      .forUpdate()
      .execute();
  }

  /** The idea, its row locked until the transaction ends (PostgreSQL), read in one round trip. */
  async lockedIdea(guildId: string, number: number): Promise<Idea | undefined> {
    const row = await this.db
      .selectFrom('ideas')
      .select(IDEA)
      .where('guild_id', '=', guildId)
      .where('number', '=', number)
      .$if(this.engine === 'postgres', (q) => q.forUpdate())
      .executeTakeFirst();
    return row && toIdea(row);
  }

  async insertIdea(
    guildId: string,
    authorId: string,
    authorName: string,
    input: IdeaDraftInput,
    now: string,
  ): Promise<Idea> {
    return this.transaction(async (tx) => {
      // Two processes would read the same MAX(number) and the second insert would break
      // UNIQUE (guild_id, number): the server's numbering is taken one transaction at a time.
      if (this.engine === 'postgres')
        await sql`SELECT pg_advisory_xact_lock(${sql.lit(NUMBER_LOCK_CLASS)}, hashtext(${guildId}))`.execute(
          tx.db,
        );
      const { n } = await tx.db
        .selectFrom('ideas')
        .select(sql<number>`COALESCE(MAX(number), 0) + 1`.as('n'))
        .where('guild_id', '=', guildId)
        .executeTakeFirstOrThrow();
      const row = await tx.db
        .insertInto('ideas')
        .values({
          guild_id: guildId,
          number: n,
          author_id: authorId,
          author_name: authorName,
          family: input.family,
          title: input.title,
          problem: input.problem,
          proposal: input.proposal,
          evidence: input.evidence,
          created_at: now,
          updated_at: now,
          publish_pending: 1,
        })
        .returning(IDEA)
        .executeTakeFirstOrThrow();
      await tx.follow(row.id, authorId, now);
      await tx.addEvent(row.id, authorId, 'submitted', null, 'new', null, null, now);
      return toIdea(row);
    });
  }

  async get(guildId: string, number: number): Promise<Idea | undefined> {
    const row = await this.db
      .selectFrom('ideas')
      .select(IDEA)
      .where('guild_id', '=', guildId)
      .where('number', '=', number)
      .executeTakeFirst();
    return row && toIdea(row);
  }

  async getById(id: number): Promise<Idea | undefined> {
    const row = await this.db.selectFrom('ideas').select(IDEA).where('id', '=', id).executeTakeFirst();
    return row && toIdea(row);
  }

  async submittedSince(guildId: string, authorId: string, since: string): Promise<number> {
    const { n } = await this.db
      .selectFrom('ideas')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('guild_id', '=', guildId)
      .where('author_id', '=', authorId)
      .where('created_at', '>', since)
      .executeTakeFirstOrThrow();
    return Number(n);
  }

  async setMessage(
    id: number,
    where: { channelId: string; messageId: string; threadId: string | null; isForum: boolean },
  ): Promise<void> {
    await this.db
      .updateTable('ideas')
      .set({
        channel_id: where.channelId,
        message_id: where.messageId,
        thread_id: where.threadId,
        is_forum: where.isForum ? 1 : 0,
        publish_pending: 0,
      })
      .where('id', '=', id)
      .execute();
  }

  /** The idea will not be posted (its server has no ideas channel). */
  async clearPublishPending(id: number): Promise<void> {
    await this.db.updateTable('ideas').set({ publish_pending: 0 }).where('id', '=', id).execute();
  }

  /** Ideas saved before `before` whose post never happened, oldest first. */
  async unpublished(before: string, limit: number): Promise<Idea[]> {
    const rows = await this.db
      .selectFrom('ideas')
      .select(IDEA)
      .where('publish_pending', '=', 1)
      .where('message_id', 'is', null)
      .where('created_at', '<', before)
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(toIdea);
  }

  async setThread(id: number, threadId: string): Promise<void> {
    await this.db.updateTable('ideas').set({ thread_id: threadId }).where('id', '=', id).execute();
  }

  async list(guildId: string, q: ListQuery): Promise<Idea[]> {
    const where = [sql`i.guild_id = ${guildId}`];
    // Duplicates live on in the idea they were merged into.
    where.push(q.status ? sql`i.status = ${q.status}` : sql`i.status <> 'duplicate'`);
    if (q.family) where.push(sql`i.family = ${q.family}`);
    const filter = sql.join(where, sql` AND `);
    const columns = sql.raw(IDEA.map((c) => `i.${c}`).join(', '));
    let query: ReturnType<typeof sql<Selectable<IdeasTable>>>;
    if (q.sort === 'trending') {
      // Driven from the recent votes (a covering index), sorted before the join so only the rows
      // of the page are read from the ideas table; SQLite is told which index and join order.
      const sqlite = this.engine === 'sqlite';
      query = sql`SELECT ${columns} FROM (SELECT idea_id, SUM(value) AS recent FROM idea_votes
        ${sqlite ? sql`INDEXED BY idea_votes_recent` : sql``}
        WHERE voted_at >= ${q.trendingSince ?? ''} GROUP BY idea_id ORDER BY recent DESC, idea_id DESC) t
        ${sqlite ? sql`CROSS JOIN` : sql`JOIN`} ideas i ON i.id = t.idea_id WHERE ${filter}
        ORDER BY t.recent DESC, t.idea_id DESC LIMIT ${q.limit} OFFSET ${q.offset}`;
    } else {
      const order =
        q.sort === 'top'
          ? sql`(i.up_count - i.down_count) DESC, i.up_count DESC, i.id DESC`
          : sql`i.number DESC`;
      query = sql`SELECT ${columns} FROM ideas i WHERE ${filter} ORDER BY ${order}
        LIMIT ${q.limit} OFFSET ${q.offset}`;
    }
    const { rows } = await query.execute(this.db);
    return rows.map(toIdea);
  }

  /**
   * One member's click: a first vote counts, the same vote again withdraws it, the other one
   * switches it. The idea's row is locked first, so clicks on one idea from any number of
   * processes are applied one after the other, and each returns the counts right after it.
   */
  async vote(
    ideaId: number,
    userId: string,
    value: VoteValue,
    now: string,
    options: { locked?: boolean } = {},
  ): Promise<{ outcome: VoteOutcome; up: number; down: number }> {
    return this.transaction(async (tx) => {
      // `locked`: the caller's transaction already holds the row (lockedIdea), one round trip less.
      if (!options.locked || !this.db.isTransaction) await tx.lockIdeas([ideaId]);
      const previous = await tx.voteOf(ideaId, userId);
      let outcome: VoteOutcome;
      let dUp = 0;
      let dDown = 0;
      const votes = tx.db;
      if (previous === undefined) {
        await votes
          .insertInto('idea_votes')
          .values({ idea_id: ideaId, user_id: userId, value, voted_at: now })
          .execute();
        outcome = 'added';
        if (value === 1) dUp = 1;
        else dDown = 1;
      } else if (previous === value) {
        await votes
          .deleteFrom('idea_votes')
          .where('idea_id', '=', ideaId)
          .where('user_id', '=', userId)
          .execute();
        outcome = 'withdrawn';
        if (value === 1) dUp = -1;
        else dDown = -1;
      } else {
        await votes
          .updateTable('idea_votes')
          .set({ value, voted_at: now, merged_from: null })
          .where('idea_id', '=', ideaId)
          .where('user_id', '=', userId)
          .execute();
        outcome = 'changed';
        dUp = value === 1 ? 1 : -1;
        dDown = -dUp;
      }
      const counts = await votes
        .updateTable('ideas')
        .set((eb) => ({ up_count: eb('up_count', '+', dUp), down_count: eb('down_count', '+', dDown) }))
        .where('id', '=', ideaId)
        .returning(['up_count', 'down_count'])
        .executeTakeFirstOrThrow();
      if (outcome !== 'withdrawn') await tx.follow(ideaId, userId, now);
      return { outcome, up: counts.up_count, down: counts.down_count };
    });
  }

  async voteOf(ideaId: number, userId: string): Promise<VoteValue | undefined> {
    const row = await this.db
      .selectFrom('idea_votes')
      .select('value')
      .where('idea_id', '=', ideaId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row?.value;
  }

  async votes(ideaId: number): Promise<Array<{ userId: string; value: VoteValue; votedAt: string }>> {
    return this.db
      .selectFrom('idea_votes')
      .select(['user_id as userId', 'value', 'voted_at as votedAt'])
      .where('idea_id', '=', ideaId)
      .orderBy('voted_at')
      .orderBy('user_id')
      .execute();
  }

  /** Counts the idea's votes again (after a merge or unmerge moved some). Lock the idea first. */
  private async recount(id: number): Promise<void> {
    await this.db
      .updateTable('ideas')
      .set((eb) => ({
        up_count: eb
          .selectFrom('idea_votes')
          .select((v) => v.fn.countAll<number>().as('n'))
          .where('idea_id', '=', id)
          .where('value', '=', 1),
        down_count: eb
          .selectFrom('idea_votes')
          .select((v) => v.fn.countAll<number>().as('n'))
          .where('idea_id', '=', id)
          .where('value', '=', -1),
      }))
      .where('id', '=', id)
      .execute();
  }

  /**
   * Carries a duplicate's voters and followers into the idea it duplicates; a member who voted on
   * both counts once. Run it in a transaction that has locked `intoId` (lockIdeas), so no vote
   * lands between the copy and the recount.
   */
  async mergeInto(fromId: number, intoId: number): Promise<void> {
    await this.db
      .insertInto('idea_votes')
      .columns(['idea_id', 'user_id', 'value', 'voted_at', 'merged_from'])
      .expression((eb) =>
        eb
          .selectFrom('idea_votes')
          .select([
            sql.lit(intoId).as('idea_id'),
            'user_id',
            'value',
            'voted_at',
            sql.lit(fromId).as('merged_from'),
          ])
          .where('idea_id', '=', fromId),
      )
      .onConflict((oc) => oc.columns(['idea_id', 'user_id']).doNothing())
      .execute();
    await this.db
      .insertInto('idea_followers')
      .columns(['idea_id', 'user_id', 'following', 'since'])
      .expression((eb) =>
        eb
          .selectFrom('idea_followers')
          .select([sql.lit(intoId).as('idea_id'), 'user_id', 'following', 'since'])
          .where('idea_id', '=', fromId),
      )
      .onConflict((oc) => oc.columns(['idea_id', 'user_id']).doNothing())
      .execute();
    await this.recount(intoId);
  }

  /** Takes back exactly the votes a merge carried over (a revised duplicate decision); lock `intoId` first. */
  async unmerge(fromId: number, intoId: number): Promise<void> {
    await this.db
      .deleteFrom('idea_votes')
      .where('idea_id', '=', intoId)
      .where('merged_from', '=', fromId)
      .execute();
    await this.recount(intoId);
  }

  async setStatus(
    id: number,
    status: IdeaStatus,
    reason: string | null,
    duplicateOf: number | null,
    now: string,
  ): Promise<void> {
    await this.db
      .updateTable('ideas')
      .set({ status, status_reason: reason, duplicate_of: duplicateOf, updated_at: now })
      .where('id', '=', id)
      .execute();
  }

  async addEvent(
    ideaId: number,
    actorId: string,
    action: string,
    from: IdeaStatus | null,
    to: IdeaStatus | null,
    reason: string | null,
    detail: string | null,
    now: string,
  ): Promise<void> {
    await this.db
      .insertInto('idea_events')
      .values({
        idea_id: ideaId,
        actor_id: actorId,
        action,
        from_status: from,
        to_status: to,
        reason,
        detail,
        at: now,
      })
      .execute();
  }

  async events(ideaId: number): Promise<IdeaEvent[]> {
    const rows = await this.eventsQuery().where('e.idea_id', '=', ideaId).orderBy('e.id').execute();
    return rows as IdeaEvent[];
  }

  /** Every idea's history in a server, in one query (the export). */
  async allEvents(guildId: string): Promise<IdeaEvent[]> {
    const rows = await this.eventsQuery()
      .innerJoin('ideas as i', 'i.id', 'e.idea_id')
      .where('i.guild_id', '=', guildId)
      .orderBy('e.idea_id')
      .orderBy('e.id')
      .execute();
    return rows as IdeaEvent[];
  }

  private eventsQuery() {
    return this.db
      .selectFrom('idea_events as e')
      .select([
        'e.id',
        'e.idea_id as ideaId',
        'e.actor_id as actorId',
        'e.action',
        'e.from_status as fromStatus',
        'e.to_status as toStatus',
        'e.reason',
        'e.detail',
        'e.at',
      ]);
  }

  /** The next idea waiting for review after `afterId` (0 for the oldest). */
  async nextInQueue(guildId: string, afterId: number): Promise<Idea | undefined> {
    const row = await this.db
      .selectFrom('ideas')
      .select(IDEA)
      .where('guild_id', '=', guildId)
      .where('status', '=', 'new')
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
    return row && toIdea(row);
  }

  async queueSize(guildId: string): Promise<number> {
    const { n } = await this.db
      .selectFrom('ideas')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('guild_id', '=', guildId)
      .where('status', '=', 'new')
      .executeTakeFirstOrThrow();
    return Number(n);
  }

  async setIssueEtag(ideaId: number, etag: string | null, now: string): Promise<void> {
    await this.db
      .updateTable('ideas')
      .set({ issue_etag: etag, issue_synced_at: now })
      .where('id', '=', ideaId)
      .execute();
  }

  async sectionWritten(ideaId: number, up: number, down: number): Promise<void> {
    await this.db
      .updateTable('ideas')
      .set({ section_up: up, section_down: down })
      .where('id', '=', ideaId)
      .execute();
  }

  /** Filed ideas, least recently synced first. */
  async filedIdeas(limit: number): Promise<Idea[]> {
    const rows = await this.db
      .selectFrom('ideas')
      .select(IDEA)
      .where('issue_number', 'is not', null)
      .orderBy(sql`issue_synced_at IS NOT NULL`)
      .orderBy('issue_synced_at')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(toIdea);
  }

  async allIdeas(guildId: string): Promise<Idea[]> {
    const rows = await this.db
      .selectFrom('ideas')
      .select(IDEA)
      .where('guild_id', '=', guildId)
      .orderBy('number')
      .execute();
    return rows.map(toIdea);
  }

  async allVotes(
    guildId: string,
  ): Promise<Array<{ ideaId: number; userId: string; value: VoteValue; votedAt: string }>> {
    return this.db
      .selectFrom('idea_votes as v')
      .innerJoin('ideas as i', 'i.id', 'v.idea_id')
      .select(['v.idea_id as ideaId', 'v.user_id as userId', 'v.value', 'v.voted_at as votedAt'])
      .where('i.guild_id', '=', guildId)
      .orderBy('v.idea_id')
      .orderBy('v.voted_at')
      .orderBy('v.user_id')
      .execute();
  }
}
