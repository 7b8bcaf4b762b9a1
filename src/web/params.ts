// Every path and query parameter of the board, checked before anything reads the database: a bad
// one gets a 400 page that says which and why, never a guess or a 500.
import { FIELD_LIMITS, type IdeaStatus, type ListSort, STATUSES } from '../ideas/types.ts';

export const PAGE_SIZE = 20;
export const MAX_PAGE = 500;
export const MAX_QUERY_CHARS = 200;
const SORTS: readonly ListSort[] = ['top', 'new', 'trending'];
const SNOWFLAKE = /^\d{17,20}$/;
const FAMILY = /^[\p{L}\p{N}][\p{L}\p{N} ._-]*$/u;
const ISO_WEEK = /^(\d{4})-W(\d{2})$/;

export class BadRequest extends Error {
  override name = 'BadRequest';
}

export function isGuildId(value: string): boolean {
  return SNOWFLAKE.test(value);
}

/** An idea number as written in a path: digits only, no leading zero, within SQLite's integers. */
export function parseIdeaNumber(value: string): number | null {
  if (!/^[1-9]\d{0,8}$/.test(value)) return null;
  return Number(value);
}

export function isIsoWeek(value: string): boolean {
  const m = ISO_WEEK.exec(value);
  return m !== null && Number(m[2]) >= 1 && Number(m[2]) <= 53;
}

export interface IdeaListParams {
  status: IdeaStatus | undefined;
  family: string | undefined;
  sort: ListSort;
  q: string | undefined;
  page: number;
}

/** The ideas page's query, or a BadRequest naming the parameter. Empty values mean "not given". */
export function parseIdeaListParams(query: Record<string, string | undefined>): IdeaListParams {
  const get = (name: string) => {
    const v = query[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const status = get('status');
  if (status !== undefined && !(STATUSES as readonly string[]).includes(status))
    throw new BadRequest(`There is no status “${status}”. Use one of: ${STATUSES.join(', ')}.`);
  const sort = get('sort') ?? 'top';
  if (!(SORTS as readonly string[]).includes(sort))
    throw new BadRequest(`Sort by top, new or trending, not “${sort}”.`);
  const family = get('family');
  if (family !== undefined && (family.length > FIELD_LIMITS.family || !FAMILY.test(family)))
    throw new BadRequest(
      `A family is a name such as granite or llama (letters, digits, spaces, dots, dashes; at most ${FIELD_LIMITS.family} characters).`,
    );
  const q = get('q');
  if (q !== undefined && [...q].length > MAX_QUERY_CHARS)
    throw new BadRequest(`Search for at most ${MAX_QUERY_CHARS} characters.`);
  const rawPage = get('page') ?? '1';
  if (!/^\d{1,6}$/.test(rawPage) || Number(rawPage) < 1 || Number(rawPage) > MAX_PAGE)
    throw new BadRequest(`The page is a number from 1 to ${MAX_PAGE}.`);
  return {
    status: status as IdeaStatus | undefined,
    family,
    sort: sort as ListSort,
    q,
    page: Number(rawPage),
  };
}

/** The query string of a list view, leaving out defaults, so shared links stay short and stable. */
export function ideaListQuery(p: Partial<IdeaListParams>): string {
  const out = new URLSearchParams();
  if (p.q) out.set('q', p.q);
  if (p.status) out.set('status', p.status);
  if (p.family) out.set('family', p.family);
  if (p.sort && p.sort !== 'top') out.set('sort', p.sort);
  if (p.page && p.page > 1) out.set('page', String(p.page));
  const s = out.toString();
  return s ? `?${s}` : '';
}
