// SQL of the tracking tables (watches, source_state, events, deliveries), in one place, over Kysely:
// the same queries on SQLite and PostgreSQL, several bot processes sharing the database.
import type { Kysely, Selectable, Transaction, Updateable } from 'kysely';
import type { DB } from '../db/schema.ts';

export type Source = 'github' | 'huggingface';
export type Kind = 'releases' | 'issues' | 'models';
export type WatchKinds = 'releases' | 'issues' | 'both' | 'models';
export type PrereleaseFilter = 'include' | 'exclude' | 'only';
export type IssueState = 'open' | 'closed';

export interface Watch {
  id: number;
  guildId: string;
  channelId: string;
  source: Source;
  target: string;
  targetKey: string;
  kinds: WatchKinds;
  prereleases: PrereleaseFilter;
  labels: string[];
  preset: string | null;
  createdAt: string;
  createdBy: string | null;
  failingSinceAt: string | null;
  lastError: string | null;
  /** A private repository: who confirmed its posts may go to this channel, and when (migration 0008). */
  privateConfirmedBy: string | null;
  privateConfirmedAt: string | null;
}

/** A /watch add of a private repository waiting for its curator's confirmation. */
export interface WatchConfirmation {
  token: string;
  guildId: string;
  userId: string;
  target: string;
  /** The add request as given, JSON. */
  request: string;
  createdAt: string;
}

export interface SourceState {
  source: Source;
  targetKey: string;
  kind: Kind;
  target: string;
  etag: string | null;
  cursor: string | null;
  baselineAt: string | null;
  nextPollAt: string;
  lastPollAt: string | null;
  lastSuccessAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
}

/** One release, issue or model as the sources report it. */
export interface TrackedItem {
  externalId: string;
  title: string;
  url: string;
  author: string | null;
  body: string | null;
  prerelease: boolean;
  labels: string[];
  details: Record<string, string>;
  publishedAt: string;
  /** Issues: open or closed, as GitHub says now. */
  state?: IssueState | null;
  /** Issues: when GitHub closed it (ISO, null while open). */
  closedAt?: string | null;
  /** Read by a poll that could not reach back to the previous one: older ones may be unread. */
  afterGap?: boolean;
}

/**
 * What an issue source knew at its baseline (its first poll). An issue is new when it was created
 * at or after `from` AND numbered above `number`; a close is news when it happened after `from`.
 */
export interface IssueMark {
  /** GitHub's time of the baseline: the newest updated_at it showed then (ISO). */
  from: string;
  /** The highest issue or pull request number it showed then. */
  number: number;
}

export interface TrackedEvent extends TrackedItem {
  id: number;
  source: Source;
  targetKey: string;
  kind: Kind;
  target: string;
  firstSeenAt: string;
  updatedAt: string;
  baseline: boolean;
  state: IssueState | null;
  /** A close recorded as news (after the source's baseline); see migrations/0006_issue_activity.sql. */
  closedAt: string | null;
}

export interface PendingDelivery {
  id: number;
  watchId: number;
  channelId: string;
  attempts: number;
  /** Made by a poll that could not read back to the previous one (see migrations/0008). */
  afterGap: boolean;
  event: TrackedEvent;
}

export interface SentDelivery {
  id: number;
  watchId: number;
  channelId: string;
  messageId: string;
}

/** Which source kinds a watch's `kinds` covers. */
export function kindsOf(kinds: WatchKinds): Kind[] {
  return kinds === 'both' ? ['releases', 'issues'] : [kinds];
}

type WatchRow = Selectable<DB['watches']>;
type StateRow = Selectable<DB['source_state']>;
type EventRow = Selectable<DB['events']>;

const toWatch = (r: WatchRow): Watch => ({
  id: r.id,
  guildId: r.guild_id,
  channelId: r.channel_id,
  source: r.source,
  target: r.target,
  targetKey: r.target_key,
  kinds: r.kinds,
  prereleases: r.prereleases,
  labels: r.labels ? (JSON.parse(r.labels) as string[]) : [],
  preset: r.preset ?? null,
  createdAt: r.created_at,
  createdBy: r.created_by ?? null,
  failingSinceAt: r.failing_since_at ?? null,
  lastError: r.last_error ?? null,
  privateConfirmedBy: r.private_confirmed_by ?? null,
  privateConfirmedAt: r.private_confirmed_at ?? null,
});

