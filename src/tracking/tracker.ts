// Polls each due (source, target, kind) once for all the watches that share it, stores what is
// new as events, and delivers each event once per watch.
import { randomUUID } from 'node:crypto';
import { setImmediate as yieldToEvents } from 'node:timers/promises';
import type { Clock } from '../clock.ts';
import type { Poster } from '../discord/post.ts';
import { classifyDiscordError, type PostError } from '../discord/post.ts';
import { type GitHubLike, headersOf, type RateLimitSnapshot, statusOf } from '../github/client.ts';
import type { Logger } from '../log.ts';
import { fetchIssueActivity, parseIssueCursor } from './github-issues.ts';
import { type FetchResult, fetchReleases, parseReleaseCursor } from './github-source.ts';
import type { HubSource } from './hf-source.ts';
import {
  EndpointBudget,
  endpointOf,
  type Freshness,
  GITHUB_POINTS_PER_MINUTE,
  PollPlan,
} from './poll-plan.ts';
import { renderEvent, renderOverflow } from './render.ts';
import type {
  IssueMark,
  Kind,
  PendingDelivery,
  Source,
  SourceKey,
  SourcePatch,
  SourceState,
  SourceVersion,
  TrackedEvent,
  TrackedItem,
  TrackingStore,
  Watch,
} from './store.ts';

export interface TrackerOptions {
  store: TrackingStore;
  github: GitHubLike;
  hubSource: HubSource;
  poster: Poster;
  clock: Clock;
  log: Logger;
  intervalMinutes: number;
  /** Base of Hugging Face links (HF_ENDPOINT). */
  hubWebUrl: string;
  /**
   * The client polls read through (src/github/poll-client.ts: plain conditional fetches); `github`
   * when absent. `withSignal` lets shutdown abort requests in flight.
   */
  pollGitHub?: GitHubLike & { withSignal?(signal: AbortSignal | undefined): GitHubLike };
  /** Sources polled at the same time (GitHub allows 100 concurrent requests). Default 16. */
  concurrency?: number;
  /** Share of GitHub's 900 points a minute per endpoint that polling may spend, in percent. Default 80. */
  githubBudgetPercent?: number;
  /** After a pause, at most this many posts per watch, then one "and N more" line. Default 10. */
  maxPostsPerWatch?: number;
  /**
   * This process's name on the deliveries it claims (several processes may share a PostgreSQL
   * database). Default: a random id per Tracker.
   */
  claimant?: string;
  /** How long a claim on a watch's deliveries holds before another process may post them. Default 2 min. */
  claimMs?: number;
  /** Counts for /metrics. */
  observe?: {
    poll(source: Source, outcome: 'changed' | 'not_modified' | 'failed' | 'deferred'): void;
    post(outcome: 'sent' | 'retry' | 'failing' | 'rejected' | 'edited'): void;
  };
}

export interface PollReport {
  polled: number;
  notModified: number;
  newEvents: number;
  failed: number;
  /** Due sources left for a later tick (rate limit low or exhausted). */
  deferred: number;
  delivered: number;
  /** Due sources left for the next tick: this minute's share of GitHub's secondary limit is spent. */
  overBudget: number;
  /** Polled more than a tick after their slot. */
  late: number;
  /** Stopped by the signal (shutdown): polled again at the next start. */
  aborted: number;
}

export interface PollRunOptions {
  /** Aborts requests in flight and the sources not started yet (shutdown). */
  signal?: AbortSignal;
  /**
   * Spread the tick's sources over this much real time instead of starting them in a burst (the
   * scheduled job; tests leave it 0).
   */
  spreadMs?: number;
}

export interface DeliveryReport {
  sent: number;
  skipped: number;
  failed: number;
  edited: number;
}

const DAY_MS = 24 * 3600_000;
// Renewed before each post, so it only has to outlast one post (discord.js waits out 429s inside
// it); short, so a dead process's posts go out again within Discord's nonce window.
const CLAIM_MS = 2 * 60_000;

const versionOf = (s: SourceState): SourceVersion => ({
  etag: s.etag,
  cursor: s.cursor,
  lastPollAt: s.lastPollAt,
});
const MODELS_PER_POLL = 50;

