// Reads releases of one repository, conditionally (an unchanged list costs a free 304), and turns
// GitHub's release and issue JSON into tracked items.
import { type GitHubLike, isNotModified, statusOf } from '../github/client.ts';
import type { IssueMark, SourceState, TrackedItem } from './store.ts';

export type FetchResult =
  | { status: 'not-modified' }
  | {
      status: 'ok';
      items: TrackedItem[];
      etag: string | null;
      cursor?: string;
      /** Issues: what the source knew at its baseline. */
      mark?: IssueMark;
      /** More releases or issue updates were waiting than the pages read (their items carry `afterGap`). */
      truncated?: boolean;
    };

interface ApiRelease {
  tag_name: string;
  name?: string | null;
  body?: string | null;
  draft: boolean;
  prerelease: boolean;
  html_url: string;
  created_at: string;
  published_at?: string | null;
  author?: { login: string } | null;
}

export interface ApiIssue {
  number: number;
  title: string;
  body?: string | null;
  html_url: string;
  state?: string;
  created_at: string;
  updated_at?: string;
  closed_at?: string | null;
  user?: { login: string } | null;
  labels: Array<string | { name?: string | null }>;
  pull_request?: unknown;
}

export function splitRepo(repo: string): { owner: string; repo: string } {
  const [owner = '', name = ''] = repo.split('/');
  return { owner, repo: name };
}

// An ETag is sent only when one is stored: GitHub's guidance, and an empty If-None-Match would
// never match anyway.
export function conditional(etag: string | null) {
  return etag ? { headers: { 'if-none-match': etag } } : {};
}

export function releaseToItem(r: ApiRelease): TrackedItem {
  return {
    externalId: r.tag_name,
    title: r.name?.trim() || r.tag_name,
    url: r.html_url,
    author: r.author?.login ?? null,
    body: r.body ?? null,
    prerelease: r.prerelease,
    labels: [],
    details: { tag: r.tag_name },
    publishedAt: r.published_at ?? r.created_at,
  };
}

export function issueToItem(i: ApiIssue): TrackedItem {
  return {
    externalId: String(i.number),
    title: i.title,
    url: i.html_url,
    author: i.user?.login ?? null,
    body: i.body ?? null,
    prerelease: false,
    labels: i.labels.map((l) => (typeof l === 'string' ? l : (l.name ?? ''))).filter(Boolean),
    details: { number: String(i.number) },
    publishedAt: i.created_at,
    ...(i.state === 'open' || i.state === 'closed' ? { state: i.state } : {}),
    // Stored as Date.toISOString() like every other timestamp the digest compares as text.
    closedAt: i.closed_at ? new Date(i.closed_at).toISOString() : null,
  };
}

/**
 * What a release source remembers between polls (source_state.cursor, as JSON): the newest
 * created_at it read, GitHub's sort key of the release list. Further pages are read only while
 * they reach back to it.
 */
export interface ReleaseCursor {
  seen: string;
}

export interface ReleaseFetchOptions {
  /** Releases per page (GitHub allows 100). */
  perPage?: number;
  /** Pages read at most per poll after a pause (the first is conditional, the others are charged). */
  maxPages?: number;
}

/** The stored cursor, or null before the baseline; a source from before the cursor resumes from its last success. */
export function parseReleaseCursor(
  state: Pick<SourceState, 'cursor' | 'lastSuccessAt' | 'baselineAt'>,
): ReleaseCursor | null {
  if (state.cursor?.startsWith('{')) return JSON.parse(state.cursor) as ReleaseCursor;
  const resume = state.lastSuccessAt ?? state.baselineAt;
  return resume ? { seen: new Date(resume).toISOString() } : null;
}

/** True when the Link header offers another page. */
export const hasNextPage = (link: string | undefined) => Boolean(link?.includes('rel="next"'));

/**
 * The newest releases (drafts left out: they are not published). The baseline reads one page;
 * later polls send the stored ETag, and only when the list changed and its last release is still
 * newer than the newest one seen do they read on (charged), at most `maxPages` pages: after a
 * long downtime every release published meanwhile is counted, and `truncated` says when some
 * were not read at all.
 */
export async function fetchReleases(
  github: GitHubLike,
  target: string,
  etag: string | null,
  cursor: ReleaseCursor | null = null,
  options: ReleaseFetchOptions = {},
): Promise<FetchResult> {
  const maxPages = cursor ? (options.maxPages ?? 10) : 1;
  const base = { ...splitRepo(target), per_page: options.perPage ?? 100 };
  let first: { data: unknown; headers: { etag?: string; link?: string } };
  try {
    first = await github.request('GET /repos/{owner}/{repo}/releases', { ...base, ...conditional(etag) });
  } catch (error) {
    if (isNotModified(error)) return { status: 'not-modified' };
    throw error;
  }
  const all = [...(first.data as ApiRelease[])];
  const seenMs = cursor ? Date.parse(cursor.seen) : Number.POSITIVE_INFINITY;
  // Still newer than the newest release seen: what lies behind it on the next page may be unseen.
  const reachesBack = () => {
    const oldest = all.at(-1)?.created_at;
    return oldest !== undefined && Date.parse(oldest) > seenMs;
  };
  let link = first.headers.link;
  for (let page = 1; page < maxPages && hasNextPage(link) && reachesBack(); page++) {
    const next = await github.request('GET /repos/{owner}/{repo}/releases', { ...base, page: page + 1 });
    all.push(...(next.data as ApiRelease[]));
    link = next.headers.link;
  }
  const truncated = cursor !== null && hasNextPage(link) && reachesBack();
  const newestMs = Math.max(cursor ? seenMs : 0, ...all.map((r) => Date.parse(r.created_at) || 0));
  // A tag re-created while its pages were read can show up twice: one item per tag.
  const byTag = new Map<string, ApiRelease>();
  for (const r of all) if (!r.draft && !byTag.has(r.tag_name)) byTag.set(r.tag_name, r);
  const items = [...byTag.values()].map(releaseToItem);
  return {
    status: 'ok',
    items: truncated ? items.map((i) => ({ ...i, afterGap: true })) : items,
    etag: first.headers.etag ?? null,
    cursor: JSON.stringify({ seen: new Date(newestMs).toISOString() } satisfies ReleaseCursor),
    truncated,
  };
}

/**
 * The repository's canonical name and whether it is private, or null when GitHub does not know it
 * (or the token cannot read it: GitHub answers both with 404).
 */
export async function findRepository(
  github: GitHubLike,
  target: string,
): Promise<{ fullName: string; private: boolean } | null> {
  try {
    const { data } = await github.request('GET /repos/{owner}/{repo}', splitRepo(target));
    const repo = data as { full_name: string; private?: boolean; visibility?: string };
    // `visibility` is newer ("internal" on Enterprise is not public either); `private` is always there.
    return {
      fullName: repo.full_name,
      private: repo.private === true || (repo.visibility !== undefined && repo.visibility !== 'public'),
    };
  } catch (error) {
    if (statusOf(error) === 404) return null;
    throw error;
  }
}