const toState = (r: StateRow): SourceState => ({
  source: r.source as Source,
  targetKey: r.target_key,
  kind: r.kind,
  target: r.target,
  etag: r.etag ?? null,
  cursor: r.cursor ?? null,
  baselineAt: r.baseline_at ?? null,
  nextPollAt: r.next_poll_at,
  lastPollAt: r.last_poll_at ?? null,
  lastSuccessAt: r.last_success_at ?? null,
  lastError: r.last_error ?? null,
  lastErrorAt: r.last_error_at ?? null,
});

const toEvent = (r: EventRow): TrackedEvent => ({
  id: r.id,
  source: r.source as Source,
  targetKey: r.target_key,
  kind: r.kind as Kind,
  target: r.target,
  externalId: r.external_id,
  title: r.title,
  url: r.url,
  author: r.author ?? null,
  body: r.body ?? null,
  prerelease: r.prerelease === 1,
  labels: r.labels ? (JSON.parse(r.labels) as string[]) : [],
  details: r.details ? (JSON.parse(r.details) as Record<string, string>) : {},
  publishedAt: r.published_at,
  firstSeenAt: r.first_seen_at,
  updatedAt: r.updated_at,
  baseline: r.baseline === 1,
  state: r.state ?? null,
  closedAt: r.closed_at ?? null,
});

const jsonList = (list: string[]) => (list.length ? JSON.stringify(list) : null);

export type NewWatch = Omit<
  Watch,
  'id' | 'failingSinceAt' | 'lastError' | 'privateConfirmedBy' | 'privateConfirmedAt'
> &
  Partial<Pick<Watch, 'privateConfirmedBy' | 'privateConfirmedAt'>>;

export type SourceKey = Pick<SourceState, 'source' | 'targetKey' | 'kind'>;
export type SourcePatch = Partial<Omit<SourceState, 'source' | 'targetKey' | 'kind' | 'target'>>;
/** What a poll read of its source's row: its update applies only while the row is still so. */
export type SourceVersion = Pick<SourceState, 'etag' | 'cursor' | 'lastPollAt'>;

const SOURCE_COLUMNS = {
  etag: 'etag',
  cursor: 'cursor',
  baselineAt: 'baseline_at',
  nextPollAt: 'next_poll_at',
  lastPollAt: 'last_poll_at',
  lastSuccessAt: 'last_success_at',
  lastError: 'last_error',
  lastErrorAt: 'last_error_at',
} as const satisfies Record<keyof SourcePatch, keyof StateRow>;

export class TrackingStore {
  /** `db` may be a transaction (see transaction()): every method then runs inside it. */
  constructor(readonly db: Kysely<DB>) {}