/** Whether an event belongs in a watch's channel (its filters). */
export function watchWants(
  watch: Watch,
  event: Pick<TrackedItem, 'prerelease' | 'labels'>,
  kind: Kind,
): boolean {
  if (kind === 'releases') {
    if (watch.prereleases === 'exclude') return !event.prerelease;
    if (watch.prereleases === 'only') return event.prerelease;
    return true;
  }
  if (kind === 'issues' && watch.labels.length > 0) {
    const labels = event.labels.map((l) => l.toLowerCase());
    return watch.labels.some((l) => labels.includes(l));
  }
  return true;
}

const isBefore = (a: string, b: string) => Date.parse(a) < Date.parse(b);

/** Created since the baseline: both tests, because each alone has a gap (see IssueCursor). */
function isNewIssue(item: TrackedItem, mark: IssueMark): boolean {
  return !isBefore(item.publishedAt, mark.from) && Number(item.externalId) > mark.number;
}

/** The issue's close, when it happened after `from` (else it predates the watch: not news). */
function closeAfter(item: TrackedItem, from: string): string | null {
  return item.state === 'closed' && item.closedAt && isBefore(from, item.closedAt) ? item.closedAt : null;
}

// Not-modified answers are recorded together, in one transaction per batch.
const POLLED_BATCH = 64;

const abortableSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

export class Tracker {
  private readonly store: TrackingStore;
  private readonly periodMs: number;
  private readonly maxPosts: number;
  /** GitHub polling is paused until then (primary limit spent, or a secondary limit's Retry-After). */
  private pauseUntilMs = 0;
  private delivering: Promise<DeliveryReport> | undefined;
  private deliverAgain = false;
  private readonly plan: PollPlan;
  private readonly budget: EndpointBudget;
  private readonly polled: Array<[SourceState, SourcePatch]> = [];
  private readonly claimant: string;
  private readonly claimMs: number;

  constructor(private readonly o: TrackerOptions) {
    this.store = o.store;
    this.periodMs = o.intervalMinutes * 60_000;
    this.maxPosts = o.maxPostsPerWatch ?? 10;
    this.claimant = o.claimant ?? `tracker-${randomUUID()}`;
    this.claimMs = o.claimMs ?? CLAIM_MS;
    this.plan = new PollPlan({
      periodMs: this.periodMs,
      githubPointsPerMinute: Math.floor((GITHUB_POINTS_PER_MINUTE * (o.githubBudgetPercent ?? 80)) / 100),
    });
    this.budget = new EndpointBudget((endpoint) => this.plan.pointsPerMinute(endpoint));
  }

  /** How often sources are really polled, per endpoint (longer than the setting when GitHub's budget decides). */
  async freshness(): Promise<Freshness[]> {
    // The plan as of the last tick: cheap, and what the poller is doing.
    if (!this.planned) await this.syncPlan();
    return this.plan.freshness();
  }

  private planned = false;

  private async syncPlan(): Promise<void> {
    const counts = await this.store.sourceCounts();
    if (!this.plan.matches(counts)) this.plan.rebuild(await this.store.sourceKeys());
    this.planned = true;
  }

  rateLimit(): RateLimitSnapshot | null {
    return (this.o.pollGitHub ?? this.o.github).rateLimit.current();
  }

  /** The effective interval of a source's endpoint, in ms. */
  private periodOf(state: Pick<SourceState, 'source' | 'kind'>): number {
    return this.plan.periodOf(state);
  }

  /** When GitHub polling resumes, if it is paused. */
  pausedUntil(): Date | null {
    return this.pauseUntilMs > this.o.clock.now().getTime() ? new Date(this.pauseUntilMs) : null;
  }

  /**
   * The next poll of a source falls on its own slot in the interval (a hash of its key), so a
   * thousand sources added at once are spread over the interval instead of polled in a burst.
   */
  async nextSlot(state: SourceKey, afterMs: number): Promise<string> {
    if (!this.planned) await this.syncPlan();
    return new Date(this.plan.nextSlot(state, afterMs)).toISOString();
  }

