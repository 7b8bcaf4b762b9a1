// The weekly digest service: preview, post now, and the scheduled post that happens exactly
// once per server and local ISO week (with catch-up when the bot was down at its time).
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.ts';
import type { DB } from '../db/schema.ts';
import { type OutgoingMessage, PostError, type Poster } from '../discord/post.ts';
import type { Logger } from '../log.ts';
import { buildWeeklyDigest } from './build.ts';
import { type ChartSeries, renderActivityChart } from './chart.ts';
import { renderDigest } from './render.ts';
import type { DigestRecord, DigestSchedule, DigestStore } from './store.ts';
import type { Digest } from './types.ts';
import { resolveUnknownUsers, type UserLookup } from './users.ts';
import { latestSlot, nextSlot, previousWeek, type Week, weekContaining } from './week.ts';

/** A digest that could not go out at its time is still worth posting within this delay. */
export const CATCH_UP_MS = 24 * 60 * 60 * 1000;

/**
 * A week left 'posting' with no renewal for this long is taken over: its process died mid-post.
 * The holder renews before every message, so only a dead process (or one stuck far longer on a
 * single message than Discord ever takes) leaves it this old. Resuming reuses the messages' nonces,
 * and Discord hands back what it already took when the nonce comes again within a few minutes:
 * this stays well inside that window (the next minute tick after it, at the latest).
 */
export const CLAIM_STALE_MS = 90_000;

export interface DigestDeps {
  db: Kysely<DB>;
  clock: Clock;
  log: Logger;
  poster: Poster;
  store: DigestStore;
  /** How to learn whether a user is a bot; without it, users are counted as people. */
  lookupUser?: UserLookup;
  /** Keeps each posted week for the web board (src/web/archive.ts), exactly as it went out. */
  archive?: { save(digest: Digest, postedAt: Date, chartPng: Buffer | null): void | Promise<void> };
}

export type DueOutcome =
  | { guildId: string; week: string; result: 'posted' | 'quiet' | 'skipped' | 'failed' | 'retry' }
  | { guildId: string; week: string; result: 'already-done' }
  /** Another process is posting this week right now (its claim is fresh). */
  | { guildId: string; week: string; result: 'in-progress' };

export class DigestService {
  constructor(private readonly deps: DigestDeps) {}

  /** Builds the digest of `week` (default: this local week so far), after learning who is a bot. */
  async build(guildId: string, week?: Week): Promise<Digest> {
    const { db, clock, store, lookupUser } = this.deps;
    const schedule = await store.schedule(guildId);
    if (lookupUser) {
      const w = week ?? weekContaining(clock.now(), schedule.timeZone);
      try {
        await resolveUnknownUsers(db, clock, lookupUser, guildId, w.start.toISOString(), w.end.toISOString());
      } catch (error) {
        // Not knowing who is a bot must not cost the community its digest.
        this.deps.log.warn(
          { err: error, guildId },
          'Could not ask Discord which users are bots; users not looked up yet count as people in this digest',
        );
      }
    }
    return buildWeeklyDigest(db, clock, { guildId, timeZone: schedule.timeZone }, week);
  }

  /** The messages of a digest, chart included (only the series whose feature is installed). */
  render(digest: Digest): OutgoingMessage[] {
    if (digest.quiet) return renderDigest(digest);
    const series: ChartSeries[] = [];
    if (digest.releases) series.push('releases');
    if (digest.issues) series.push('issues');
    if (digest.ideas) series.push('ideas');
    if (digest.modelRuns) series.push('modelRuns');
    const title = `Activity per day, ${digest.week.key} (${digest.week.timeZone})`;
    return renderDigest(
      digest,
      series.length > 0 ? renderActivityChart(digest.days, series, title) : undefined,
    );
  }

  /** This week so far, for /digest preview. */
  async preview(guildId: string): Promise<OutgoingMessage[]> {
    return this.render(await this.build(guildId));
  }