  /**
   * Runs `fn` in one transaction with a store bound to it (or in the transaction already open).
   * On PostgreSQL it is READ COMMITTED: what must happen once is guarded by unique keys and
   * conditional updates, not by the isolation level. Inside `fn`, query only through the store it
   * gets: on SQLite (one connection) a query through any other waits for the transaction to end.
   */
  transaction<T>(fn: (store: TrackingStore) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) return fn(this);
    return this.db.transaction().execute((trx: Transaction<DB>) => fn(new TrackingStore(trx)));
  }

  // --- watches ---------------------------------------------------------------------------

  async insertWatch(w: NewWatch): Promise<Watch> {
    const row = await this.db
      .insertInto('watches')
      .values({
        guild_id: w.guildId,
        channel_id: w.channelId,
        source: w.source,
        target: w.target,
        target_key: w.targetKey,
        kinds: w.kinds,
        prereleases: w.prereleases,
        labels: jsonList(w.labels),
        preset: w.preset,
        created_at: w.createdAt,
        created_by: w.createdBy,
        private_confirmed_by: w.privateConfirmedBy ?? null,
        private_confirmed_at: w.privateConfirmedAt ?? null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toWatch(row);
  }

  async insertConfirmation(c: WatchConfirmation): Promise<void> {
    await this.db
      .insertInto('watch_confirmations')
      .values({
        token: c.token,
        guild_id: c.guildId,
        user_id: c.userId,
        target: c.target,
        request: c.request,
        created_at: c.createdAt,
      })
      .execute();
  }

  /**
   * Removes and returns a pending confirmation of this member in this server made at or after
   * `notBefore`: a token is good for one click, by the member who asked (one DELETE … RETURNING,
   * so two processes handling a double click hand it to one of them).
   */
  async takeConfirmation(
    token: string,
    guildId: string,
    userId: string,
    notBefore: string,
  ): Promise<WatchConfirmation | undefined> {
    const row = await this.db
      .deleteFrom('watch_confirmations')
      .where('token', '=', token)
      .where('guild_id', '=', guildId)
      .where('user_id', '=', userId)
      .where('created_at', '>=', notBefore)
      .returningAll()
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      token: row.token,
      guildId: row.guild_id,
      userId: row.user_id,
      target: row.target,
      request: row.request,
      createdAt: row.created_at,
    };
  }

  /** Forgets confirmations nobody clicked before `before`. */
  async dropConfirmationsBefore(before: string): Promise<void> {
    await this.db.deleteFrom('watch_confirmations').where('created_at', '<', before).execute();
  }

  async watch(id: number): Promise<Watch | undefined> {
    const row = await this.db.selectFrom('watches').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toWatch(row) : undefined;
  }

  async watchesInGuild(guildId: string): Promise<Watch[]> {
    const rows = await this.db
      .selectFrom('watches')
      .selectAll()
      .where('guild_id', '=', guildId)
      .orderBy('id')
      .execute();
    return rows.map(toWatch);
  }

  /** Watches of a target in one channel (to refuse duplicates). */
  async watchesInChannel(channelId: string, source: Source, targetKey: string): Promise<Watch[]> {
    const rows = await this.db
      .selectFrom('watches')
      .selectAll()
      .where('channel_id', '=', channelId)
      .where('source', '=', source)
      .where('target_key', '=', targetKey)
      .execute();
    return rows.map(toWatch);
  }

  /** Every watch that covers (source, target, kind). */
  async watchesOf(source: Source, targetKey: string, kind: Kind): Promise<Watch[]> {
    const kinds: Array<WatchKinds> = kind === 'models' ? ['models'] : [kind, 'both'];
    const rows = await this.db
      .selectFrom('watches')
      .selectAll()
      .where('source', '=', source)
      .where('target_key', '=', targetKey)
      .where('kinds', 'in', kinds)
      .orderBy('id')
      .execute();
    return rows.map(toWatch);
  }

  async deleteWatch(id: number): Promise<void> {
    await this.transaction(async ({ db }) => {
      const watch = await db
        .deleteFrom('watches')
        .where('id', '=', id)
        .returning(['source', 'target_key'])
        .executeTakeFirst();
      if (!watch) return;
      // A source nobody watches any more is not polled; its events stay for the digest.
      await db
        .deleteFrom('source_state')
        .where('source', '=', watch.source)
        .where('target_key', '=', watch.target_key)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('watches as w')
                .select('w.id')
                .whereRef('w.source', '=', 'source_state.source')
                .whereRef('w.target_key', '=', 'source_state.target_key')
                .where((eb) =>
                  eb.or([
                    eb('w.kinds', '=', eb.ref('source_state.kind')),
                    eb.and([
                      eb('w.kinds', '=', 'both'),
                      eb('source_state.kind', 'in', ['releases', 'issues']),
                    ]),
                  ]),
                ),
            ),
          ),
        )
        .execute();
    });
  }

  async markWatchFailing(id: number, error: string, at: string): Promise<void> {
    await this.db
      .updateTable('watches')
      .set((eb) => ({ failing_since_at: eb.fn.coalesce('failing_since_at', eb.val(at)), last_error: error }))
      .where('id', '=', id)
      .execute();
  }

  async clearWatchFailing(id: number): Promise<void> {
    await this.db
      .updateTable('watches')
      .set({ failing_since_at: null, last_error: null })
      .where('id', '=', id)
      .where('failing_since_at', 'is not', null)
      .execute();
  }

  async countWatches(guildId: string | null): Promise<number> {
    let query = this.db.selectFrom('watches').select((eb) => eb.fn.countAll<number>().as('n'));
    if (guildId) query = query.where('guild_id', '=', guildId);
    const row = await query.executeTakeFirstOrThrow();
    return Number(row.n);
  }

  // --- source state ----------------------------------------------------------------------

  async ensureSource(
    source: Source,
    targetKey: string,
    kind: Kind,
    target: string,
    nextPollAt: string,
  ): Promise<void> {
    await this.db
      .insertInto('source_state')
      .values({ source, target_key: targetKey, kind, target, next_poll_at: nextPollAt })
      .onConflict((oc) => oc.columns(['source', 'target_key', 'kind']).doNothing())
      .execute();
  }

  async source(source: Source, targetKey: string, kind: Kind): Promise<SourceState | undefined> {
    const row = await this.db
      .selectFrom('source_state')
      .selectAll()
      .where('source', '=', source)
      .where('target_key', '=', targetKey)
      .where('kind', '=', kind)
      .executeTakeFirst();
    return row ? toState(row) : undefined;
  }

  /** Sources per endpoint (`source:kind`): the poll plan is rebuilt when these change. */
  async sourceCounts(): Promise<Map<string, number>> {
    const rows = await this.db
      .selectFrom('source_state')
      .select(['source', 'kind', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy(['source', 'kind'])
      .execute();
    return new Map(rows.map((r) => [`${r.source}:${r.kind}`, Number(r.n)]));
  }

  async sourceKeys(): Promise<SourceKey[]> {
    const rows = await this.db.selectFrom('source_state').select(['source', 'target_key', 'kind']).execute();
    return rows.map((r) => ({ source: r.source as Source, targetKey: r.target_key, kind: r.kind }));
  }

  async dueSources(now: string): Promise<SourceState[]> {
    const rows = await this.db
      .selectFrom('source_state')
      .selectAll()
      .where('next_poll_at', '<=', now)
      .orderBy('next_poll_at')
      .orderBy('source')
      .orderBy('target_key')
      .orderBy('kind')
      .execute();
    return rows.map(toState);
  }

  /**
   * Applies a poll's outcome to its source. With `expected` (what the poll read), only while the
   * row is still as read: when another process polled the source meanwhile, its ETag and cursor
   * stay and this answer (stored events are deduplicated anyway) is dropped. Returns whether the
   * row was updated.
   */
  async updateSource(s: SourceKey, patch: SourcePatch, expected?: SourceVersion): Promise<boolean> {
    const set: Partial<Record<(typeof SOURCE_COLUMNS)[keyof SourcePatch], string | null>> = {};
    for (const [key, value] of Object.entries(patch) as Array<[keyof SourcePatch, string | null | undefined]>)
      if (value !== undefined) set[SOURCE_COLUMNS[key]] = value;
    if (Object.keys(set).length === 0) return true;
    let query = this.db
      .updateTable('source_state')
      // next_poll_at is never null in a patch (SourceState's type says so); the map loses that.
      .set(set as Updateable<DB['source_state']>)
      .where('source', '=', s.source)
      .where('target_key', '=', s.targetKey)
      .where('kind', '=', s.kind);
    if (expected) {
      // Null-safe equality the builder can say on both engines (`IS ?` is SQLite only).
      for (const [column, value] of [
        ['etag', expected.etag],
        ['cursor', expected.cursor],
        ['last_poll_at', expected.lastPollAt],
      ] as const)
        query = value === null ? query.where(column, 'is', null) : query.where(column, '=', value);
    }
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Several sources' updates in one transaction (the not-modified answers of a tick, batched). */
  async updateSources(
    batch: ReadonlyArray<readonly [SourceKey, SourcePatch, SourceVersion | undefined]>,
  ): Promise<void> {
    if (batch.length === 0) return;
    await this.transaction(async (store) => {
      for (const [key, patch, expected] of batch) await store.updateSource(key, patch, expected);
    });
  }

  async lastPollAt(guildId: string | null): Promise<string | null> {
    const row = guildId
      ? // From the server's own watches (watches_by_guild, then source_state's key): the cost
        // grows with the server, not with every source of the bot.
        await this.db
          .selectFrom('watches as w')
          .innerJoin('source_state as s', (join) =>
            join.onRef('s.source', '=', 'w.source').onRef('s.target_key', '=', 'w.target_key'),
          )
          .select((eb) => eb.fn.max('s.last_poll_at').as('at'))
          .where('w.guild_id', '=', guildId)
          .executeTakeFirst()
      : await this.db
          .selectFrom('source_state')
          .select((eb) => eb.fn.max('last_poll_at').as('at'))
          .executeTakeFirst();
    return row?.at ?? null;
  }

  // --- events ----------------------------------------------------------------------------

  async event(
    source: Source,
    targetKey: string,
    kind: Kind,
    externalId: string,
  ): Promise<TrackedEvent | undefined> {
    return (await this.events({ source, targetKey, kind }, [externalId])).get(externalId);
  }

  /** The stored events of a source among `externalIds`, by external id: one query for a poll's page. */
  async events(
    key: { source: Source; targetKey: string; kind: Kind },
    externalIds: string[],
  ): Promise<Map<string, TrackedEvent>> {
    if (externalIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('events')
      .selectAll()
      .where('source', '=', key.source)
      .where('target_key', '=', key.targetKey)
      .where('kind', '=', key.kind)
      .where('external_id', 'in', [...new Set(externalIds)])
      .execute();
    return new Map(rows.map((r) => [r.external_id, toEvent(r)]));
  }

  async eventById(id: number): Promise<TrackedEvent | undefined> {
    const row = await this.db.selectFrom('events').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toEvent(row) : undefined;
  }

  /**
   * Stores an event once; returns its id, or undefined when it was already stored (by this
   * process or another: the unique key decides). `closedAt` is the close to record (issues; null
   * when the close is not news or the issue is open).
   */
  async insertEvent(
    key: { source: Source; targetKey: string; kind: Kind; target: string },
    item: TrackedItem,
    at: string,
    baseline: boolean,
    closedAt: string | null = null,
  ): Promise<number | undefined> {
    const row = await this.db
      .insertInto('events')
      .values({
        source: key.source,
        target_key: key.targetKey,
        kind: key.kind,
        external_id: item.externalId,
        target: key.target,
        title: item.title,
        url: item.url,
        author: item.author,
        body: item.body,
        prerelease: item.prerelease ? 1 : 0,
        labels: jsonList(item.labels),
        details: Object.keys(item.details).length ? JSON.stringify(item.details) : null,
        published_at: item.publishedAt,
        first_seen_at: at,
        updated_at: at,
        baseline: baseline ? 1 : 0,
        state: item.state ?? null,
        closed_at: closedAt,
      })
      .onConflict((oc) => oc.columns(['source', 'target_key', 'kind', 'external_id']).doNothing())
      .returning('id')
      .executeTakeFirst();
    return row?.id;
  }

  /** An issue seen again: its current title, body, labels and state, and the close to record. */
  async updateIssue(id: number, item: TrackedItem, closedAt: string | null, at: string): Promise<void> {
    await this.db
      .updateTable('events')
      .set({
        title: item.title,
        url: item.url,
        body: item.body,
        labels: jsonList(item.labels),
        state: item.state ?? null,
        closed_at: closedAt,
        updated_at: at,
      })
      .where('id', '=', id)
      .execute();
  }

  async updateEvent(id: number, item: TrackedItem, at: string): Promise<void> {
    await this.db
      .updateTable('events')
      .set({
        title: item.title,
        url: item.url,
        body: item.body,
        prerelease: item.prerelease ? 1 : 0,
        labels: jsonList(item.labels),
        updated_at: at,
      })
      .where('id', '=', id)
      .execute();
  }

  /** The latest `n` events of a source, newest first (for backfill). */
  async latestEvents(source: Source, targetKey: string, kind: Kind, n: number): Promise<TrackedEvent[]> {
    const rows = await this.db
      .selectFrom('events')
      .selectAll()
      .where('source', '=', source)
      .where('target_key', '=', targetKey)
      .where('kind', '=', kind)
      .orderBy('published_at', 'desc')
      .orderBy('id', 'desc')
      .limit(n)
      .execute();
    return rows.map(toEvent);
  }

  // --- deliveries ------------------------------------------------------------------------

  /** One delivery per (event, watch), whoever creates it first; true when this call did. */
  async createDelivery(eventId: number, watch: Watch, at: string, afterGap = false): Promise<boolean> {
    const row = await this.db
      .insertInto('deliveries')
      .values({
        event_id: eventId,
        watch_id: watch.id,
        channel_id: watch.channelId,
        created_at: at,
        after_gap: afterGap ? 1 : 0,
      })
      .onConflict((oc) => oc.columns(['event_id', 'watch_id']).doNothing())
      .returning('id')
      .executeTakeFirst();
    return row !== undefined;
  }

  async hasDelivery(eventId: number, watchId: number): Promise<boolean> {
    const row = await this.db
      .selectFrom('deliveries')
      .select('id')
      .where('event_id', '=', eventId)
      .where('watch_id', '=', watchId)
      .executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Pending deliveries, grouped by watch, oldest publication first. With `now`, only those no
   * process holds a live claim on (see claimDeliveries).
   */
  async pendingDeliveries(now?: string): Promise<PendingDelivery[]> {
    let query = this.db
      .selectFrom('deliveries as d')
      .innerJoin('events as e', 'e.id', 'd.event_id')
      .selectAll('e')
      .select(['d.id as delivery_id', 'd.watch_id', 'd.channel_id', 'd.attempts', 'd.after_gap'])
      .where('d.status', '=', 'pending');
    if (now)
      query = query.where((eb) =>
        eb.or([eb('d.claim_expires_at', 'is', null), eb('d.claim_expires_at', '<=', now)]),
      );
    const rows = await query.orderBy('d.watch_id').orderBy('e.published_at').orderBy('e.id').execute();
    return rows.map((r) => ({
      id: r.delivery_id,
      watchId: r.watch_id,
      channelId: r.channel_id,
      attempts: r.attempts,
      afterGap: r.after_gap === 1,
      event: toEvent(r),
    }));
  }

  /**
   * Claims pending deliveries for `claimant` until `until`: one UPDATE … WHERE unclaimed …
   * RETURNING, so when several processes race for the same rows each row goes to one of them
   * (PostgreSQL re-checks the condition on the row the winner changed). Returns the ids claimed.
   * A claim lapses at `until`, and the delivery is still 'pending': if its process dies mid-post,
   * another posts it after that with the same nonce.
   */
  async claimDeliveries(ids: number[], claimant: string, now: string, until: string): Promise<Set<number>> {
    if (ids.length === 0) return new Set();
    const rows = await this.db
      .updateTable('deliveries')
      .set({ claimed_by: claimant, claim_expires_at: until })
      .where('id', 'in', ids)
      .where('status', '=', 'pending')
      .where((eb) => eb.or([eb('claim_expires_at', 'is', null), eb('claim_expires_at', '<=', now)]))
      .returning('id')
      .execute();
    return new Set(rows.map((r) => r.id));
  }

  /** Keeps `claimant`'s claims on these deliveries alive until `until` (before each slow post). */
  async extendClaims(ids: number[], claimant: string, until: string): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .updateTable('deliveries')
      .set({ claim_expires_at: until })
      .where('id', 'in', ids)
      .where('claimed_by', '=', claimant)
      .where('status', '=', 'pending')
      .execute();
  }

  /** Gives back claims not used (a batch stopped early, shutdown): the next pass takes them at once. */
  async releaseClaims(ids: number[], claimant: string): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .updateTable('deliveries')
      .set({ claimed_by: null, claim_expires_at: null })
      .where('id', 'in', ids)
      .where('claimed_by', '=', claimant)
      .where('status', '=', 'pending')
      .execute();
  }

  async markSent(id: number, messageId: string, at: string): Promise<void> {
    await this.db
      .updateTable('deliveries')
      .set((eb) => ({
        status: 'sent',
        message_id: messageId,
        sent_at: at,
        attempts: eb('attempts', '+', 1),
        last_error: null,
        claimed_by: null,
        claim_expires_at: null,
      }))
      .where('id', '=', id)
      .execute();
  }

  async markAttemptFailed(id: number, error: string, status: 'pending' | 'failed'): Promise<void> {
    await this.db
      .updateTable('deliveries')
      .set((eb) => ({
        status,
        attempts: eb('attempts', '+', 1),
        last_error: error,
        claimed_by: null,
        claim_expires_at: null,
      }))
      .where('id', '=', id)
      .execute();
  }

  async markSkipped(ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .updateTable('deliveries')
      .set({ status: 'skipped', claimed_by: null, claim_expires_at: null })
      .where('id', 'in', ids)
      .where('status', '=', 'pending')
      .execute();
  }

  async markEdited(id: number, at: string): Promise<void> {
    await this.db.updateTable('deliveries').set({ edited_at: at }).where('id', '=', id).execute();
  }

  async sentDeliveries(eventId: number): Promise<SentDelivery[]> {
    const rows = await this.db
      .selectFrom('deliveries')
      .select(['id', 'watch_id', 'channel_id', 'message_id'])
      .where('event_id', '=', eventId)
      .where('status', '=', 'sent')
      .where('message_id', 'is not', null)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      watchId: r.watch_id,
      channelId: r.channel_id,
      messageId: r.message_id!,
    }));
  }
}