  /**
   * Polls every source whose time has come, then delivers what is pending. Each endpoint spends
   * at most its share of GitHub's secondary limit a minute; the rest wait for the next tick, the
   * most overdue first. Sources are polled a bounded number at a time, yielding to interactions
   * between them.
   */
  async pollDueSources(run: PollRunOptions = {}): Promise<PollReport> {
    const now = this.o.clock.now();
    const nowMs = now.getTime();
    await this.syncPlan();
    const due = await this.store.dueSources(now.toISOString());
    const report: PollReport = {
      polled: 0,
      notModified: 0,
      newEvents: 0,
      failed: 0,
      deferred: 0,
      delivered: 0,
      overBudget: 0,
      late: 0,
      aborted: 0,
    };
    await this.refreshLowBudget(now);
    // Spread over the minute, a tick is long: posts left pending (a restart, a Discord outage) and
    // what each source finds go out as they come, not at the end.
    const deliverSoon = () => {
      if (run.spreadMs && !run.signal?.aborted)
        this.deliverPending(run.signal).catch((error) =>
          this.o.log.warn({ err: error }, 'Delivering pending announcements failed; retried next tick'),
        );
    };
    deliverSoon();
    const queue: SourceState[] = [];
    for (const state of due) {
      const endpoint = endpointOf(state);
      if (this.budget.left(endpoint, nowMs) < 1) {
        report.overBudget++;
        continue;
      }
      // The first request is reserved now, so the tick never plans more than the minute allows.
      this.budget.spend(endpoint, nowMs);
      queue.push(state);
    }
    const total = queue.length;
    const started = performance.now();
    let next = 0;
    // Polls made while the budget is low, counted against what is left for this tick.
    let lowBudgetPolls = 0;
    const worker = async () => {
      for (let i = next++; i < total && !run.signal?.aborted; i = next++) {
        const state = queue[i]!;
        if (run.spreadMs)
          await abortableSleep(started + (i * run.spreadMs) / total - performance.now(), run.signal);
        if (run.signal?.aborted) break;
        if (state.source === 'github') {
          const allowance = this.githubAllowance(this.o.clock.now());
          if (lowBudgetPolls >= allowance) {
            report.deferred++;
            continue;
          }
          if (allowance !== Number.POSITIVE_INFINITY) lowBudgetPolls++;
        }
        if (nowMs - Date.parse(state.nextPollAt) >= 60_000) report.late++;
        const outcome = await this.pollSource(state, run.signal);
        if (outcome === 'aborted') continue;
        this.o.observe?.poll(
          state.source,
          typeof outcome === 'number' ? 'changed' : outcome === 'not-modified' ? 'not_modified' : outcome,
        );
        if (outcome === 'deferred') report.deferred++;
        else {
          report.polled++;
          if (outcome === 'failed') report.failed++;
          else if (outcome === 'not-modified') report.notModified++;
          else {
            report.newEvents += outcome;
            if (outcome > 0) deliverSoon();
          }
        }
        // Parsing and storing are synchronous: let interactions waiting on the loop go first.
        await yieldToEvents();
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(this.o.concurrency ?? 16, total) }, worker));
    } finally {
      await this.flushPolled();
    }
    // Whatever was neither polled nor deferred was stopped by the signal, in flight or not started.
    report.aborted = total - report.polled - report.deferred;
    if (report.deferred > 0)
      this.o.log.info(
        { deferred: report.deferred, pausedUntil: this.pausedUntil()?.toISOString() },
        'GitHub budget is low or spent: some repositories wait for a later poll',
      );
    if (run.signal?.aborted) return report;
    report.delivered = (await this.deliverPending(run.signal)).sent;
    return report;
  }

  /** Records the batch of unchanged sources in one transaction. */
  private async flushPolled(): Promise<void> {
    if (this.polled.length === 0) return;
    const batch = this.polled.splice(0);
    await this.store.updateSources(batch.map(([state, patch]) => [state, patch, versionOf(state)] as const));
  }

  /**
   * The budget seen in the last answer may be stale (another feature shares the token, or the
   * window reset); GET /rate_limit is free, so ask before rationing.
   */
  private async refreshLowBudget(now: Date): Promise<void> {
    const limit = this.rateLimit();
    if (!limit || this.pauseUntilMs > now.getTime() || this.githubAllowance(now) === Number.POSITIVE_INFINITY)
      return;
    try {
      await (this.o.pollGitHub ?? this.o.github).request('GET /rate_limit');
    } catch (error) {
      this.o.log.debug({ err: error }, 'Could not refresh the GitHub rate limit');
    }
  }

  /**
   * How many GitHub sources this tick may poll. With plenty of budget, all of them; when the
   * budget runs low, what is left (minus a reserve for filing ideas) is spread over the
   * minutes until the reset, so polling slows down instead of failing.
   */
  private githubAllowance(now: Date): number {
    if (this.pauseUntilMs > now.getTime()) return 0;
    const limit = this.rateLimit();
    if (!limit || limit.resetAt.getTime() <= now.getTime()) return Number.POSITIVE_INFINITY;
    const lowWater = Math.max(50, Math.floor(limit.limit * 0.1));
    if (limit.remaining > lowWater) return Number.POSITIVE_INFINITY;
    const reserve = Math.min(20, Math.floor(limit.limit * 0.01));
    const minutesLeft = Math.max(1, Math.ceil((limit.resetAt.getTime() - now.getTime()) / 60_000));
    return Math.max(0, Math.floor((limit.remaining - reserve) / minutesLeft));
  }

  /** Polls one source now; a new source's first poll is its baseline. */
  async pollSource(
    state: SourceState,
    signal?: AbortSignal,
  ): Promise<'not-modified' | 'failed' | 'deferred' | 'aborted' | number> {
    const started = this.o.clock.now();
    const at = started.toISOString();
    try {
      const result = await this.fetch(state, signal);
      const next = await this.nextSlot(state, this.o.clock.now().getTime());
      if (result.status === 'not-modified') {
        this.polled.push([state, { lastPollAt: at, lastSuccessAt: at, lastError: null, nextPollAt: next }]);
        if (this.polled.length >= POLLED_BATCH) await this.flushPolled();
        return 'not-modified';
      }
      const baseline = state.baselineAt === null;
      const created = await this.ingest(state, result.items, {
        baseline,
        ...(result.mark ? { mark: result.mark } : {}),
      });
      if (result.truncated)
        this.o.log.warn(
          { target: state.target, kind: state.kind },
          state.kind === 'releases'
            ? `More releases of ${state.target} were published since the last poll than one poll reads back; the oldest of them are not posted`
            : `More issues of ${state.target} changed since the last poll than one poll reads; the oldest of those changes are not seen`,
        );
      const applied = await this.store.updateSource(
        state,
        {
          lastPollAt: at,
          lastSuccessAt: at,
          lastError: null,
          nextPollAt: next,
          ...(result.etag ? { etag: result.etag } : {}),
          ...(result.cursor ? { cursor: result.cursor } : {}),
          ...(baseline ? { baselineAt: at } : {}),
        },
        versionOf(state),
      );
      if (!applied)
        // Another process (or /watch add's baseline) polled it since this poll read its row: its
        // ETag and cursor stay; what this poll found is stored once all the same.
        this.o.log.debug(
          { source: state.source, target: state.target, kind: state.kind },
          'Source polled elsewhere meanwhile; keeping its newer poll state',
        );
      if (baseline)
        this.o.log.info(
          { source: state.source, target: state.target, kind: state.kind, existing: result.items.length },
          'Baseline taken: what already existed will not be announced',
        );
      return created;
    } catch (error) {
      // Shutdown: nothing was stored for this source, so the next start polls it again.
      if (signal?.aborted) return 'aborted';
      return await this.pollFailed(state, error, started);
    }
  }

  /**
   * The poll client, its requests aborted by `signal` and each request after the first (reserved
   * by the tick) counted against the endpoint's budget.
   */
  private clientFor(state: SourceState, signal: AbortSignal | undefined): GitHubLike {
    const base = this.o.pollGitHub ?? this.o.github;
    const client = signal && this.o.pollGitHub?.withSignal ? this.o.pollGitHub.withSignal(signal) : base;
    const endpoint = endpointOf(state);
    let requests = 0;
    const request = ((route: string, params?: Record<string, unknown>) => {
      if (requests++ > 0) this.budget.spend(endpoint, this.o.clock.now().getTime());
      return (client.request as (r: string, p?: Record<string, unknown>) => Promise<unknown>)(route, params);
    }) as unknown as GitHubLike['request'];
    return { request, rateLimit: client.rateLimit };
  }

  private fetch(state: SourceState, signal?: AbortSignal): Promise<FetchResult> {
    const github = state.source === 'github' ? this.clientFor(state, signal) : this.o.github;
    // Read-back pages after downtime (at most 10) only within this minute's budget of the endpoint.
    const maxPages = Math.max(
      1,
      Math.min(10, 1 + this.budget.left(endpointOf(state), this.o.clock.now().getTime())),
    );
    if (state.kind === 'releases')
      return fetchReleases(github, state.target, state.etag, parseReleaseCursor(state), { maxPages });
    if (state.kind === 'issues')
      return fetchIssueActivity(github, state.target, state.etag, parseIssueCursor(state), {
        now: this.o.clock.now(),
        // The previous poll, one interval ago (give or take the minute a tick can be late), changed too.
        busyWithinMs: this.periodOf(state) * 1.5,
        maxPages,
      });
    return this.o.hubSource
      .latestModels(state.target, MODELS_PER_POLL)
      .then((items) => ({ status: 'ok' as const, items, etag: null }));
  }

  private async pollFailed(
    state: SourceState,
    error: unknown,
    started: Date,
  ): Promise<'failed' | 'deferred'> {
    const at = started.toISOString();
    const status = statusOf(error);
    const headers = headersOf(error);
    if (state.source === 'github' && (status === 403 || status === 429)) {
      if (headers['x-ratelimit-remaining'] === '0') {
        const reset = Number(headers['x-ratelimit-reset']) * 1000;
        this.pauseUntilMs = Math.max(this.pauseUntilMs, reset || started.getTime() + 60_000);
        await this.store.updateSource(
          state,
          {
            lastPollAt: at,
            lastError: `GitHub rate limit spent; waiting until ${new Date(this.pauseUntilMs).toISOString()}`,
            lastErrorAt: at,
          },
          versionOf(state),
        );
        return 'deferred';
      }
      if (headers['retry-after']) {
        const wait = Number(headers['retry-after']) * 1000 || 60_000;
        this.pauseUntilMs = Math.max(this.pauseUntilMs, started.getTime() + wait);
        this.o.log.warn(
          { target: state.target, retryAfterSeconds: wait / 1000 },
          'GitHub secondary rate limit: polling pauses for the Retry-After it asked for',
        );
        await this.store.updateSource(
          state,
          { lastPollAt: at, lastError: 'GitHub asked us to slow down', lastErrorAt: at },
          versionOf(state),
        );
        return 'deferred';
      }
    }
    const reason =
      status === 404
        ? state.source === 'github'
          ? 'repository not found (renamed, deleted or made private?)'
          : 'organisation not found'
        : ((error as Error)?.message ?? String(error)).slice(0, 300);
    await this.store.updateSource(
      state,
      {
        lastPollAt: at,
        lastError: reason,
        lastErrorAt: at,
        nextPollAt: await this.nextSlot(state, started.getTime()),
      },
      versionOf(state),
    );
    this.o.log.warn(
      { err: error, source: state.source, target: state.target, kind: state.kind, status },
      `Polling ${state.target} (${state.kind}) failed: ${reason}; it is tried again next interval`,
    );
    return 'failed';
  }

  /**
   * Stores new items as events and creates a delivery per watch that wants them; for items
   * already stored, applies edits (notes added, pre-release promoted; issues closed, reopened,
   * labelled). Both the poller and the webhook come through here, so an item seen by both is
   * posted once. Returns how many events were new.
   *
   * `mark` (issues): what the source knew at its baseline. An unknown issue older than it existed
   * before the watch and is stored silently; a close is recorded only when after its time.
   */
  async ingest(
    key: { source: Source; targetKey: string; kind: Kind; target: string },
    items: TrackedItem[],
    options: { baseline: boolean; mark?: IssueMark },
  ): Promise<number> {
    const now = this.o.clock.now();
    const at = now.toISOString();
    const toEdit: number[] = [];
    let created = 0;
    // Sources list newest first; oldest first is the order people read a channel in.
    const ordered = items
      .map((item, index) => ({ item, index }))
      .sort((a, b) => a.item.publishedAt.localeCompare(b.item.publishedAt) || b.index - a.index)
      .map(({ item }) => item);
    // One transaction: a process dying half-way leaves no event without its deliveries. Another
    // process ingesting the same items at once (webhook and poller) waits on the unique key and
    // stores nothing: each event, and each of its deliveries, is created once.
    await this.store.transaction(async (store) => {
      const watches = await store.watchesOf(key.source, key.targetKey, key.kind);
      const stored = await store.events(
        key,
        ordered.map((item) => item.externalId),
      );
      for (const item of ordered) {
        const existing = stored.get(item.externalId);
        const mark = key.kind === 'issues' ? options.mark : undefined;
        if (!existing && mark && !options.baseline && !isNewIssue(item, mark)) {
          // An old issue seen for the first time (closed, commented or labelled): not news itself.
          await store.insertEvent(key, item, at, true, closeAfter(item, mark.from));
          continue;
        }
        if (!existing) {
          const closedAt = options.baseline ? null : (item.closedAt ?? null);
          const id = await store.insertEvent(key, item, at, options.baseline, closedAt);
          if (id === undefined || options.baseline) continue;
          created++;
          for (const watch of watches)
            if (watchWants(watch, item, key.kind)) await store.createDelivery(id, watch, at, item.afterGap);
          continue;
        }
        if (key.kind === 'issues' && item.state) {
          await this.applyIssueChange(store, existing, item, watches, {
            from: mark?.from ?? existing.firstSeenAt,
            baseline: options.baseline,
            at,
          });
          continue;
        }
        if (key.kind !== 'releases') continue;
        const promoted = existing.prerelease && !item.prerelease;
        const changed = existing.body !== item.body || existing.title !== item.title || promoted;
        if (!changed) continue;
        await store.updateEvent(existing.id, item, at);
        if (promoted) {
          // A final release is news wherever it was not posted: final-only channels never saw the
          // pre-release, and a pre-release older than a watch was never posted to it (the unique
          // key keeps the delivery of a channel that had it).
          for (const watch of watches)
            if (watchWants(watch, item, key.kind)) await store.createDelivery(existing.id, watch, at);
        }
        const recent = now.getTime() - Date.parse(existing.publishedAt) <= DAY_MS;
        if (recent || promoted) toEdit.push(existing.id);
      }
    });
    for (const id of toEdit) await this.editPosted(id);
    return created;
  }

  /**
   * An issue seen again: records a close (once; a reopened issue loses it), and brings it to
   * label-filtered watches whose labels it gained after it was opened. Closes are not posted.
   */
  private async applyIssueChange(
    store: TrackingStore,
    existing: TrackedEvent,
    item: TrackedItem,
    watches: Watch[],
    { from, baseline, at }: { from: string; baseline: boolean; at: string },
  ): Promise<void> {
    let closedAt: string | null = null;
    if (item.state === 'closed') {
      // A new baseline (the repository watched again after nobody did): what happened meanwhile is
      // not news; a close recorded before is kept.
      if (baseline) closedAt = existing.closedAt === item.closedAt ? existing.closedAt : null;
      else if (existing.state === 'open' || existing.closedAt !== null) closedAt = item.closedAt ?? null;
      // Closed when first seen (baseline, or an old issue): news only when closed after the baseline.
      else closedAt = closeAfter(item, from);
    }
    const labelsChanged = existing.labels.join('\n') !== item.labels.join('\n');
    const changed =
      labelsChanged ||
      existing.state !== item.state ||
      existing.closedAt !== closedAt ||
      existing.title !== item.title ||
      existing.body !== item.body;
    if (!changed) return;
    await store.updateIssue(existing.id, item, closedAt, at);
    // Only issues opened since the baseline, and still open: relabelling old issues in bulk
    // (triage sweeps, stale bots) must not flood a channel.
    if (!labelsChanged || baseline || existing.baseline || item.state !== 'open') return;
    for (const watch of watches)
      if (
        watch.labels.length > 0 &&
        watchWants(watch, item, 'issues') &&
        !watchWants(watch, existing, 'issues')
      )
        await store.createDelivery(existing.id, watch, at);
  }

  /** Brings every posted message of an event up to date (notes added, promoted to final). */
  private async editPosted(eventId: number): Promise<number> {
    const event = await this.store.eventById(eventId);
    if (!event) return 0;
    const message = renderEvent(event);
    let edited = 0;
    for (const d of await this.store.sentDeliveries(eventId)) {
      try {
        await this.o.poster.edit(d.channelId, d.messageId, message);
        await this.store.markEdited(d.id, this.o.clock.now().toISOString());
        this.o.observe?.post('edited');
        edited++;
      } catch (error) {
        const failure = classifyDiscordError(error);
        this.o.log.warn(
          { err: failure, channelId: d.channelId, messageId: d.messageId, eventId },
          `Could not update the announcement of ${event.target} ${event.title} (${failure.failure})`,
        );
      }
    }
    return edited;
  }

  /** Posts pending deliveries; one pass at a time, a request made meanwhile runs right after. */
  deliverPending(signal?: AbortSignal): Promise<DeliveryReport> {
    if (this.delivering) {
      this.deliverAgain = true;
      return this.delivering;
    }
    this.delivering = (async () => {
      const total: DeliveryReport = { sent: 0, skipped: 0, failed: 0, edited: 0 };
      do {
        this.deliverAgain = false;
        const r = await this.deliverOnce(signal);
        total.sent += r.sent;
        total.skipped += r.skipped;
        total.failed += r.failed;
      } while (this.deliverAgain && !signal?.aborted);
      return total;
    })().finally(() => {
      this.delivering = undefined;
    });
    return this.delivering;
  }

  private async deliverOnce(signal?: AbortSignal): Promise<DeliveryReport> {
    const report: DeliveryReport = { sent: 0, skipped: 0, failed: 0, edited: 0 };
    const byWatch = new Map<number, PendingDelivery[]>();
    for (const d of await this.store.pendingDeliveries(this.o.clock.now().toISOString())) {
      const list = byWatch.get(d.watchId) ?? [];
      list.push(d);
      byWatch.set(d.watchId, list);
    }
    for (const [watchId, unclaimed] of byWatch) {
      // Shutdown: what is left stays pending and is posted at the next start.
      if (signal?.aborted) break;
      const watch = await this.store.watch(watchId);
      if (!watch) continue;
      // A watch's deliveries are claimed together, so one process posts them in order and writes
      // its "and N more" line; another process racing for them gets none (or the few it won).
      const now = this.o.clock.now().getTime();
      const claimed = await this.store.claimDeliveries(
        unclaimed.map((d) => d.id),
        this.claimant,
        new Date(now).toISOString(),
        new Date(now + this.claimMs).toISOString(),
      );
      const pending = unclaimed.filter((d) => claimed.has(d.id));
      if (pending.length === 0) continue;
      const unposted = new Set(pending.map((d) => d.id));
      try {
        await this.deliverWatch(watch, pending, unposted, report);
      } finally {
        // A batch stopped at a failure, or by shutdown: what it did not reach is free again at once.
        await this.store.releaseClaims([...unposted], this.claimant);
      }
    }
    return report;
  }

  private async deliverWatch(
    watch: Watch,
    pending: PendingDelivery[],
    unposted: Set<number>,
    report: DeliveryReport,
  ): Promise<void> {
    const overflow = new Map<Kind, number>();
    // Kinds whose catch-up could not read back to the previous poll: the count is a lower bound.
    const gaps = new Set(pending.filter((d) => d.afterGap).map((d) => d.event.kind));
    for (const kind of gaps) overflow.set(kind, 0);
    let batch = pending;
    if (pending.length > this.maxPosts) {
      batch = pending.slice(0, this.maxPosts);
      const rest = pending.slice(this.maxPosts);
      await this.store.markSkipped(rest.map((d) => d.id));
      for (const d of rest) {
        unposted.delete(d.id);
        overflow.set(d.event.kind, (overflow.get(d.event.kind) ?? 0) + 1);
      }
      report.skipped += rest.length;
    }
    const ok = await this.deliverBatch(watch, batch, unposted, report);
    if (!ok) return;
    for (const [kind, count] of overflow) {
      try {
        await this.o.poster.post(
          watch.channelId,
          renderOverflow(watch, kind, count, this.o.hubWebUrl, gaps.has(kind)),
        );
      } catch (error) {
        this.o.log.warn({ err: error, watchId: watch.id }, 'Could not post the "and N more" line');
      }
    }
  }

  /** Posts a watch's deliveries in order; stops at the first failure so order is kept. */
  private async deliverBatch(
    watch: Watch,
    batch: PendingDelivery[],
    unposted: Set<number>,
    report: DeliveryReport,
  ): Promise<boolean> {
    for (const [i, d] of batch.entries()) {
      const at = this.o.clock.now().toISOString();
      // The claim outlives one post, not the batch: renewed before each (not before the first,
      // claimed just now).
      if (i > 0)
        await this.store.extendClaims(
          [...unposted],
          this.claimant,
          new Date(this.o.clock.now().getTime() + this.claimMs).toISOString(),
        );
      try {
        // The delivery id as nonce: if we die after Discord accepted the post but before the row
        // says so, the retry after restart (or by another process once our claim lapsed) gets the
        // same message back instead of a second one.
        const sent = await this.o.poster.post(d.channelId, {
          ...renderEvent(d.event),
          nonce: `omh-delivery-${d.id}`,
        });
        await this.store.markSent(d.id, sent.id, at);
        unposted.delete(d.id);
        this.o.observe?.post('sent');
        if (watch.failingSinceAt) {
          await this.store.clearWatchFailing(watch.id);
          watch.failingSinceAt = null;
          this.o.log.info({ watchId: watch.id, channelId: watch.channelId }, 'Watch delivers again');
        }
        report.sent++;
      } catch (error) {
        const failure = classifyDiscordError(error);
        await this.deliveryFailed(watch, d, failure, at);
        unposted.delete(d.id);
        report.failed++;
        if (failure.failure !== 'invalid') return false;
      }
    }
    return true;
  }

  private async deliveryFailed(
    watch: Watch,
    d: PendingDelivery,
    failure: PostError,
    at: string,
  ): Promise<void> {
    const what = `${d.event.target} ${d.event.kind === 'issues' ? `#${d.event.externalId}` : d.event.title}`;
    this.o.observe?.post(
      failure.failure === 'retryable' ? 'retry' : failure.failure === 'invalid' ? 'rejected' : 'failing',
    );
    if (failure.failure === 'retryable') {
      await this.store.markAttemptFailed(d.id, failure.message, 'pending');
      this.o.log.warn(
        { watchId: watch.id, channelId: watch.channelId, status: failure.status },
        `Discord did not take the post of ${what}; it is retried at the next poll`,
      );
      return;
    }
    if (failure.failure === 'invalid') {
      await this.store.markAttemptFailed(d.id, failure.message, 'failed');
      this.o.log.error(
        { err: failure, watchId: watch.id, eventId: d.event.id },
        `Discord rejected the post of ${what}; this is a bug in its rendering`,
      );
      return;
    }
    const reason =
      failure.failure === 'gone'
        ? 'the channel no longer exists'
        : 'the bot may not post there (it needs View Channel, Send Messages and Embed Links)';
    await this.store.markAttemptFailed(d.id, failure.message, 'pending');
    await this.store.markWatchFailing(watch.id, reason, at);
    watch.failingSinceAt ??= at;
    this.o.log.warn(
      { watchId: watch.id, guildId: watch.guildId, channelId: watch.channelId, code: failure.code },
      `Watch ${watch.id} of ${watch.target} is failing: ${reason}. Fix it or remove it with /watch remove ${watch.id}`,
    );
  }

  /** Events of a source newest first, for backfill after a baseline. */
  latest(source: Source, targetKey: string, kind: Kind, n: number): Promise<TrackedEvent[]> {
    return this.store.latestEvents(source, targetKey, kind, n);
  }
}
