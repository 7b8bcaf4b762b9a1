// SQL for the ideas tables, prepared once. Multi-step changes run in one transaction, so a
// vote, a merge or a status change is all there or not at all.
import type Database from 'better-sqlite3';
import type { Db } from '../db/open.ts';
import type { Idea, IdeaDraftInput, IdeaEvent, IdeaStatus, ListSort, VoteValue } from './types.ts';

interface IdeaRow {
  id: number;
  guild_id: string;
  number: number;
  author_id: string;
  author_name: string;
  family: string | null;
  title: string;
  problem: string;
  proposal: string;
  evidence: string;
  status: IdeaStatus;
  status_reason: string | null;
  duplicate_of: number | null;
  up_count: number;
  down_count: number;
  channel_id: string | null;
  message_id: string | null;
  thread_id: string | null;
  is_forum: number;
  issue_repo: string | null;
  issue_number: number | null;
  issue_url: string | null;
  issue_etag: string | null;
  filed_at: string | null;
  section_up: number | null;
  section_down: number | null;
  created_at: string;
  updated_at: string;
}

/** A row of `ideas` (either engine's) as an Idea. */
export function toIdea(r: IdeaRow): Idea {
  return {
    id: r.id,
    guildId: r.guild_id,
    number: r.number,
    authorId: r.author_id,
    authorName: r.author_name,
    family: r.family,
    title: r.title,
    problem: r.problem,
    proposal: r.proposal,
    evidence: r.evidence,
    status: r.status,
    statusReason: r.status_reason,
    duplicateOf: r.duplicate_of,
    up: r.up_count,
    down: r.down_count,
    channelId: r.channel_id,
    messageId: r.message_id,
    threadId: r.thread_id,
    isForum: r.is_forum === 1,
    issueRepo: r.issue_repo,
    issueNumber: r.issue_number,
    issueUrl: r.issue_url,
    issueEtag: r.issue_etag,
    filedAt: r.filed_at,
    sectionUp: r.section_up,
    sectionDown: r.section_down,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export interface Draft extends IdeaDraftInput {
  id: number;
  guildId: string;
  userId: string;
  userName: string;
  createdAt: string;
}

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

export interface Filing {
  ideaId: number;
  repo: string;
  marker: string;
  labels: string[];
  state: 'pending' | 'done';
  startedAt: string;
  startedBy: string;
  attempts: number;
  issueNumber: number | null;
  issueUrl: string | null;
}

const ORDER: Record<Exclude<ListSort, 'trending'>, string> = {
  top: '(i.up_count - i.down_count) DESC, i.up_count DESC, i.id DESC',
  new: 'i.number DESC',
};

export class IdeaStore {
  private readonly s;

  constructor(readonly db: Db) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      nextNumber: p('SELECT COALESCE(MAX(number), 0) + 1 AS n FROM ideas WHERE guild_id = ?').pluck(),
      insert:
        p(`INSERT INTO ideas (guild_id, number, author_id, author_name, family, title, problem, proposal,
        evidence, created_at, updated_at, publish_pending) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING *`),
      byNumber: p('SELECT * FROM ideas WHERE guild_id = ? AND number = ?'),
      byId: p('SELECT * FROM ideas WHERE id = ?'),
      recentByAuthor: p(
        'SELECT COUNT(*) FROM ideas WHERE guild_id = ? AND author_id = ? AND created_at > ?',
      ).pluck(),
      setMessage: p(
        'UPDATE ideas SET channel_id = ?, message_id = ?, thread_id = ?, is_forum = ?, publish_pending = 0 WHERE id = ?',
      ),
      notPublishing: p('UPDATE ideas SET publish_pending = 0 WHERE id = ?'),
      unpublished: p(
        'SELECT * FROM ideas WHERE publish_pending = 1 AND message_id IS NULL AND created_at < ? ORDER BY id LIMIT ?',
      ),
      setThread: p('UPDATE ideas SET thread_id = ? WHERE id = ?'),
      match: p(`SELECT i.*, bm25(ideas_fts, 4.0, 1.0, 2.0, 0.5) AS rank FROM ideas_fts
        JOIN ideas i ON i.id = ideas_fts.rowid
        WHERE ideas_fts MATCH ? AND i.guild_id = ? ORDER BY rank LIMIT ? OFFSET ?`),
      newest: p(`SELECT i.* FROM ideas_fts JOIN ideas i ON i.id = ideas_fts.rowid
        WHERE ideas_fts MATCH ? AND i.guild_id = ? ORDER BY ideas_fts.rowid DESC LIMIT ? OFFSET ?`),
      maxId: p('SELECT COALESCE(MAX(id), 0) FROM ideas').pluck(),
      getVote: p('SELECT value FROM idea_votes WHERE idea_id = ? AND user_id = ?').pluck(),
      insertVote: p('INSERT INTO idea_votes (idea_id, user_id, value, voted_at) VALUES (?, ?, ?, ?)'),
      updateVote: p(
        'UPDATE idea_votes SET value = ?, voted_at = ?, merged_from = NULL WHERE idea_id = ? AND user_id = ?',
      ),
      deleteVote: p('DELETE FROM idea_votes WHERE idea_id = ? AND user_id = ?'),
      bumpCounts: p(
        'UPDATE ideas SET up_count = up_count + ?, down_count = down_count + ? WHERE id = ? RETURNING up_count, down_count',
      ),
      recount: p(`UPDATE ideas SET
        up_count = (SELECT COUNT(*) FROM idea_votes WHERE idea_id = ideas.id AND value = 1),
        down_count = (SELECT COUNT(*) FROM idea_votes WHERE idea_id = ideas.id AND value = -1)
        WHERE id = ?`),
      mergeVotes: p(`INSERT INTO idea_votes (idea_id, user_id, value, voted_at, merged_from)
        SELECT ?, user_id, value, voted_at, idea_id FROM idea_votes WHERE idea_id = ? AND true
        ON CONFLICT (idea_id, user_id) DO NOTHING`),
      unmergeVotes: p('DELETE FROM idea_votes WHERE idea_id = ? AND merged_from = ?'),
      votesOf: p(
        'SELECT user_id AS userId, value, voted_at AS votedAt FROM idea_votes WHERE idea_id = ? ORDER BY voted_at, user_id',
      ),
      setStatus: p(
        `UPDATE ideas SET status = ?, status_reason = ?, duplicate_of = ?, updated_at = ? WHERE id = ?`,
      ),
      insertEvent:
        p(`INSERT INTO idea_events (idea_id, actor_id, action, from_status, to_status, reason, detail, at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      events: p(`SELECT id, idea_id AS ideaId, actor_id AS actorId, action, from_status AS fromStatus,
        to_status AS toStatus, reason, detail, at FROM idea_events WHERE idea_id = ? ORDER BY id`),
      follow: p(`INSERT INTO idea_followers (idea_id, user_id, following, since) VALUES (?, ?, 1, ?)
        ON CONFLICT (idea_id, user_id) DO NOTHING`),
      setFollowing: p(`INSERT INTO idea_followers (idea_id, user_id, following, since) VALUES (?, ?, ?, ?)
        ON CONFLICT (idea_id, user_id) DO UPDATE SET following = excluded.following, since = excluded.since`),
      isFollowing: p('SELECT following FROM idea_followers WHERE idea_id = ? AND user_id = ?').pluck(),
      nextBatch: p('SELECT COALESCE(MAX(batch), 0) + 1 FROM idea_notices').pluck(),
      addNotice: p(
        'INSERT INTO idea_notices (idea_id, batch, user_id, text, created_at) VALUES (?, ?, ?, ?, ?)',
      ),
      openNotices: p(`SELECT id, idea_id AS ideaId, user_id AS userId, text, state FROM idea_notices
        WHERE batch = ? AND state IN ('pending', 'blocked') ORDER BY id`),
      openBatches: p(`SELECT DISTINCT batch FROM idea_notices WHERE state IN ('pending', 'blocked')
        AND created_at < ? ORDER BY batch LIMIT 100`).pluck(),
      noticeState: p('UPDATE idea_notices SET state = ? WHERE id = ?'),
      copyFollowers: p(`INSERT INTO idea_followers (idea_id, user_id, following, since)
        SELECT ?, user_id, following, since FROM idea_followers WHERE idea_id = ? AND true
        ON CONFLICT (idea_id, user_id) DO NOTHING`),
      followers: p(`SELECT f.user_id FROM idea_followers f WHERE f.idea_id = ? AND f.following = 1
        AND NOT EXISTS (SELECT 1 FROM idea_notification_optouts o WHERE o.guild_id = ? AND o.user_id = f.user_id)`).pluck(),
      optOut: p(`INSERT INTO idea_notification_optouts (guild_id, user_id, at) VALUES (?, ?, ?)
        ON CONFLICT DO NOTHING`),
      optIn: p('DELETE FROM idea_notification_optouts WHERE guild_id = ? AND user_id = ?'),
      optedOut: p('SELECT 1 FROM idea_notification_optouts WHERE guild_id = ? AND user_id = ?').pluck(),
      insertDraft:
        p(`INSERT INTO idea_drafts (guild_id, user_id, user_name, family, title, problem, proposal, evidence, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      draft: p('SELECT * FROM idea_drafts WHERE id = ? AND guild_id = ?'),
      deleteDraft: p('DELETE FROM idea_drafts WHERE id = ?'),
      deleteOldDrafts: p('DELETE FROM idea_drafts WHERE created_at < ?'),
      queue: p(`SELECT * FROM ideas WHERE guild_id = ? AND status = 'new' AND id > ? ORDER BY id LIMIT 1`),
      queueSize: p(`SELECT COUNT(*) FROM ideas WHERE guild_id = ? AND status = 'new'`).pluck(),
      filing: p('SELECT * FROM idea_filings WHERE idea_id = ?'),
      startFiling: p(`INSERT INTO idea_filings (idea_id, repo, marker, labels, state, started_at, started_by)
        VALUES (?, ?, ?, ?, 'pending', ?, ?)`),
      retryFiling: p('UPDATE idea_filings SET attempts = attempts + 1 WHERE idea_id = ?'),
      dropFiling: p(`DELETE FROM idea_filings WHERE idea_id = ? AND state = 'pending'`),
      finishFiling: p(
        `UPDATE idea_filings SET state = 'done', issue_number = ?, issue_url = ?, finished_at = ? WHERE idea_id = ?`,
      ),
      setIssue: p(`UPDATE ideas SET issue_repo = ?, issue_number = ?, issue_url = ?, filed_at = ?,
        section_up = NULL, section_down = NULL, updated_at = ? WHERE id = ?`),
      issueEtag: p('UPDATE ideas SET issue_etag = ?, issue_synced_at = ? WHERE id = ?'),
      sectionWritten: p('UPDATE ideas SET section_up = ?, section_down = ? WHERE id = ?'),
      filed: p(
        'SELECT * FROM ideas WHERE issue_number IS NOT NULL ORDER BY issue_synced_at IS NOT NULL, issue_synced_at, id LIMIT ?',
      ),
      all: p('SELECT * FROM ideas WHERE guild_id = ? ORDER BY number'),
      votesOfGuild: p(`SELECT v.idea_id AS ideaId, v.user_id AS userId, v.value, v.voted_at AS votedAt
        FROM idea_votes v JOIN ideas i ON i.id = v.idea_id WHERE i.guild_id = ? ORDER BY v.idea_id, v.voted_at, v.user_id`),
    };
  }

  insertIdea(
    guildId: string,
    authorId: string,
    authorName: string,
    input: IdeaDraftInput,
    now: string,
  ): Idea {
    return this.db.transaction(() => {
      const number = this.s.nextNumber.get(guildId) as number;
      const row = this.s.insert.get(
        guildId,
        number,
        authorId,
        authorName,
        input.family,
        input.title,
        input.problem,
        input.proposal,
        input.evidence,
        now,
        now,
      ) as IdeaRow;
      this.s.follow.run(row.id, authorId, now);
      this.addEvent(row.id, authorId, 'submitted', null, 'new', null, null, now);
      return toIdea(row);
    })();
  }

  get(guildId: string, number: number): Idea | undefined {
    const row = this.s.byNumber.get(guildId, number) as IdeaRow | undefined;
    return row && toIdea(row);
  }

  getById(id: number): Idea | undefined {
    const row = this.s.byId.get(id) as IdeaRow | undefined;
    return row && toIdea(row);
  }

  submittedSince(guildId: string, authorId: string, since: string): number {
    return this.s.recentByAuthor.get(guildId, authorId, since) as number;
  }

  setMessage(
    id: number,
    where: { channelId: string; messageId: string; threadId: string | null; isForum: boolean },
  ): void {
    this.s.setMessage.run(where.channelId, where.messageId, where.threadId, where.isForum ? 1 : 0, id);
  }

  /** The idea will not be posted (its server has no ideas channel). */
  clearPublishPending(id: number): void {
    this.s.notPublishing.run(id);
  }

  /** Ideas saved before `before` whose post never happened, oldest first. */
  unpublished(before: string, limit: number): Idea[] {
    return (this.s.unpublished.all(before, limit) as IdeaRow[]).map(toIdea);
  }

  setThread(id: number, threadId: string): void {
    this.s.setThread.run(threadId, id);
  }

  /** Ideas matching an FTS5 expression, best bm25 first (title counts most). */
  match(guildId: string, expression: string, limit: number, offset = 0): Array<Idea & { rank: number }> {
    return (this.s.match.all(expression, guildId, limit, offset) as Array<IdeaRow & { rank: number }>).map(
      (r) => ({ ...toIdea(r), rank: r.rank }),
    );
  }

  /** Matches newest first: for terms so common that ranking them would read half the index. */
  newestMatching(guildId: string, expression: string, limit: number, offset = 0): Idea[] {
    return (this.s.newest.all(expression, guildId, limit, offset) as IdeaRow[]).map(toIdea);
  }

  private vocab: { terms: Map<string, number>; docs: number } | undefined;

  /**
   * How many ideas contain each indexed term (porter stems), read from FTS5's own vocabulary and
   * cached: exact counts do not matter, only which words are rare. Reloaded when the number of
   * ideas has grown by a tenth.
   */
  termFrequencies(): { terms: Map<string, number>; docs: number } {
    const docs = this.s.maxId.get() as number;
    if (!this.vocab || docs > this.vocab.docs * 1.1 + 100) {
      this.db.exec(
        'CREATE VIRTUAL TABLE IF NOT EXISTS temp.ideas_vocab USING fts5vocab(main, ideas_fts, row)',
      );
      const rows = this.db.prepare('SELECT term, doc FROM temp.ideas_vocab').raw().all() as Array<
        [string, number]
      >;
      this.vocab = { terms: new Map(rows), docs };
    }
    return this.vocab;
  }

  /** The index's stem of each word (the same porter tokenizer, run by SQLite on a scratch table). */
  stems(words: string[]): Map<string, string> {
    if (!this.stemmer) {
      this.db.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS temp.idea_stem_scratch USING fts5 (w, tokenize = 'porter unicode61');
        CREATE VIRTUAL TABLE IF NOT EXISTS temp.idea_stem_terms USING fts5vocab (temp, idea_stem_scratch, instance);`);
      this.stemmer = {
        clear: this.db.prepare('DELETE FROM temp.idea_stem_scratch'),
        add: this.db.prepare('INSERT INTO temp.idea_stem_scratch (rowid, w) VALUES (?, ?)'),
        read: this.db.prepare('SELECT term, doc FROM temp.idea_stem_terms'),
      };
    }
    const { clear, add, read } = this.stemmer;
    const rows = this.db.transaction(() => {
      clear.run();
      for (const [i, w] of words.entries()) add.run(i + 1, w);
      return read.all() as Array<{ term: string; doc: number }>;
    })();
    const out = new Map<string, string>();
    for (const r of rows) {
      const word = words[r.doc - 1];
      if (word !== undefined && !out.has(word)) out.set(word, r.term);
    }
    return out;
  }

  private stemmer:
    | { clear: Database.Statement; add: Database.Statement; read: Database.Statement }
    | undefined;

  list(guildId: string, q: ListQuery): Idea[] {
    const where = ['i.guild_id = ?'];
    const args: unknown[] = [guildId];
    if (q.status) {
      where.push('i.status = ?');
      args.push(q.status);
    } else {
      // Duplicates live on in the idea they were merged into.
      where.push("i.status <> 'duplicate'");
    }
    if (q.family) {
      where.push('i.family = ?');
      args.push(q.family);
    }
    let sql: string;
    if (q.sort === 'trending') {
      // Driven from the recent votes (a covering index), sorted before the join so only the rows
      // of the page are read from the ideas table.
      sql = `SELECT i.* FROM (SELECT idea_id, SUM(value) AS recent FROM idea_votes INDEXED BY idea_votes_recent
        WHERE voted_at >= ? GROUP BY idea_id ORDER BY recent DESC, idea_id DESC) t
        CROSS JOIN ideas i ON i.id = t.idea_id WHERE ${where.join(' AND ')}
        ORDER BY t.recent DESC, t.idea_id DESC LIMIT ? OFFSET ?`;
      args.unshift(q.trendingSince ?? '');
    } else {
      sql = `SELECT i.* FROM ideas i WHERE ${where.join(' AND ')} ORDER BY ${ORDER[q.sort]} LIMIT ? OFFSET ?`;
    }
    return (this.db.prepare(sql).all(...args, q.limit, q.offset) as IdeaRow[]).map(toIdea);
  }

  /**
   * One member's click: a first vote counts, the same vote again withdraws it, the other one
   * switches it. Counts change by exact deltas inside the transaction, so concurrent clicks
   * never lose an update.
   */
  vote(
    ideaId: number,
    userId: string,
    value: VoteValue,
    now: string,
  ): { outcome: VoteOutcome; up: number; down: number } {
    return this.db.transaction(() => {
      const previous = this.s.getVote.get(ideaId, userId) as VoteValue | undefined;
      let outcome: VoteOutcome;
      let dUp = 0;
      let dDown = 0;
      if (previous === undefined) {
        this.s.insertVote.run(ideaId, userId, value, now);
        outcome = 'added';
        if (value === 1) dUp = 1;
        else dDown = 1;
      } else if (previous === value) {
        this.s.deleteVote.run(ideaId, userId);
        outcome = 'withdrawn';
        if (value === 1) dUp = -1;
        else dDown = -1;
      } else {
        this.s.updateVote.run(value, now, ideaId, userId);
        outcome = 'changed';
        dUp = value === 1 ? 1 : -1;
        dDown = -dUp;
      }
      const counts = this.s.bumpCounts.get(dUp, dDown, ideaId) as { up_count: number; down_count: number };
      if (outcome !== 'withdrawn') this.s.follow.run(ideaId, userId, now);
      return { outcome, up: counts.up_count, down: counts.down_count };
    })();
  }

  voteOf(ideaId: number, userId: string): VoteValue | undefined {
    return this.s.getVote.get(ideaId, userId) as VoteValue | undefined;
  }

  votes(ideaId: number): Array<{ userId: string; value: VoteValue; votedAt: string }> {
    return this.s.votesOf.all(ideaId) as Array<{ userId: string; value: VoteValue; votedAt: string }>;
  }

  /** Carries a duplicate's voters and followers into the idea it duplicates; a member who voted on both counts once. */
  mergeInto(fromId: number, intoId: number): void {
    this.s.mergeVotes.run(intoId, fromId);
    this.s.copyFollowers.run(intoId, fromId);
    this.s.recount.run(intoId);
  }

  /** Takes back exactly the votes a merge carried over (a revised duplicate decision). */
  unmerge(fromId: number, intoId: number): void {
    this.s.unmergeVotes.run(intoId, fromId);
    this.s.recount.run(intoId);
  }

  setStatus(
    id: number,
    status: IdeaStatus,
    reason: string | null,
    duplicateOf: number | null,
    now: string,
  ): void {
    this.s.setStatus.run(status, reason, duplicateOf, now, id);
  }

  addEvent(
    ideaId: number,
    actorId: string,
    action: string,
    from: IdeaStatus | null,
    to: IdeaStatus | null,
    reason: string | null,
    detail: string | null,
    now: string,
  ): void {
    this.s.insertEvent.run(ideaId, actorId, action, from, to, reason, detail, now);
  }

  events(ideaId: number): IdeaEvent[] {
    return this.s.events.all(ideaId) as IdeaEvent[];
  }

  setFollowing(ideaId: number, userId: string, following: boolean, now: string): void {
    this.s.setFollowing.run(ideaId, userId, following ? 1 : 0, now);
  }

  isFollowing(ideaId: number, userId: string): boolean {
    return this.s.isFollowing.get(ideaId, userId) === 1;
  }

  /** Records one notice per recipient; returns their batch. */
  addNotices(ideaId: number, userIds: string[], text: string, now: string): number {
    return this.db.transaction(() => {
      const batch = this.s.nextBatch.get() as number;
      for (const userId of userIds) this.s.addNotice.run(ideaId, batch, userId, text, now);
      return batch;
    })();
  }

  openNotices(
    batch: number,
  ): Array<{ id: number; ideaId: number; userId: string; text: string; state: 'pending' | 'blocked' }> {
    return this.s.openNotices.all(batch) as Array<{
      id: number;
      ideaId: number;
      userId: string;
      text: string;
      state: 'pending' | 'blocked';
    }>;
  }

  /** Batches with notices still to send, written before `before`. */
  openNoticeBatches(before: string): number[] {
    return this.s.openBatches.all(before) as number[];
  }

  setNoticeState(id: number, state: 'sent' | 'blocked' | 'noted'): void {
    this.s.noticeState.run(state, id);
  }

  /** Who to tell about a change: following the idea, and not opted out of the server's idea notifications. */
  followers(ideaId: number, guildId: string): string[] {
    return this.s.followers.all(ideaId, guildId) as string[];
  }

  setNotifications(guildId: string, userId: string, enabled: boolean, now: string): void {
    if (enabled) this.s.optIn.run(guildId, userId);
    else this.s.optOut.run(guildId, userId, now);
  }

  notificationsEnabled(guildId: string, userId: string): boolean {
    return this.s.optedOut.get(guildId, userId) === undefined;
  }

  saveDraft(
    guildId: string,
    userId: string,
    userName: string,
    input: IdeaDraftInput,
    now: string,
    expireBefore: string,
  ): number {
    this.s.deleteOldDrafts.run(expireBefore);
    const r = this.s.insertDraft.run(
      guildId,
      userId,
      userName,
      input.family,
      input.title,
      input.problem,
      input.proposal,
      input.evidence,
      now,
    );
    return Number(r.lastInsertRowid);
  }

  draft(guildId: string, id: number): Draft | undefined {
    const r = this.s.draft.get(id, guildId) as
      | {
          id: number;
          guild_id: string;
          user_id: string;
          user_name: string;
          family: string | null;
          title: string;
          problem: string;
          proposal: string;
          evidence: string;
          created_at: string;
        }
      | undefined;
    if (!r) return undefined;
    return {
      id: r.id,
      guildId: r.guild_id,
      userId: r.user_id,
      userName: r.user_name,
      family: r.family,
      title: r.title,
      problem: r.problem,
      proposal: r.proposal,
      evidence: r.evidence,
      createdAt: r.created_at,
    };
  }

  deleteDraft(id: number): void {
    this.s.deleteDraft.run(id);
  }

  /** The next idea waiting for review after `afterId` (0 for the oldest). */
  nextInQueue(guildId: string, afterId: number): Idea | undefined {
    const row = this.s.queue.get(guildId, afterId) as IdeaRow | undefined;
    return row && toIdea(row);
  }

  queueSize(guildId: string): number {
    return this.s.queueSize.get(guildId) as number;
  }

  filing(ideaId: number): Filing | undefined {
    const r = this.s.filing.get(ideaId) as
      | {
          idea_id: number;
          repo: string;
          marker: string;
          labels: string;
          state: 'pending' | 'done';
          started_at: string;
          started_by: string;
          attempts: number;
          issue_number: number | null;
          issue_url: string | null;
        }
      | undefined;
    if (!r) return undefined;
    return {
      ideaId: r.idea_id,
      repo: r.repo,
      marker: r.marker,
      labels: JSON.parse(r.labels) as string[],
      state: r.state,
      startedAt: r.started_at,
      startedBy: r.started_by,
      attempts: r.attempts,
      issueNumber: r.issue_number,
      issueUrl: r.issue_url,
    };
  }

  startFiling(ideaId: number, repo: string, marker: string, labels: string[], now: string, by: string): void {
    this.s.startFiling.run(ideaId, repo, marker, JSON.stringify(labels), now, by);
  }

  retryFiling(ideaId: number): void {
    this.s.retryFiling.run(ideaId);
  }

  /** Forgets an intent whose call certainly created nothing (GitHub answered with a refusal). */
  dropFiling(ideaId: number): void {
    this.s.dropFiling.run(ideaId);
  }

  finishFiling(ideaId: number, repo: string, issueNumber: number, issueUrl: string, now: string): void {
    this.s.finishFiling.run(issueNumber, issueUrl, now, ideaId);
    this.s.setIssue.run(repo, issueNumber, issueUrl, now, now, ideaId);
  }

  setIssueEtag(ideaId: number, etag: string | null, now: string): void {
    this.s.issueEtag.run(etag, now, ideaId);
  }

  sectionWritten(ideaId: number, up: number, down: number): void {
    this.s.sectionWritten.run(up, down, ideaId);
  }

  /** Filed ideas, least recently synced first. */
  filedIdeas(limit: number): Idea[] {
    return (this.s.filed.all(limit) as IdeaRow[]).map(toIdea);
  }

  allIdeas(guildId: string): Idea[] {
    return (this.s.all.all(guildId) as IdeaRow[]).map(toIdea);
  }

  allVotes(guildId: string): Array<{ ideaId: number; userId: string; value: VoteValue; votedAt: string }> {
    return this.s.votesOfGuild.all(guildId) as Array<{
      ideaId: number;
      userId: string;
      value: VoteValue;
      votedAt: string;
    }>;
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }
}