  /**
   * Posts this week so far to the server's digest channel (or `channelId`). It does not count
   * as the week's scheduled digest, which still comes at its time with the whole week.
   */
  async postNow(guildId: string, channelId?: string): Promise<{ channelId: string; messageIds: string[] }> {
    const target = channelId ?? (await this.deps.store.schedule(guildId)).channelId;
    if (!target) throw new Error('no digest channel');
    const messageIds: string[] = [];
    for (const message of await this.preview(guildId))
      messageIds.push((await this.deps.poster.post(target, message)).id);
    this.deps.log.info(
      { guildId, channelId: target, messages: messageIds.length },
      'Digest posted on request',
    );
    return { channelId: target, messageIds };
  }

  /**
   * Whether the digest channel still exists for the bot: `gone` once Discord says it was deleted,
   * `unknown` when Discord could not be asked (the channel is then shown as set).
   */
  async channelState(channelId: string): Promise<'ok' | 'gone' | 'unknown'> {
    try {
      await this.deps.poster.channel(channelId);
      return 'ok';
    } catch (error) {
      if (error instanceof PostError && error.failure === 'gone') return 'gone';
      this.deps.log.debug({ err: error, channelId }, 'Could not check the digest channel');
      return 'unknown';
    }
  }

  /**
   * When the next scheduled digest of a server is posted: the next slot whose week postDue will
   * still post (a slot whose week is already done is passed over, as postDue passes it over).
   */
  async nextPostAt(schedule: DigestSchedule): Promise<Date> {
    const { timeZone, weekday, hour } = schedule;
    let slot = nextSlot(this.deps.clock.now(), timeZone, weekday, hour);
    // Only the week before the first coming slot can have a record already; the one after cannot.
    for (let i = 0; i < 2; i++) {
      const record = await this.deps.store.record(schedule.guildId, previousWeek(slot, timeZone).key);
      if (!record || stillToPost(record, slot)) return slot;
      slot = nextSlot(slot, timeZone, weekday, hour);
    }
    return slot;
  }

  /**
   * Posts every digest whose time has come and which is not recorded yet. Run by the minute job
   * and once at start-up: the same rule gives the catch-up after downtime.
   */
  async postDueDigests(): Promise<DueOutcome[]> {
    const outcomes: DueOutcome[] = [];
    for (const schedule of await this.deps.store.scheduledGuilds()) {
      try {
        outcomes.push(await this.postDue(schedule));
      } catch (error) {
        // One server's problem must not keep the others' digests from going out.
        this.deps.log.error(
          { err: error, guildId: schedule.guildId },
          'Weekly digest failed for this server; it is retried on the next run',
        );
      }
    }
    return outcomes;
  }

