// Reads releases of one repository, conditionally (an unchanged list costs a free 304), and turns
// GitHub's release and issue JSON into tracked items.
import { type GitHubLike, isNotModified, statusOf } from '../github/client.ts';
import type { IssueMark, TrackedItem } from './store.ts';

export type FetchResult =
  | { status: 'not-modified' }
  | {
      status: 'ok';
      items: TrackedItem[];
      etag: string | null;
      cursor?: string;
      /** Issues: what the source knew at its baseline. */
      mark?: IssueMark;
      /** Issues: more updates were waiting than the pages read. */
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

/** The newest releases (drafts left out: they are not published). */
export async function fetchReleases(
  github: GitHubLike,
  target: string,
  etag: string | null,
  perPage = 30,
): Promise<FetchResult> {
  try {
    const response = await github.request('GET /repos/{owner}/{repo}/releases', {
      ...splitRepo(target),
      per_page: perPage,
      ...conditional(etag),
    });
    const items = (response.data as ApiRelease[]).filter((r) => !r.draft).map(releaseToItem);
    return { status: 'ok', items, etag: response.headers.etag ?? null };
  } catch (error) {
    if (isNotModified(error)) return { status: 'not-modified' };
    throw error;
  }
}

/** The repository's canonical name, or null when GitHub does not know it. */
export async function findRepository(github: GitHubLike, target: string): Promise<string | null> {
  try {
    const { data } = await github.request('GET /repos/{owner}/{repo}', splitRepo(target));
    return (data as { full_name: string }).full_name;
  } catch (error) {
    if (statusOf(error) === 404) return null;
    throw error;
  }
}
