// SQL of the tracking tables (watches, source_state, events, deliveries), in one place.
import type { Db } from '../db/open.ts';

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

const toWatch = (r: Record<string, unknown>): Watch => ({
  id: r.id as number,
  guildId: r.guild_id as string,
  channelId: r.channel_id as string,
  source: r.source as Source,
  target: r.target as string,
  targetKey: r.target_key as string,
  kinds: r.kinds as WatchKinds,
  prereleases: r.prereleases as PrereleaseFilter,
  labels: r.labels ? (JSON.parse(r.labels as string) as string[]) : [],
  preset: (r.preset as string | null) ?? null,
  createdAt: r.created_at as string,
  createdBy: (r.created_by as string | null) ?? null,
  failingSinceAt: (r.failing_since_at as string | null) ?? null,
  lastError: (r.last_error as string | null) ?? null,
  privateConfirmedBy: (r.private_confirmed_by as string | null) ?? null,
  privateConfirmedAt: (r.private_confirmed_at as string | null) ?? null,
});

const toState = (r: Record<string, unknown>): SourceState => ({
  source: r.source as Source,
  targetKey: r.target_key as string,
  kind: r.kind as Kind,
  target: r.target as string,
  etag: (r.etag as string | null) ?? null,
  cursor: (r.cursor as string | null) ?? null,
  baselineAt: (r.baseline_at as string | null) ?? null,
  nextPollAt: r.next_poll_at as string,
  lastPollAt: (r.last_poll_at as string | null) ?? null,
  lastSuccessAt: (r.last_success_at as string | null) ?? null,
  lastError: (r.last_error as string | null) ?? null,
  lastErrorAt: (r.last_error_at as string | null) ?? null,
});

const toEvent = (r: Record<string, unknown>, prefix = ''): TrackedEvent => ({
  id: r[`${prefix}id`] as number,
  source: r.source as Source,
  targetKey: r.target_key as string,
  kind: r.kind as Kind,
  target: r.target as string,
  externalId: r.external_id as string,
  title: r.title as string,
  url: r.url as string,
  author: (r.author as string | null) ?? null,
  body: (r.body as string | null) ?? null,
  prerelease: r.prerelease === 1,
  labels: r.labels ? (JSON.parse(r.labels as string) as string[]) : [],
  details: r.details ? (JSON.parse(r.details as string) as Record<string, string>) : {},
  publishedAt: r.published_at as string,
  firstSeenAt: r.first_seen_at as string,
  updatedAt: r.updated_at as string,
  baseline: r.baseline === 1,
  state: (r.state as IssueState | null) ?? null,
  closedAt: (r.closed_at as string | null) ?? null,
});

export type NewWatch = Omit<
  Watch,
  'id' | 'failingSinceAt' | 'lastError' | 'privateConfirmedBy' | 'privateConfirmedAt'
> &
  Partial<Pick<Watch, 'privateConfirmedBy' | 'privateConfirmedAt'>>;

export class TrackingStore {
  private readonly sourceUpdates = new Map<string, { run(...params: unknown[]): unknown }>();

  constructor(readonly db: Db) {}

  // --- watches ---------------------------------------------------------------------------