  private async postDue(schedule: DigestSchedule): Promise<DueOutcome> {
    const { clock, store, log, poster } = this.deps;
    const { guildId, timeZone, channelId } = schedule;
    const now = clock.now();
    const slot = latestSlot(now, timeZone, schedule.weekday, schedule.hour);
    const week = previousWeek(slot, timeZone);
    const base = { guildId, week: week.key };
    const existing = await store.record(guildId, week.key);
    // A row still 'posting' is another run's, in this process or another: left alone while its claim
    // is fresh, taken over once stale (that run died mid-post). The take-over posts again with the
    // same nonces, and Discord hands back what it already took.
    const resuming = existing?.status === 'posting';
    if (resuming && now.getTime() - Date.parse(existing.claimedAt) < CLAIM_STALE_MS)
      return { ...base, result: 'in-progress' };
    // Skipped at an earlier slot, and the curator has since moved the slot later: the week is
    // posted at its new slot, as /digest config announced.
    const reopening = existing?.status === 'skipped' && stillToPost(existing, slot);
    if (existing && !resuming && !reopening) return { ...base, result: 'already-done' };
    if (resuming)
      log.warn(
        { guildId, week: week.key, claimedAt: existing.claimedAt },
        'Resuming a weekly digest whose posting was interrupted; Discord deduplicates messages it already took within a few minutes',
      );

    const late = now.getTime() - slot.getTime();
    if (late >= CATCH_UP_MS) {
      if (reopening) return { ...base, result: 'skipped' };
      const note = `due ${slot.toISOString()}, ${Math.floor(late / 3_600_000)} h late`;
      const firstEver = !(await store.lastPosted(guildId));
      if (
        await store.claim({
          guildId,
          isoWeek: week.key,
          channelId,
          scheduledFor: slot,
          status: 'skipped',
          note,
        })
      ) {
        // A server that never had a digest did not miss one: its first comes at the next slot.
        if (firstEver)
          log.info(
            { guildId, week: week.key, nextAt: (await this.nextPostAt(schedule)).toISOString() },
            'Weekly digest scheduled; the first one is posted at its next time',
          );
        else
          log.warn(
            { guildId, week: week.key, dueAt: slot.toISOString() },
            `Skipped the weekly digest of ${week.key}: it was due more than 24 hours ago (the bot was not running). /digest post-now posts the current week on request.`,
          );
      }
      return { ...base, result: 'skipped' };
    }
    let claim = resuming
      ? await store.renewClaim(guildId, week.key, existing.claimedAt)
      : reopening
        ? await store.reopenSkipped({ guildId, isoWeek: week.key, channelId, scheduledFor: slot })
        : await store.take({ guildId, isoWeek: week.key, channelId, scheduledFor: slot });
    if (claim === undefined) return { ...base, result: resuming ? 'in-progress' : 'already-done' };

    let messages: OutgoingMessage[];
    let digest: Digest;
    try {
      digest = await this.build(guildId, week);
      messages = this.render(digest);
    } catch (error) {
      await store.release(guildId, week.key, claim);
      throw error;
    }
    if (digest.quiet && schedule.quietWeeks === 'skip') {
      await store.finish(
        guildId,
        week.key,
        { status: 'quiet', note: 'quiet week, not posted (setting)' },
        claim,
      );
      return { ...base, result: 'quiet' };
    }

    const posted: string[] = [];
    try {
      for (const [i, message] of messages.entries()) {
        // Renewed before each message: a run that lost the week to a take-over stops here.
        const renewed = await store.renewClaim(guildId, week.key, claim);
        if (renewed === undefined) {
          log.warn(
            { guildId, week: week.key, posted: posted.length },
            'Another process took over this weekly digest while it was being posted; it finishes the post',
          );
          return { ...base, result: 'in-progress' };
        }
        claim = renewed;
        const nonce = digestNonce(guildId, week.key, i);
        posted.push((await poster.post(channelId!, { ...message, nonce })).id);
      }
    } catch (error) {
      const failure = error instanceof PostError ? error.failure : 'invalid';
      if (failure === 'retryable' && posted.length === 0) {
        await store.release(guildId, week.key, claim);
        log.warn(
          { guildId, week: week.key, err: error },
          'Discord did not take the weekly digest; it is tried again in a minute',
        );
        return { ...base, result: 'retry' };
      }
      await store.finish(
        guildId,
        week.key,
        { status: 'failed', messageIds: posted, note: `${failure}: ${(error as Error).message}` },
        claim,
      );
      log.error(
        { guildId, week: week.key, channelId, failure, posted: posted.length, err: error },
        failure === 'gone' || failure === 'forbidden'
          ? `The weekly digest could not be posted: the digest channel is gone or the bot may not post there. Give the bot Send Messages, Embed Links and Attach Files there, or choose another channel with /digest config channel.`
          : `The weekly digest of ${week.key} could not be posted (${posted.length} of ${messages.length} messages went out); it is not retried this week.`,
      );
      return { ...base, result: 'failed' };
    }
    if (
      !(await store.finish(
        guildId,
        week.key,
        { status: digest.quiet ? 'quiet' : 'posted', messageIds: posted },
        claim,
      ))
    )
      return { ...base, result: 'in-progress' };
    await this.deps.archive?.save(digest, clock.now(), messages[0]?.files?.[0]?.data ?? null);
    log.info({ guildId, week: week.key, channelId, messages: posted.length }, 'Weekly digest posted');
    return { ...base, result: digest.quiet ? 'quiet' : 'posted' };
  }
}

/** Whether postDue will still post a week that has `record`, at `slot`. */
function stillToPost(record: DigestRecord, slot: Date): boolean {
  if (record.status === 'posting') return true;
  return record.status === 'skipped' && record.scheduledFor < slot.toISOString();
}

/** A stable nonce (at most 25 characters) for message `index` of a server's weekly digest. */
export function digestNonce(guildId: string, isoWeek: string, index: number): string {
  const guild = createHash('sha256').update(guildId).digest('hex').slice(0, 8);
  return `dg${guild}${isoWeek.replace('-', '')}${index}`.slice(0, 25);
}
