// Each weekly digest as it was posted (web_digests): the board shows the post people saw, not a
// recount of a week whose data moved on since (votes change, watches go away).
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { Digest } from '../digest/types.ts';

export interface ArchivedDigest {
  guildId: string;
  isoWeek: string;
  postedAt: string;
  digest: Digest;
  hasChart: boolean;
}

interface Row {
  guild_id: string;
  iso_week: string;
  posted_at: string;
  digest_json: string;
  has_chart: number | string;
}

/** Dates inside the digest come back as Date objects, as the renderers expect. */
function revive(json: string): Digest {
  const d = JSON.parse(json) as Digest;
  const w = d.week;
  return {
    ...d,
    until: new Date(d.until),
    week: {
      ...w,
      start: new Date(w.start),
      end: new Date(w.end),
      days: w.days.map((day) => ({ ...day, start: new Date(day.start), end: new Date(day.end) })),
    },
  };
}

const toArchived = (r: Row): ArchivedDigest => ({
  guildId: r.guild_id,
  isoWeek: r.iso_week,
  postedAt: r.posted_at,
  digest: revive(r.digest_json),
  hasChart: Number(r.has_chart) === 1,
});

export class DigestArchive {
  constructor(private readonly db: Kysely<DB>) {}

  private select() {
    return this.db.selectFrom('web_digests').select((eb) => [
      'guild_id',
      'iso_week',
      'posted_at',
      'digest_json',
      // The chart itself is read only by chart(): pages list weeks without their PNGs.
      eb.case().when('chart_png', 'is not', null).then(1).else(0).end().as('has_chart'),
    ]);
  }

  /** Records a posted week (a resumed post of the same week replaces it). */
  async save(digest: Digest, postedAt: Date, chartPng: Buffer | null): Promise<void> {
    const row = {
      guild_id: digest.guildId,
      iso_week: digest.week.key,
      posted_at: postedAt.toISOString(),
      digest_json: JSON.stringify(digest),
      chart_png: chartPng,
    };
    await this.db
      .insertInto('web_digests')
      .values(row)
      .onConflict((oc) =>
        oc.columns(['guild_id', 'iso_week']).doUpdateSet({
          posted_at: row.posted_at,
          digest_json: row.digest_json,
          chart_png: row.chart_png,
        }),
      )
      .execute();
  }

  async list(guildId: string, limit: number, offset = 0): Promise<ArchivedDigest[]> {
    const rows = await this.select()
      .where('guild_id', '=', guildId)
      .orderBy('iso_week', 'desc')
      .limit(limit)
      .offset(offset)
      .execute();
    return rows.map(toArchived);
  }

  async get(guildId: string, isoWeek: string): Promise<ArchivedDigest | undefined> {
    const row = await this.select()
      .where('guild_id', '=', guildId)
      .where('iso_week', '=', isoWeek)
      .executeTakeFirst();
    return row ? toArchived(row) : undefined;
  }

  async chart(guildId: string, isoWeek: string): Promise<Buffer | undefined> {
    const row = await this.db
      .selectFrom('web_digests')
      .select('chart_png')
      .where('guild_id', '=', guildId)
      .where('iso_week', '=', isoWeek)
      .executeTakeFirst();
    return row?.chart_png ? Buffer.from(row.chart_png) : undefined;
  }
}
