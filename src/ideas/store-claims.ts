// The ideas tables whose rows stand for something done outside the database exactly once: a
// GitHub issue filed (idea_filings) and notices sent (idea_notices). Each is claimed by one
// process with one conditional statement before the outside call, so processes sharing the
// database never both make it; a claim lapses at claim_expires_at if its process dies mid-call.
import type { Kysely, Selectable } from 'kysely';
import type { DB, IdeaFilingsTable } from '../db/schema.ts';

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

/** What claimFiling got: the first attempt, a retry of an unfinished one, or nothing to do now. */
export type FilingClaim =
  | { kind: 'first' | 'retry'; filing: Filing }
  | { kind: 'busy' | 'done'; filing: Filing };

export interface Notice {
  id: number;
  ideaId: number;
  userId: string;
  text: string;
  state: 'pending' | 'blocked';
}

const toFiling = (r: Selectable<IdeaFilingsTable>): Filing => ({
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
});

const OPEN = ['pending', 'blocked'] as const;

export class IdeaClaims {
  constructor(readonly db: Kysely<DB>) {}

  async filing(ideaId: number): Promise<Filing | undefined> {
    const row = await this.db
      .selectFrom('idea_filings')
      .selectAll()
      .where('idea_id', '=', ideaId)
      .executeTakeFirst();
    return row && toFiling(row);
  }

  /**
   * Records the intent to file (first attempt) or takes over an unfinished one whose claim is free
   * or lapsed (retry), for `claimant` until `until`: each one statement, so of two processes
   * filing at once exactly one gets the claim and the other is told 'busy'.
   */
  async claimFiling(
    intent: { ideaId: number; repo: string; marker: string; labels: string[]; by: string },
    claimant: string,
    now: string,
    until: string,
  ): Promise<FilingClaim> {
    const inserted = await this.db
      .insertInto('idea_filings')
      .values({
        idea_id: intent.ideaId,
        repo: intent.repo,
        marker: intent.marker,
        labels: JSON.stringify(intent.labels),
        state: 'pending',
        started_at: now,
        started_by: intent.by,
        claimed_by: claimant,
        claim_expires_at: until,
      })
      .onConflict((oc) => oc.column('idea_id').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (inserted) return { kind: 'first', filing: toFiling(inserted) };
    const retried = await this.db
      .updateTable('idea_filings')
      .set((eb) => ({ attempts: eb('attempts', '+', 1), claimed_by: claimant, claim_expires_at: until }))
      .where('idea_id', '=', intent.ideaId)
      .where('state', '=', 'pending')
      .where((eb) => eb.or([eb('claim_expires_at', 'is', null), eb('claim_expires_at', '<=', now)]))
      .returningAll()
      .executeTakeFirst();
    if (retried) return { kind: 'retry', filing: toFiling(retried) };
    const current = await this.filing(intent.ideaId);
    if (!current) return this.claimFiling(intent, claimant, now, until); // dropped meanwhile
    return { kind: current.state === 'done' ? 'done' : 'busy', filing: current };
  }

  /** The attempt ended without knowing whether the issue exists: the next one may start at once. */
  async releaseFiling(ideaId: number, claimant: string): Promise<void> {
    await this.db
      .updateTable('idea_filings')
      .set({ claimed_by: null, claim_expires_at: null })
      .where('idea_id', '=', ideaId)
      .where('claimed_by', '=', claimant)
      .where('state', '=', 'pending')
      .execute();
  }

  /** Forgets an intent whose call certainly created nothing (GitHub answered with a refusal). */
  async dropFiling(ideaId: number, claimant: string): Promise<void> {
    await this.db
      .deleteFrom('idea_filings')
      .where('idea_id', '=', ideaId)
      .where('state', '=', 'pending')
      .where('claimed_by', '=', claimant)
      .execute();
  }

  /** Records the issue; false when the filing was already done (by another attempt). */
  async finishFiling(
    ideaId: number,
    repo: string,
    issueNumber: number,
    issueUrl: string,
    now: string,
  ): Promise<boolean> {
    const r = await this.db
      .updateTable('idea_filings')
      .set({
        state: 'done',
        issue_number: issueNumber,
        issue_url: issueUrl,
        finished_at: now,
        claimed_by: null,
        claim_expires_at: null,
      })
      .where('idea_id', '=', ideaId)
      .where('state', '=', 'pending')
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) return false;
    await this.db
      .updateTable('ideas')
      .set({
        issue_repo: repo,
        issue_number: issueNumber,
        issue_url: issueUrl,
        filed_at: now,
        section_up: null,
        section_down: null,
        updated_at: now,
      })
      .where('id', '=', ideaId)
      .execute();
    return true;
  }

