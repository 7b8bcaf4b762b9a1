// What every section reader gets: the server, the counted span and the local day bounds.
import type { Db } from '../../db/open.ts';

export interface SectionQuery {
  db: Db;
  guildId: string;
  /** ISO instants; timestamps are compared as ISO text, the form every table stores. */
  from: string;
  to: string;
  /** The 8 local midnights bounding the week's 7 days, as epoch ms. */
  dayBounds: number[];
}

/** A row's author is a person unless discord_users knows it as a bot. */
export function notBot(column: string): string {
  return `${column} NOT IN (SELECT user_id FROM discord_users WHERE is_bot = 1)`;
}

/** GitHub marks app accounts with a "[bot]" suffix (dependabot[bot], github-actions[bot]). */
export function isGitHubBot(login: string | null | undefined, type?: string | null): boolean {
  return type === 'Bot' || (login ?? '').toLowerCase().endsWith('[bot]');
}

export function tableExists(db: Db, name: string): boolean {
  return (
    db.prepare("SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?").get(name) !==
    undefined
  );
}

export function columnsOf(db: Db, table: string): Set<string> {
  return new Set(
    (db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>).map((c) => c.name),
  );
}

/** Counts per local day (index 0 = Monday) of the given instants. */
export function perDay(instants: Iterable<string>, dayBounds: number[]): number[] {
  const counts = [0, 0, 0, 0, 0, 0, 0];
  for (const at of instants) {
    const t = Date.parse(at);
    for (let i = 0; i < 7; i++) {
      if (t >= dayBounds[i]! && t < dayBounds[i + 1]!) {
        counts[i]!++;
        break;
      }
    }
  }
  return counts;
}
