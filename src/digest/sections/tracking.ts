// The releases, new-models and issue-activity sections (events and watches of
// migrations/0002_tracking.sql): what this server's watches saw published during the week.
import { sql } from 'kysely';
import type { OrgModels, ProjectReleases, RepoIssues } from '../types.ts';
import { columnsOf, isGitHubBot, perDay, type SectionQuery, tableExists } from './query.ts';

export interface TrackingRead {
  releases: ProjectReleases[];
  models: OrgModels[];
  issues: RepoIssues[];
  releasesPerDay: number[];
  issuesPerDay: number[];
}

interface EventRow {
  source: string;
  kind: string;
  target: string;
  external_id: string;
  title: string;
  url: string;
  author: string | null;
  prerelease: number;
  published_at: string;
}

// An event counts for this server when one of its watches covers it, with that watch's
// pre-release filter: a server that excludes pre-releases never saw them, so they are not its news.
const watched = (guildId: string) => sql`EXISTS (SELECT 1 FROM watches w
  WHERE w.guild_id = ${guildId} AND w.source = e.source AND w.target_key = e.target_key
    AND (w.kinds = e.kind OR (w.kinds = 'both' AND e.kind IN ('releases', 'issues')))
    AND (e.kind <> 'releases' OR w.prereleases = 'include'
         OR (w.prereleases = 'exclude' AND e.prerelease = 0) OR (w.prereleases = 'only' AND e.prerelease = 1)))`;

function group<T>(rows: T[], key: (r: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = map.get(k);
    if (list) list.push(r);
    else map.set(k, [r]);
  }
  return map;
}

const bySizeThenName = <T extends { size: number; name: string }>(a: T, b: T) =>
  b.size - a.size || a.name.localeCompare(b.name);

export async function readTracking(q: SectionQuery): Promise<TrackingRead | undefined> {
  if (!tableExists(q.schema, 'events') || !tableExists(q.schema, 'watches')) return undefined;
  // Releases and models are listed one by one; issues are only counted, so the database counts
  // them (per repository and local day) instead of handing over thousands of rows to count here.
  const [events, opened, closed] = await Promise.all([
    sql<EventRow>`SELECT e.source, e.kind, e.target, e.external_id, e.title, e.url, e.author, e.prerelease, e.published_at
      FROM events e
      WHERE e.published_at >= ${q.from} AND e.published_at < ${q.to} AND e.kind IN ('releases', 'models')
        AND ${watched(q.guildId)}
      ORDER BY e.published_at DESC, e.id DESC`.execute(q.db),
    openedPerRepoAndDay(q),
    closedPerRepo(q),
  ]);
  const rows = events.rows.filter((r) => !isGitHubBot(r.author));

  const releases = rows.filter((r) => r.source === 'github' && r.kind === 'releases');
  const models = rows.filter((r) => r.source === 'huggingface' && r.kind === 'models');

  const projects = [...group(releases, (r) => r.target)]
    .map(([name, list]) => ({ name, size: list.length, list }))
    .sort(bySizeThenName)
    .map(({ name, list }) => ({
      project: name,
      url: `https://github.com/${name}`,
      releases: list.map((r) => ({
        text: r.title && r.title !== r.external_id ? `${r.external_id} — ${r.title}` : r.external_id,
        url: r.url,
        at: r.published_at,
        prerelease: r.prerelease === 1,
      })),
    }));

  const orgs = [...group(models, (r) => r.target)]
    .map(([name, list]) => ({ name, size: list.length, list }))
    .sort(bySizeThenName)
    .map(({ name, list }) => ({
      org: name,
      url: `https://huggingface.co/${name}`,
      models: list.map((r) => ({ text: r.external_id, url: r.url, at: r.published_at })),
    }));

  const openedPerRepo = new Map<string, number>();
  const issuesPerDay = [0, 0, 0, 0, 0, 0, 0];
  for (const r of opened) {
    openedPerRepo.set(r.target, (openedPerRepo.get(r.target) ?? 0) + r.n);
    issuesPerDay[r.day] = (issuesPerDay[r.day] ?? 0) + r.n;
  }
  const repoNames = new Set([...openedPerRepo.keys(), ...(closed ? closed.keys() : [])]);
  const issues: RepoIssues[] = [...repoNames]
    .map((name) => ({
      repo: name,
      url: `https://github.com/${name}`,
      opened: openedPerRepo.get(name) ?? 0,
      closed: closed ? (closed.get(name) ?? 0) : null,
    }))
    .sort(
      (a, b) => b.opened + (b.closed ?? 0) - (a.opened + (a.closed ?? 0)) || a.repo.localeCompare(b.repo),
    );

  return {
    releases: projects,
    models: orgs,
    issues,
    releasesPerDay: perDay(
      releases.map((r) => r.published_at),
      q.dayBounds,
    ),
    issuesPerDay,
  };
}

/**
 * Issues opened per repository and local day (0 = Monday), by people: bot accounts are left out.
 * No `source = 'github'` here (only GitHub has issues, and the watch matches the source): with it,
 * SQLite would walk the (source, …) unique index over every GitHub event ever seen instead of the
 * week's range of events_by_published.
 */
async function openedPerRepoAndDay(
  q: SectionQuery,
): Promise<Array<{ target: string; day: number; n: number }>> {
  // The local midnights as ISO text, compared as every instant here is: no engine's date functions.
  const midnights = q.dayBounds.slice(1, 7).map((ms) => new Date(ms).toISOString());
  const day = sql`CASE ${sql.join(
    midnights.map((at, i) => sql`WHEN e.published_at < ${at} THEN ${sql.lit(i)}`),
    sql` `,
  )} ELSE 6 END`;
  const { rows } = await sql<{
    target: string;
    day: number;
    n: number;
  }>`SELECT e.target, ${day} AS day, COUNT(*) AS n
    FROM events e
    WHERE e.published_at >= ${q.from} AND e.published_at < ${q.to} AND e.kind = 'issues'
      AND lower(coalesce(e.author, '')) NOT LIKE '%[bot]' AND ${watched(q.guildId)}
    GROUP BY 1, 2`.execute(q.db);
  return rows.map((r) => ({ target: r.target, day: Number(r.day), n: Number(r.n) }));
}

/**
 * Issues closed during the week, per repository (migrations/0006_issue_activity.sql: the tracker
 * records a close once, only when it happened after the watch's baseline; pull requests are never
 * stored). Issues opened by bot accounts are left out, as in the opened count. On a database
 * without the column the count is unknown, and shown as such, not as 0.
 */
async function closedPerRepo(q: SectionQuery): Promise<Map<string, number> | null> {
  if (!columnsOf(q.schema, 'events').has('closed_at')) return null;
  const { rows } = await sql<{ target: string; n: number }>`SELECT e.target, COUNT(*) AS n FROM events e
    WHERE e.kind = 'issues' AND e.closed_at >= ${q.from} AND e.closed_at < ${q.to}
      AND lower(coalesce(e.author, '')) NOT LIKE '%[bot]' AND ${watched(q.guildId)}
    GROUP BY e.target`.execute(q.db);
  return new Map(rows.map((r) => [r.target, Number(r.n)]));
}
