// The releases, new-models and issue-activity sections (events and watches of
// migrations/0002_tracking.sql): what this server's watches saw published during the week.
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
const WATCHED = `EXISTS (SELECT 1 FROM watches w
  WHERE w.guild_id = @guildId AND w.source = e.source AND w.target_key = e.target_key
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

export function readTracking(q: SectionQuery): TrackingRead | undefined {
  if (!tableExists(q.db, 'events') || !tableExists(q.db, 'watches')) return undefined;
  const span = { guildId: q.guildId, from: q.from, to: q.to };
  const rows = (
    q.db
      .prepare(
        `SELECT e.source, e.kind, e.target, e.external_id, e.title, e.url, e.author, e.prerelease, e.published_at
         FROM events e
         WHERE e.published_at >= @from AND e.published_at < @to AND ${WATCHED}
         ORDER BY e.published_at DESC, e.id DESC`,
      )
      .all(span) as EventRow[]
  ).filter((r) => !isGitHubBot(r.author));

  const releases = rows.filter((r) => r.source === 'github' && r.kind === 'releases');
  const opened = rows.filter((r) => r.source === 'github' && r.kind === 'issues');
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

  const closed = closedPerRepo(q);
  const repoNames = new Set([...opened.map((r) => r.target), ...(closed ? closed.keys() : [])]);
  const openedPerRepo = group(opened, (r) => r.target);
  const issues: RepoIssues[] = [...repoNames]
    .map((name) => ({
      repo: name,
      url: `https://github.com/${name}`,
      opened: openedPerRepo.get(name)?.length ?? 0,
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
    issuesPerDay: perDay(
      opened.map((r) => r.published_at),
      q.dayBounds,
    ),
  };
}

/**
 * Issues closed during the week, per repository (migrations/0006_issue_activity.sql: the tracker
 * records a close once, only when it happened after the watch's baseline; pull requests are never
 * stored). Issues opened by bot accounts are left out, as in the opened count. On a database
 * without the column the count is unknown, and shown as such, not as 0.
 */
function closedPerRepo(q: SectionQuery): Map<string, number> | null {
  if (!columnsOf(q.db, 'events').has('closed_at')) return null;
  const rows = q.db
    .prepare(
      `SELECT e.target, COUNT(*) AS n FROM events e
       WHERE e.source = 'github' AND e.kind = 'issues' AND e.closed_at >= @from AND e.closed_at < @to
         AND lower(coalesce(e.author, '')) NOT LIKE '%[bot]' AND ${WATCHED}
       GROUP BY e.target`,
    )
    .all({ guildId: q.guildId, from: q.from, to: q.to }) as Array<{ target: string; n: number }>;
  return new Map(rows.map((r) => [r.target, r.n]));
}
