// The digest's own tables: per-server schedule (columns of guild_settings), the once-per-week
// record (digests) and the bot flags of Discord users (discord_users).
import type { Clock } from '../clock.ts';
import type { Db } from '../db/open.ts';

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

interface ScheduleRow {
  guild_id: string;
  digest_channel_id: string | null;
  time_zone: string;
  digest_weekday: number;
  digest_hour: number;
  digest_quiet_weeks: QuietWeeks;
}

interface RecordRow {
  guild_id: string;
  iso_week: string;
  status: DigestStatus;
  channel_id: string | null;
  message_ids: string;
  scheduled_for: string;
  claimed_at: string;
  finished_at: string | null;
  note: string | null;
}

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

function toRecord(row: RecordRow): DigestRecord {
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

const SCHEDULE_COLUMNS =
  'guild_id, digest_channel_id, time_zone, digest_weekday, digest_hour, digest_quiet_weeks';

export class DigestStore {
  private readonly scheduleOf;
  private readonly scheduled;
  private readonly recordOf;
  private readonly lastRecord;
  private readonly claimStmt;
  private readonly finishStmt;
  private readonly releaseStmt;
  private readonly reopenStmt;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {
    this.scheduleOf = db.prepare(`SELECT ${SCHEDULE_COLUMNS} FROM guild_settings WHERE guild_id = ?`);
    this.scheduled = db.prepare(
      `SELECT ${SCHEDULE_COLUMNS} FROM guild_settings WHERE digest_channel_id IS NOT NULL ORDER BY guild_id`,
    );
    this.recordOf = db.prepare('SELECT * FROM digests WHERE guild_id = ? AND iso_week = ?');
    this.lastRecord = db.prepare(
      `SELECT * FROM digests WHERE guild_id = ? AND status IN ('posted', 'quiet') ORDER BY iso_week DESC LIMIT 1`,
    );
    this.claimStmt = db.prepare(
      `INSERT OR IGNORE INTO digests (guild_id, iso_week, status, channel_id, scheduled_for, claimed_at, finished_at, note)
       VALUES (@guildId, @isoWeek, @status, @channelId, @scheduledFor, @now, @finishedAt, @note)`,
    );
    this.finishStmt = db.prepare(
      `UPDATE digests SET status = @status, message_ids = @messageIds, finished_at = @now, note = @note
       WHERE guild_id = @guildId AND iso_week = @isoWeek`,
    );
    this.releaseStmt = db.prepare(
      `DELETE FROM digests WHERE guild_id = ? AND iso_week = ? AND status = 'posting'`,
    );
    this.reopenStmt = db.prepare(
      `UPDATE digests SET status = 'posting', channel_id = @channelId, scheduled_for = @scheduledFor,
         claimed_at = @now, finished_at = NULL, note = NULL, message_ids = '[]'
       WHERE guild_id = @guildId AND iso_week = @isoWeek AND status = 'skipped' AND scheduled_for < @scheduledFor`,
    );
  }

  schedule(guildId: string): DigestSchedule {
    const row = this.scheduleOf.get(guildId) as ScheduleRow | undefined;
    return row ? toSchedule(row) : { guildId, channelId: null, ...DEFAULTS };
  }

  /** Servers with a digest channel: the only ones the weekly job visits. */
  scheduledGuilds(): DigestSchedule[] {
    return (this.scheduled.all() as ScheduleRow[]).map(toSchedule);
  }

  updateSchedule(
    guildId: string,
    patch: Partial<Pick<DigestSchedule, 'weekday' | 'hour' | 'quietWeeks'>>,
    userId: string,
  ): DigestSchedule {
    const columns: Array<[string, string | number | undefined]> = [
      ['digest_weekday', patch.weekday],
      ['digest_hour', patch.hour],
      ['digest_quiet_weeks', patch.quietWeeks],
    ];
    const set = columns.filter(([, v]) => v !== undefined) as Array<[string, string | number]>;
    const sets = set.map(([c]) => `${c} = ?`);
    const values = set.map(([, v]) => v);
    this.db.transaction(() => {
      const now = this.clock.now().toISOString();
      this.db
        .prepare('INSERT OR IGNORE INTO guild_settings (guild_id, updated_at) VALUES (?, ?)')
        .run(guildId, now);
      if (sets.length === 0) return;
      this.db
        .prepare(
          `UPDATE guild_settings SET ${sets.join(', ')}, updated_at = ?, updated_by = ? WHERE guild_id = ?`,
        )
        .run(...values, now, userId, guildId);
    })();
    return this.schedule(guildId);
  }

  record(guildId: string, isoWeek: string): DigestRecord | undefined {
    const row = this.recordOf.get(guildId, isoWeek) as RecordRow | undefined;
    return row ? toRecord(row) : undefined;
  }

  lastPosted(guildId: string): DigestRecord | undefined {
    const row = this.lastRecord.get(guildId) as RecordRow | undefined;
    return row ? toRecord(row) : undefined;
  }

  /**
   * Takes the week for this server; false when it was already taken (posted, skipped or being
   * posted by another run). `status` other than 'posting' records a final outcome at once.
   */
  claim(o: {
    guildId: string;
    isoWeek: string;
    channelId: string | null;
    scheduledFor: Date;
    status?: DigestStatus;
    note?: string;
  }): boolean {
    const status = o.status ?? 'posting';
    const now = this.clock.now().toISOString();
    const result = this.claimStmt.run({
      guildId: o.guildId,
      isoWeek: o.isoWeek,
      status,
      channelId: o.channelId,
      scheduledFor: o.scheduledFor.toISOString(),
      now,
      finishedAt: status === 'posting' ? null : now,
      note: o.note ?? null,
    });
    return result.changes === 1;
  }

  finish(
    guildId: string,
    isoWeek: string,
    outcome: { status: Exclude<DigestStatus, 'posting'>; messageIds?: string[]; note?: string },
  ): void {
    this.finishStmt.run({
      guildId,
      isoWeek,
      status: outcome.status,
      messageIds: JSON.stringify(outcome.messageIds ?? []),
      now: this.clock.now().toISOString(),
      note: outcome.note ?? null,
    });
  }

  /**
   * Takes a week that was recorded skipped at an earlier slot, now that the server's slot for it
   * is later (the curator moved it); false when another run took it first or the skip stands.
   */
  reopenSkipped(o: {
    guildId: string;
    isoWeek: string;
    channelId: string | null;
    scheduledFor: Date;
  }): boolean {
    const result = this.reopenStmt.run({
      guildId: o.guildId,
      isoWeek: o.isoWeek,
      channelId: o.channelId,
      scheduledFor: o.scheduledFor.toISOString(),
      now: this.clock.now().toISOString(),
    });
    return result.changes === 1;
  }

  /** Gives the week back after a failure worth retrying (nothing was posted). */
  release(guildId: string, isoWeek: string): void {
    this.releaseStmt.run(guildId, isoWeek);
  }
}
