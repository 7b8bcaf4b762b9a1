// Issue activity of one repository — issues opened, closed, relabelled — read from GitHub's list of
// recently updated issues with one conditional request per poll: an unchanged list is a free 304.
import { type GitHubLike, isNotModified } from '../github/client.ts';
import {
  type ApiIssue,
  conditional,
  type FetchResult,
  hasNextPage,
  issueToItem,
  splitRepo,
} from './github-source.ts';
import type { IssueMark, SourceState } from './store.ts';

/**
 * What an issue source remembers between polls (source_state.cursor, as JSON). `from` and
 * `number` are fixed at the baseline: both are needed, because the first page of the updated list
 * need not hold the newest issue (older ones updated since push it off), and issues updated in
 * the same second are not ordered.
 */
export interface IssueCursor extends IssueMark {
  /** The newest updated_at processed: further pages are read only while they reach back to it. */
  seen: string;
  /**
   * The `since` parameter sent. Every move changes the URL, and a new URL cannot be answered 304
   * with the old ETag: a move costs the next poll a charged request unless that poll would have
   * paid anyway. So it moves only in a busy spell (two changed answers in a row), when the answer
   * has grown long; a quiet repository keeps its URL and its free 304s.
   */
  since: string | null;
  /** When the last changed answer was read (the bot's clock). */
  changedAt?: string | null;
}

export interface IssueFetchOptions {
  /** Issues per page (GitHub allows 100). */
  perPage?: number;
  /** Pages read at most per poll after a pause (the first is conditional, the others are charged). */
  maxPages?: number;
  /** Move `since` forward once the first page holds this many issues. Default 20. */
  advanceAt?: number;
  /** The bot's clock now. */
  now?: Date;
  /** A changed answer this soon after the previous one is a busy spell (default: never). */
  busyWithinMs?: number;
}

const EPOCH = new Date(0).toISOString();

const iso = (at: string) => new Date(at).toISOString();
/** GitHub's `since` takes whole seconds; rounding down keeps the boundary issue in the answer. */
const toSince = (at: string) => `${iso(at).slice(0, 19)}Z`;

/**
 * The stored cursor, or null before the baseline. A cursor from before issue activity was tracked
 * (the highest issue number seen) resumes from the source's last successful poll.
 */
export function parseIssueCursor(
  state: Pick<SourceState, 'cursor' | 'lastSuccessAt' | 'baselineAt'>,
): IssueCursor | null {
  const raw = state.cursor;
  if (raw?.startsWith('{')) {
    const stored = JSON.parse(raw) as Omit<IssueCursor, 'number'> & { number?: number };
    return { ...stored, number: stored.number ?? 0 };
  }
  if (raw === null && state.baselineAt === null) return null;
  const resume = iso(state.lastSuccessAt ?? state.baselineAt ?? EPOCH);
  return { from: resume, number: Number(raw ?? 0) || 0, seen: resume, since: toSince(resume) };
}

/**
 * Issues updated since the last poll, newest update first (pull requests, which GitHub lists among
 * issues, are left out). The baseline reads one page without `since`; later polls send the stored
 * ETag, and read further pages only while they reach back to the last update processed.
 */
export async function fetchIssueActivity(
  github: GitHubLike,
  target: string,
  etag: string | null,
  cursor: IssueCursor | null,
  options: IssueFetchOptions = {},
): Promise<FetchResult> {
  const perPage = options.perPage ?? 100;
  const maxPages = cursor ? (options.maxPages ?? 10) : 1;
  const base = {
    ...splitRepo(target),
    state: 'all',
    sort: 'updated',
    direction: 'desc',
    per_page: perPage,
    ...(cursor?.since ? { since: cursor.since } : {}),
  } as const;
  let first: { data: unknown; headers: { etag?: string; link?: string } };
  try {
    first = await github.request('GET /repos/{owner}/{repo}/issues', { ...base, ...conditional(etag) });
  } catch (error) {
    if (isNotModified(error)) return { status: 'not-modified' };
    throw error;
  }
  const firstPage = first.data as ApiIssue[];
  const all = [...firstPage];
  const seenMs = cursor ? Date.parse(cursor.seen) : Number.POSITIVE_INFINITY;
  const reachesBack = () => {
    const oldest = all.at(-1)?.updated_at;
    return oldest !== undefined && Date.parse(oldest) >= seenMs;
  };
  let link = first.headers.link;
  let page = 1;
  for (; page < maxPages && hasNextPage(link) && reachesBack(); page++) {
    const next = await github.request('GET /repos/{owner}/{repo}/issues', { ...base, page: page + 1 });
    all.push(...(next.data as ApiIssue[]));
    link = next.headers.link;
  }
  const truncated = cursor !== null && hasNextPage(link) && reachesBack();

  const newestMs = Math.max(
    cursor ? Date.parse(cursor.seen) : 0,
    ...all.map((i) => (i.updated_at ? Date.parse(i.updated_at) : 0)),
  );
  const seen = new Date(newestMs).toISOString();
  const now = options.now ?? new Date();
  const busy =
    cursor?.changedAt != null &&
    now.getTime() - Date.parse(cursor.changedAt) <= (options.busyWithinMs ?? Number.NEGATIVE_INFINITY);
  const next: IssueCursor = cursor
    ? {
        from: cursor.from,
        number: cursor.number,
        seen,
        since: busy && firstPage.length >= (options.advanceAt ?? 20) ? toSince(seen) : cursor.since,
        changedAt: now.toISOString(),
      }
    : {
        from: all.length > 0 ? seen : EPOCH,
        number: all.reduce((max, i) => Math.max(max, i.number), 0),
        seen: all.length > 0 ? seen : EPOCH,
        // Kept without `since` so the next poll asks the same URL and an unchanged list is a 304.
        since: null,
        // The baseline is no change: a change right after it does not start a busy spell.
        changedAt: null,
      };

  // Pages can overlap when issues are updated while they are read: one item per issue number.
  const byNumber = new Map<number, ApiIssue>();
  for (const i of all) if (!i.pull_request && !byNumber.has(i.number)) byNumber.set(i.number, i);
  return {
    status: 'ok',
    items: [...byNumber.values()].map((i) =>
      truncated ? { ...issueToItem(i), afterGap: true } : issueToItem(i),
    ),
    etag: first.headers.etag ?? null,
    cursor: JSON.stringify(next),
    mark: { from: next.from, number: next.number },
    truncated,
  };
}
