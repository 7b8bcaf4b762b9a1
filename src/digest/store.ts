// The digest's own tables: per-server schedule (columns of guild_settings), the once-per-week
// record (digests) and the bot flags of Discord users (discord_users).
import type { Kysely, Selectable } from 'kysely';
import type { Clock } from '../clock.ts';
import type { DB, DigestsTable, GuildSettingsTable } from '../db/schema.ts';

export type QuietWeeks = 'post' | 'skip';

export interface DigestSchedule {
  guildId: string;
  /** guild_settings.digest_channel_id, shared with /hub config. */
  channelId: string | null;
  timeZone: string;
  /** 1 = Monday … 7 = Sunday. */
  weekday: number;
  hour: number;
  quietWeeks: QuietWeeks;
}

export type DigestStatus = 'posting' | 'posted' | 'quiet' | 'skipped' | 'failed';

export interface DigestRecord {
  guildId: string;
  isoWeek: string;
  status: DigestStatus;
  channelId: string | null;
  messageIds: string[];
  scheduledFor: string;
  claimedAt: string;
  finishedAt: string | null;
  note: string | null;
}

type ScheduleRow = Pick<
  Selectable<GuildSettingsTable>,
  'guild_id' | 'digest_channel_id' | 'time_zone' | 'digest_weekday' | 'digest_hour' | 'digest_quiet_weeks'
>;

const DEFAULTS = { weekday: 1, hour: 9, quietWeeks: 'post' as QuietWeeks, timeZone: 'UTC' };

function toSchedule(row: ScheduleRow): DigestSchedule {
  return {
    guildId: row.guild_id,
    channelId: row.digest_channel_id,
    timeZone: row.time_zone,
    weekday: row.digest_weekday,
    hour: row.digest_hour,
    quietWeeks: row.digest_quiet_weeks,
  };
}

function toRecord(row: Selectable<DigestsTable>): DigestRecord {
  return {
    guildId: row.guild_id,
    isoWeek: row.iso_week,
    status: row.status,
    channelId: row.channel_id,
    messageIds: JSON.parse(row.message_ids) as string[],
    scheduledFor: row.scheduled_for,
    claimedAt: row.claimed_at,
    finishedAt: row.finished_at,
    note: row.note,
  };
}

const SCHEDULE_COLUMNS = [
  'guild_id',
  'digest_channel_id',
  'time_zone',
  'digest_weekday',
  'digest_hour',
  'digest_quiet_weeks',
] as const;

/**
 * A week being posted belongs to whoever holds its claim: the claimed_at it wrote. Every take-over
 * and renewal writes a later claimed_at than the one it replaces (by a millisecond when the clock
 * has not moved), so claimed_at doubles as a fence: a process whose claim was taken over finds it
 * changed on its next renewal and stops, instead of posting beside the new holder.
 */
function laterThan(previous: string, now: Date): string {
  return new Date(Math.max(now.getTime(), Date.parse(previous) + 1)).toISOString();
}

