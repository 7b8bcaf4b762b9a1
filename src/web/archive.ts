// Each weekly digest as it was posted (web_digests): the board shows the post people saw, not a
// recount of a week whose data moved on since (votes change, watches go away).
import type { Db } from '../db/open.ts';
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
  has_chart: number;
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
  hasChart: r.has_chart === 1,
});

const COLUMNS = 'guild_id, iso_week, posted_at, digest_json, chart_png IS NOT NULL AS has_chart';

export class DigestArchive {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      save: db.prepare(
        `INSERT INTO web_digests (guild_id, iso_week, posted_at, digest_json, chart_png) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (guild_id, iso_week) DO UPDATE SET posted_at = excluded.posted_at,
           digest_json = excluded.digest_json, chart_png = excluded.chart_png`,
      ),
      list: db.prepare(
        `SELECT ${COLUMNS} FROM web_digests WHERE guild_id = ? ORDER BY iso_week DESC LIMIT ? OFFSET ?`,
      ),
      one: db.prepare(`SELECT ${COLUMNS} FROM web_digests WHERE guild_id = ? AND iso_week = ?`),
      chart: db.prepare('SELECT chart_png FROM web_digests WHERE guild_id = ? AND iso_week = ?').pluck(),
    };
  }

  /** Records a posted week (a resumed post of the same week replaces it). */
  save(digest: Digest, postedAt: Date, chartPng: Buffer | null): void {
    this.s.save.run(
      digest.guildId,
      digest.week.key,
      postedAt.toISOString(),
      JSON.stringify(digest),
      chartPng,
    );
  }

  list(guildId: string, limit: number, offset = 0): ArchivedDigest[] {
    return (this.s.list.all(guildId, limit, offset) as Row[]).map(toArchived);
  }

  get(guildId: string, isoWeek: string): ArchivedDigest | undefined {
    const row = this.s.one.get(guildId, isoWeek) as Row | undefined;
    return row ? toArchived(row) : undefined;
  }

  chart(guildId: string, isoWeek: string): Buffer | undefined {
    return (this.s.chart.get(guildId, isoWeek) as Buffer | null | undefined) ?? undefined;
  }
}