  /**
   * Records one notice per recipient as one batch, claimed by the process that will send it.
   * The batch is the first notice's id: unique without a MAX(batch) + 1 two processes could share.
   */
  async addNotices(
    ideaId: number,
    userIds: string[],
    text: string,
    now: string,
    claim: { claimant: string; until: string },
  ): Promise<number> {
    const [first, ...rest] = userIds;
    if (first === undefined) throw new Error('addNotices needs at least one recipient');
    const row = (userId: string, batch: number) => ({
      idea_id: ideaId,
      batch,
      user_id: userId,
      text,
      created_at: now,
      claimed_by: claim.claimant,
      claim_expires_at: claim.until,
    });
    const run = async (db: Kysely<DB>) => {
      const { id } = await db
        .insertInto('idea_notices')
        .values(row(first, 0))
        .returning('id')
        .executeTakeFirstOrThrow();
      await db.updateTable('idea_notices').set({ batch: id }).where('id', '=', id).execute();
      if (rest.length > 0)
        await db
          .insertInto('idea_notices')
          .values(rest.map((u) => row(u, id)))
          .execute();
      return id;
    };
    return this.db.isTransaction ? run(this.db) : this.db.transaction().execute(run);
  }

  /**
   * Claims a batch's open notices for `claimant` until `until`, when unclaimed, lapsed or already
   * its own; returns them (none when another process holds the batch).
   */
  async claimNotices(batch: number, claimant: string, now: string, until: string): Promise<Notice[]> {
    const rows = await this.db
      .updateTable('idea_notices')
      .set({ claimed_by: claimant, claim_expires_at: until })
      .where('batch', '=', batch)
      .where('state', 'in', OPEN)
      .where((eb) =>
        eb.or([
          eb('claim_expires_at', 'is', null),
          eb('claim_expires_at', '<=', now),
          eb('claimed_by', '=', claimant),
        ]),
      )
      .returning(['id', 'idea_id as ideaId', 'user_id as userId', 'text', 'state'])
      .execute();
    return (rows as Notice[]).sort((a, b) => a.id - b.id);
  }

  async openNotices(batch: number): Promise<Notice[]> {
    const rows = await this.db
      .selectFrom('idea_notices')
      .select(['id', 'idea_id as ideaId', 'user_id as userId', 'text', 'state'])
      .where('batch', '=', batch)
      .where('state', 'in', OPEN)
      .orderBy('id')
      .execute();
    return rows as Notice[];
  }

  /** Batches with notices still to send that no process holds (unclaimed or lapsed). */
  async openNoticeBatches(now: string): Promise<number[]> {
    const rows = await this.db
      .selectFrom('idea_notices')
      .select('batch')
      .distinct()
      .where('state', 'in', OPEN)
      .where((eb) => eb.or([eb('claim_expires_at', 'is', null), eb('claim_expires_at', '<=', now)]))
      .orderBy('batch')
      .limit(100)
      .execute();
    return rows.map((r) => r.batch);
  }

  async setNoticeState(id: number, state: 'sent' | 'blocked' | 'noted'): Promise<void> {
    await this.db.updateTable('idea_notices').set({ state }).where('id', '=', id).execute();
  }
}