export class DigestStore {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly clock: Clock,
  ) {}

  async schedule(guildId: string): Promise<DigestSchedule> {
    const row = await this.db
      .selectFrom('guild_settings')
      .select(SCHEDULE_COLUMNS)
      .where('guild_id', '=', guildId)
      .executeTakeFirst();
    return row ? toSchedule(row) : { guildId, channelId: null, ...DEFAULTS };
  }

  /** Servers with a digest channel: the only ones the weekly job visits. */
  async scheduledGuilds(): Promise<DigestSchedule[]> {
    const rows = await this.db
      .selectFrom('guild_settings')
      .select(SCHEDULE_COLUMNS)
      .where('digest_channel_id', 'is not', null)
      .orderBy('guild_id')
      .execute();
    return rows.map(toSchedule);
  }

  async updateSchedule(
    guildId: string,
    patch: Partial<Pick<DigestSchedule, 'weekday' | 'hour' | 'quietWeeks'>>,
    userId: string,
  ): Promise<DigestSchedule> {
    const set = {
      ...(patch.weekday !== undefined ? { digest_weekday: patch.weekday } : {}),
      ...(patch.hour !== undefined ? { digest_hour: patch.hour } : {}),
      ...(patch.quietWeeks !== undefined ? { digest_quiet_weeks: patch.quietWeeks } : {}),
    };
    const now = this.clock.now().toISOString();
    // One statement: the row is made with the new values, or the existing row changes.
    await this.db
      .insertInto('guild_settings')
      .values({
        guild_id: guildId,
        updated_at: now,
        ...(Object.keys(set).length > 0 ? { updated_by: userId, ...set } : {}),
      })
      .onConflict((oc) =>
        Object.keys(set).length === 0
          ? oc.column('guild_id').doNothing()
          : oc.column('guild_id').doUpdateSet({ ...set, updated_at: now, updated_by: userId }),
      )
      .execute();
    return this.schedule(guildId);
  }

  async record(guildId: string, isoWeek: string): Promise<DigestRecord | undefined> {
    const row = await this.db
      .selectFrom('digests')
      .selectAll()
      .where('guild_id', '=', guildId)
      .where('iso_week', '=', isoWeek)
      .executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  async lastPosted(guildId: string): Promise<DigestRecord | undefined> {
    const row = await this.db
      .selectFrom('digests')
      .selectAll()
      .where('guild_id', '=', guildId)
      .where('status', 'in', ['posted', 'quiet'])
      .orderBy('iso_week', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  /**
   * Takes the week for this server; false when it was already taken (posted, skipped or being
   * posted by another run). `status` other than 'posting' records a final outcome at once.
   */
  async claim(o: {
    guildId: string;
    isoWeek: string;
    channelId: string | null;
    scheduledFor: Date;
    status?: DigestStatus;
    note?: string;
  }): Promise<boolean> {
    return (await this.take(o)) !== undefined;
  }

  /**
   * claim(), returning the claim (its claimed_at) for renewClaim and the fenced finish/release.
   * One INSERT … ON CONFLICT DO NOTHING: of two processes racing for a week, exactly one gets it.
   */
  async take(o: {
    guildId: string;
    isoWeek: string;
    channelId: string | null;
    scheduledFor: Date;
    status?: DigestStatus;
    note?: string;
  }): Promise<string | undefined> {
    const status = o.status ?? 'posting';
    const now = this.clock.now().toISOString();
    const row = await this.db
      .insertInto('digests')
      .values({
        guild_id: o.guildId,
        iso_week: o.isoWeek,
        status,
        channel_id: o.channelId,
        scheduled_for: o.scheduledFor.toISOString(),
        claimed_at: now,
        finished_at: status === 'posting' ? null : now,
        note: o.note ?? null,
      })
      .onConflict((oc) => oc.columns(['guild_id', 'iso_week']).doNothing())
      .returning('claimed_at')
      .executeTakeFirst();
    return row?.claimed_at;
  }

  /**
   * Moves a 'posting' claim on: the holder renews it before each message, and another process takes
   * over a claim left stale by a process that died mid-post. Compare-and-set on `claim`, so of two
   * processes only one gets it; undefined when the claim is no longer `claim`.
   */
  async renewClaim(guildId: string, isoWeek: string, claim: string): Promise<string | undefined> {
    const next = laterThan(claim, this.clock.now());
    const row = await this.db
      .updateTable('digests')
      .set({ claimed_at: next })
      .where('guild_id', '=', guildId)
      .where('iso_week', '=', isoWeek)
      .where('status', '=', 'posting')
      .where('claimed_at', '=', claim)
      .returning('claimed_at')
      .executeTakeFirst();
    return row?.claimed_at;
  }

  /**
   * Records the week's outcome. With `claim`, only while that claim still holds (false otherwise:
   * another process took the week over and records it itself).
   */
  async finish(
    guildId: string,
    isoWeek: string,
    outcome: { status: Exclude<DigestStatus, 'posting'>; messageIds?: string[]; note?: string },
    claim?: string,
  ): Promise<boolean> {
    let update = this.db
      .updateTable('digests')
      .set({
        status: outcome.status,
        message_ids: JSON.stringify(outcome.messageIds ?? []),
        finished_at: this.clock.now().toISOString(),
        note: outcome.note ?? null,
      })
      .where('guild_id', '=', guildId)
      .where('iso_week', '=', isoWeek);
    if (claim !== undefined) update = update.where('status', '=', 'posting').where('claimed_at', '=', claim);
    const result = await update.executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /**
   * Takes a week that was recorded skipped at an earlier slot, now that the server's slot for it
   * is later (the curator moved it); undefined when another run took it first or the skip stands.
   */
  async reopenSkipped(o: {
    guildId: string;
    isoWeek: string;
    channelId: string | null;
    scheduledFor: Date;
  }): Promise<string | undefined> {
    const scheduledFor = o.scheduledFor.toISOString();
    const row = await this.db
      .updateTable('digests')
      .set({
        status: 'posting',
        channel_id: o.channelId,
        scheduled_for: scheduledFor,
        claimed_at: this.clock.now().toISOString(),
        finished_at: null,
        note: null,
        message_ids: '[]',
      })
      .where('guild_id', '=', o.guildId)
      .where('iso_week', '=', o.isoWeek)
      .where('status', '=', 'skipped')
      .where('scheduled_for', '<', scheduledFor)
      .returning('claimed_at')
      .executeTakeFirst();
    return row?.claimed_at;
  }

  /** Gives the week back after a failure worth retrying (nothing was posted); `claim` as in finish. */
  async release(guildId: string, isoWeek: string, claim?: string): Promise<void> {
    let remove = this.db
      .deleteFrom('digests')
      .where('guild_id', '=', guildId)
      .where('iso_week', '=', isoWeek)
      .where('status', '=', 'posting');
    if (claim !== undefined) remove = remove.where('claimed_at', '=', claim);
    await remove.execute();
  }
}
