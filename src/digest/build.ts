// buildWeeklyDigest: database + clock + server → the week's digest. Reads only; no Discord.
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.ts';
import type { DB } from '../db/schema.ts';
import { readIdeas } from './sections/ideas.ts';
import { readModelRuns } from './sections/model-runs.ts';
import { type SectionQuery, schemaShape } from './sections/query.ts';
import { readTracking } from './sections/tracking.ts';
import type { Digest } from './types.ts';
import { formatLocalDate, type Week, weekContaining } from './week.ts';

export interface DigestGuild {
  guildId: string;
  timeZone: string;
}

/**
 * The digest of `week` (default: the server's current local week, so far). Counts stop at the
 * clock's now when the week is still running, so a preview never shows the future.
 */
export async function buildWeeklyDigest(
  db: Kysely<DB>,
  clock: Clock,
  guild: DigestGuild,
  week?: Week,
): Promise<Digest> {
  const now = clock.now();
  const w = week ?? weekContaining(now, guild.timeZone);
  const until = new Date(Math.min(now.getTime(), w.end.getTime()));
  const q: SectionQuery = {
    db,
    schema: await schemaShape(db),
    guildId: guild.guildId,
    from: w.start.toISOString(),
    to: until.toISOString(),
    dayBounds: [...w.days.map((d) => d.start.getTime()), w.end.getTime()],
  };

  // Independent reads: on PostgreSQL they run on several connections at once.
  const [tracking, ideas, runs] = await Promise.all([readTracking(q), readIdeas(q), readModelRuns(q)]);
  const missing = [
    ...(tracking ? [] : ['tracking']),
    ...(ideas ? [] : ['ideas']),
    ...(runs ? [] : ['model runs']),
  ];

  const days = w.days.map((d, i) => ({
    date: formatLocalDate(d.date),
    releases: tracking?.releasesPerDay[i] ?? 0,
    issues: tracking?.issuesPerDay[i] ?? 0,
    ideas: ideas?.perDay[i] ?? 0,
    modelRuns: runs?.perDay[i] ?? 0,
  }));
  const quiet =
    days.every((d) => d.releases + d.issues + d.ideas + d.modelRuns === 0) && !hasNews(tracking, ideas);

  return {
    guildId: guild.guildId,
    week: w,
    until,
    complete: until.getTime() >= w.end.getTime(),
    ...(tracking ? { releases: tracking.releases, models: tracking.models, issues: tracking.issues } : {}),
    ...(ideas ? { ideas: ideas.section, newContributors: ideas.newContributors } : {}),
    ...(runs ? { modelRuns: runs.section } : {}),
    missing,
    days,
    quiet,
  };
}

/** Things worth a post that the per-day counts do not show (closed issues, triage, new models). */
function hasNews(
  tracking: Awaited<ReturnType<typeof readTracking>>,
  ideas: Awaited<ReturnType<typeof readIdeas>>,
): boolean {
  if (tracking && (tracking.models.length > 0 || tracking.issues.some((r) => (r.closed ?? 0) > 0)))
    return true;
  if (ideas) {
    const s = ideas.section;
    if (s.top.length + s.accepted.length + s.filed.length + s.done.length + s.declined.length > 0)
      return true;
  }
  return false;
}