  insertWatch(w: NewWatch): Watch {
    const info = this.db
      .prepare(
        `INSERT INTO watches (guild_id, channel_id, source, target, target_key, kinds, prereleases, labels, preset, created_at, created_by,
           private_confirmed_by, private_confirmed_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        w.guildId,
        w.channelId,
        w.source,
        w.target,
        w.targetKey,
        w.kinds,
        w.prereleases,
        w.labels.length ? JSON.stringify(w.labels) : null,
        w.preset,
        w.createdAt,
        w.createdBy,
        w.privateConfirmedBy ?? null,
        w.privateConfirmedAt ?? null,
      );
    return this.watch(Number(info.lastInsertRowid))!;
  }

  insertConfirmation(c: WatchConfirmation): void {
    this.db
      .prepare(
        'INSERT INTO watch_confirmations (token, guild_id, user_id, target, request, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(c.token, c.guildId, c.userId, c.target, c.request, c.createdAt);
  }

  /**
   * Removes and returns a pending confirmation of this member in this server made at or after
   * `notBefore`: a token is good for one click, by the member who asked.
   */
  takeConfirmation(
    token: string,
    guildId: string,
    userId: string,
    notBefore: string,
  ): WatchConfirmation | undefined {
    const row = this.db
      .prepare(
        'DELETE FROM watch_confirmations WHERE token = ? AND guild_id = ? AND user_id = ? AND created_at >= ? RETURNING *',
      )
      .get(token, guildId, userId, notBefore) as Record<string, unknown> | undefined;
    if (!row) return undefined;
    return {
      token: row.token as string,
      guildId: row.guild_id as string,
      userId: row.user_id as string,
      target: row.target as string,
      request: row.request as string,
      createdAt: row.created_at as string,
    };
  }

  /** Forgets confirmations nobody clicked before `before`. */
  dropConfirmationsBefore(before: string): void {
    this.db.prepare('DELETE FROM watch_confirmations WHERE created_at < ?').run(before);
  }

  watch(id: number): Watch | undefined {
    const row = this.db.prepare('SELECT * FROM watches WHERE id = ?').get(id) as
      | Record<string, unknown>
      | undefined;
    return row ? toWatch(row) : undefined;
  }

  watchesInGuild(guildId: string): Watch[] {
    return (
      this.db.prepare('SELECT * FROM watches WHERE guild_id = ? ORDER BY id').all(guildId) as Record<
        string,
        unknown
      >[]
    ).map(toWatch);
  }

  /** Watches of a target in one channel (to refuse duplicates). */
  watchesInChannel(channelId: string, source: Source, targetKey: string): Watch[] {
    return (
      this.db
        .prepare('SELECT * FROM watches WHERE channel_id = ? AND source = ? AND target_key = ?')
        .all(channelId, source, targetKey) as Record<string, unknown>[]
    ).map(toWatch);
  }

  /** Every watch that covers (source, target, kind). */
  watchesOf(source: Source, targetKey: string, kind: Kind): Watch[] {
    const kinds = kind === 'models' ? ['models'] : [kind, 'both'];
    return (
      this.db
        .prepare(
          `SELECT * FROM watches WHERE source = ? AND target_key = ? AND kinds IN (${kinds.map(() => '?').join(',')}) ORDER BY id`,
        )
        .all(source, targetKey, ...kinds) as Record<string, unknown>[]
    ).map(toWatch);
  }

  deleteWatch(id: number): void {
    this.db.transaction(() => {
      const watch = this.watch(id);
      this.db.prepare('DELETE FROM watches WHERE id = ?').run(id);
      // A source nobody watches any more is not polled; its events stay for the digest.
      if (watch)
        this.db
          .prepare(
            `DELETE FROM source_state WHERE source = ? AND target_key = ? AND NOT EXISTS (
               SELECT 1 FROM watches w WHERE w.source = source_state.source AND w.target_key = source_state.target_key
               AND (w.kinds = source_state.kind OR (w.kinds = 'both' AND source_state.kind IN ('releases', 'issues'))))`,
          )
          .run(watch.source, watch.targetKey);
    })();
  }

  markWatchFailing(id: number, error: string, at: string): void {
    this.db
      .prepare(
        'UPDATE watches SET failing_since_at = COALESCE(failing_since_at, ?), last_error = ? WHERE id = ?',
      )
      .run(at, error, id);
  }

  clearWatchFailing(id: number): void {
    this.db
      .prepare(
        'UPDATE watches SET failing_since_at = NULL, last_error = NULL WHERE id = ? AND failing_since_at IS NOT NULL',
      )
      .run(id);
  }

  countWatches(guildId: string | null): number {
    const row = (
      guildId
        ? this.db.prepare('SELECT COUNT(*) AS n FROM watches WHERE guild_id = ?').get(guildId)
        : this.db.prepare('SELECT COUNT(*) AS n FROM watches').get()
    ) as { n: number };
    return row.n;
  }

  // --- source state ----------------------------------------------------------------------

  ensureSource(source: Source, targetKey: string, kind: Kind, target: string, nextPollAt: string): void {
    this.db
      .prepare(
        `INSERT OR IGNORE INTO source_state (source, target_key, kind, target, next_poll_at) VALUES (?, ?, ?, ?, ?)`,
      )
      .run(source, targetKey, kind, target, nextPollAt);
  }

  source(source: Source, targetKey: string, kind: Kind): SourceState | undefined {
    const row = this.db
      .prepare('SELECT * FROM source_state WHERE source = ? AND target_key = ? AND kind = ?')
      .get(source, targetKey, kind) as Record<string, unknown> | undefined;
    return row ? toState(row) : undefined;
  }

  /** Sources per endpoint (`source:kind`): the poll plan is rebuilt when these change. */
  sourceCounts(): Map<string, number> {
    const rows = this.db
      .prepare('SELECT source, kind, COUNT(*) AS n FROM source_state GROUP BY source, kind')
      .all() as Array<{ source: string; kind: string; n: number }>;
    return new Map(rows.map((r) => [`${r.source}:${r.kind}`, r.n]));
  }

  sourceKeys(): Array<Pick<SourceState, 'source' | 'targetKey' | 'kind'>> {
    return (
      this.db.prepare('SELECT source, target_key, kind FROM source_state').all() as Array<
        Record<string, string>
      >
    ).map((r) => ({ source: r.source as Source, targetKey: r.target_key!, kind: r.kind as Kind }));
  }

  dueSources(now: string): SourceState[] {
    return (
      this.db
        .prepare(
          'SELECT * FROM source_state WHERE next_poll_at <= ? ORDER BY next_poll_at, source, target_key, kind',
        )
        .all(now) as Record<string, unknown>[]
    ).map(toState);
  }

  updateSource(
    s: Pick<SourceState, 'source' | 'targetKey' | 'kind'>,
    patch: Partial<Omit<SourceState, 'source' | 'targetKey' | 'kind' | 'target'>>,
  ): void {
    const columns: Record<string, string> = {
      etag: 'etag',
      cursor: 'cursor',
      baselineAt: 'baseline_at',
      nextPollAt: 'next_poll_at',
      lastPollAt: 'last_poll_at',
      lastSuccessAt: 'last_success_at',
      lastError: 'last_error',
      lastErrorAt: 'last_error_at',
    };
    const entries = Object.entries(patch).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return;
    // Thousands of polls a minute update the same few column sets: one prepared statement each.
    const sql = `UPDATE source_state SET ${entries.map(([k]) => `${columns[k]} = ?`).join(', ')} WHERE source = ? AND target_key = ? AND kind = ?`;
    let statement = this.sourceUpdates.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.sourceUpdates.set(sql, statement);
    }
    statement.run(...entries.map(([, v]) => v as string | null), s.source, s.targetKey, s.kind);
  }

  lastPollAt(guildId: string | null): string | null {
    const row = (
      guildId
        ? this.db
            // From the server's own watches (watches_by_guild, then source_state's key): the cost
            // grows with the server, not with every source of the bot.
            .prepare(
              `SELECT MAX(s.last_poll_at) AS at FROM watches w
                 JOIN source_state s ON s.source = w.source AND s.target_key = w.target_key
                WHERE w.guild_id = ?`,
            )
            .get(guildId)
        : this.db.prepare('SELECT MAX(last_poll_at) AS at FROM source_state').get()
    ) as { at: string | null };
    return row.at;
  }

  // --- events ----------------------------------------------------------------------------

  event(source: Source, targetKey: string, kind: Kind, externalId: string): TrackedEvent | undefined {
    const row = this.db
      .prepare('SELECT * FROM events WHERE source = ? AND target_key = ? AND kind = ? AND external_id = ?')
      .get(source, targetKey, kind, externalId) as Record<string, unknown> | undefined;
    return row ? toEvent(row) : undefined;
  }

  eventById(id: number): TrackedEvent | undefined {
    const row = this.db.prepare('SELECT * FROM events WHERE id = ?').get(id) as
      | Record<string, unknown>
      | undefined;
    return row ? toEvent(row) : undefined;
  }

  /**
   * Stores an event once; returns its id, or undefined when it was already stored. `closedAt` is
   * the close to record (issues; null when the close is not news or the issue is open).
   */
  insertEvent(
    key: { source: Source; targetKey: string; kind: Kind; target: string },
    item: TrackedItem,
    at: string,
    baseline: boolean,
    closedAt: string | null = null,
  ): number | undefined {
    const info = this.db
      .prepare(
        `INSERT OR IGNORE INTO events (source, target_key, kind, external_id, target, title, url, author, body, prerelease,
           labels, details, published_at, first_seen_at, updated_at, baseline, state, closed_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        key.source,
        key.targetKey,
        key.kind,
        item.externalId,
        key.target,
        item.title,
        item.url,
        item.author,
        item.body,
        item.prerelease ? 1 : 0,
        item.labels.length ? JSON.stringify(item.labels) : null,
        Object.keys(item.details).length ? JSON.stringify(item.details) : null,
        item.publishedAt,
        at,
        at,
        baseline ? 1 : 0,
        item.state ?? null,
        closedAt,
      );
    return info.changes === 1 ? Number(info.lastInsertRowid) : undefined;
  }

  /** An issue seen again: its current title, body, labels and state, and the close to record. */
  updateIssue(id: number, item: TrackedItem, closedAt: string | null, at: string): void {
    this.db
      .prepare(
        'UPDATE events SET title = ?, url = ?, body = ?, labels = ?, state = ?, closed_at = ?, updated_at = ? WHERE id = ?',
      )
      .run(
        item.title,
        item.url,
        item.body,
        item.labels.length ? JSON.stringify(item.labels) : null,
        item.state ?? null,
        closedAt,
        at,
        id,
      );
  }

  updateEvent(id: number, item: TrackedItem, at: string): void {
    this.db
      .prepare(
        'UPDATE events SET title = ?, url = ?, body = ?, prerelease = ?, labels = ?, updated_at = ? WHERE id = ?',
      )
      .run(
        item.title,
        item.url,
        item.body,
        item.prerelease ? 1 : 0,
        item.labels.length ? JSON.stringify(item.labels) : null,
        at,
        id,
      );
  }

  /** The latest `n` events of a source, newest first (for backfill). */
  latestEvents(source: Source, targetKey: string, kind: Kind, n: number): TrackedEvent[] {
    return (
      this.db
        .prepare(
          'SELECT * FROM events WHERE source = ? AND target_key = ? AND kind = ? ORDER BY published_at DESC, id DESC LIMIT ?',
        )
        .all(source, targetKey, kind, n) as Record<string, unknown>[]
    ).map((r) => toEvent(r));
  }

  // --- deliveries ------------------------------------------------------------------------

  createDelivery(eventId: number, watch: Watch, at: string, afterGap = false): boolean {
    const info = this.db
      .prepare(
        'INSERT OR IGNORE INTO deliveries (event_id, watch_id, channel_id, created_at, after_gap) VALUES (?, ?, ?, ?, ?)',
      )
      .run(eventId, watch.id, watch.channelId, at, afterGap ? 1 : 0);
    return info.changes === 1;
  }

  hasDelivery(eventId: number, watchId: number): boolean {
    return !!this.db
      .prepare('SELECT 1 FROM deliveries WHERE event_id = ? AND watch_id = ?')
      .get(eventId, watchId);
  }

  /** Pending deliveries, grouped by watch, oldest publication first. */
  pendingDeliveries(): PendingDelivery[] {
    const rows = this.db
      .prepare(
        `SELECT d.id AS delivery_id, d.watch_id, d.channel_id, d.attempts, d.after_gap, e.*
         FROM deliveries d JOIN events e ON e.id = d.event_id
         WHERE d.status = 'pending'
         ORDER BY d.watch_id, e.published_at, e.id`,
      )
      .all() as Record<string, unknown>[];
    return rows.map((r) => ({
      id: r.delivery_id as number,
      watchId: r.watch_id as number,
      channelId: r.channel_id as string,
      attempts: r.attempts as number,
      afterGap: r.after_gap === 1,
      event: toEvent(r),
    }));
  }

  markSent(id: number, messageId: string, at: string): void {
    this.db
      .prepare(
        "UPDATE deliveries SET status = 'sent', message_id = ?, sent_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?",
      )
      .run(messageId, at, id);
  }

  markAttemptFailed(id: number, error: string, status: 'pending' | 'failed'): void {
    this.db
      .prepare('UPDATE deliveries SET status = ?, attempts = attempts + 1, last_error = ? WHERE id = ?')
      .run(status, error, id);
  }

  markSkipped(ids: number[]): void {
    const stmt = this.db.prepare(
      "UPDATE deliveries SET status = 'skipped' WHERE id = ? AND status = 'pending'",
    );
    this.db.transaction(() => {
      for (const id of ids) stmt.run(id);
    })();
  }

  markEdited(id: number, at: string): void {
    this.db.prepare('UPDATE deliveries SET edited_at = ? WHERE id = ?').run(at, id);
  }

  sentDeliveries(eventId: number): SentDelivery[] {
    return (
      this.db
        .prepare(
          "SELECT id, watch_id, channel_id, message_id FROM deliveries WHERE event_id = ? AND status = 'sent' AND message_id IS NOT NULL",
        )
        .all(eventId) as Array<{ id: number; watch_id: number; channel_id: string; message_id: string }>
    ).map((r) => ({ id: r.id, watchId: r.watch_id, channelId: r.channel_id, messageId: r.message_id }));
  }
}
