// Who is a bot: Discord says so on the user object, and the digest keeps the answer in
// discord_users so each user is asked about once, before the builder leaves bots out.
import type { Clock } from '../clock.ts';
import type { Db } from '../db/open.ts';
import type { KnownUser, UserLookup } from '../discord/users.ts';
import { tableExists } from './sections/query.ts';

export type { KnownUser, UserLookup };

// Every place a Discord user id is counted by the digest, with the column holding its time.
const SOURCES = [
  { table: 'ideas', user: 'author_id', at: 'created_at', guild: 'guild_id' },
  { table: 'idea_votes', user: 'user_id', at: 'voted_at', guild: null },
  { table: 'model_runs', user: 'user_id', at: 'started_at', guild: 'guild_id' },
] as const;

/** Ids active in [from, to) that discord_users does not know yet. */
export function unknownUserIds(db: Db, guildId: string, from: string, to: string): string[] {
  const ids = new Set<string>();
  for (const s of SOURCES) {
    if (!tableExists(db, s.table)) continue;
    const scope =
      s.guild === null
        ? 'AND idea_id IN (SELECT id FROM ideas WHERE guild_id = @guildId)'
        : `AND ${s.guild} = @guildId`;
    const rows = db
      .prepare(
        `SELECT DISTINCT ${s.user} FROM ${s.table} WHERE ${s.at} >= @from AND ${s.at} < @to ${scope}
         AND ${s.user} NOT IN (SELECT user_id FROM discord_users)`,
      )
      .pluck()
      .all({ guildId, from, to }) as string[];
    for (const id of rows) ids.add(id);
  }
  return [...ids];
}

export function recordUser(db: Db, clock: Clock, userId: string, user: KnownUser): void {
  db.prepare(
    `INSERT INTO discord_users (user_id, is_bot, name, checked_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (user_id) DO UPDATE SET is_bot = excluded.is_bot, name = excluded.name, checked_at = excluded.checked_at`,
  ).run(userId, user.bot ? 1 : 0, user.name, clock.now().toISOString());
}

/**
 * Asks Discord about users the digest has not seen, at most `limit` per call so a busy week
 * cannot hold the job for long; the rest are asked about on the next run and counted as people
 * meanwhile.
 */
export async function resolveUnknownUsers(
  db: Db,
  clock: Clock,
  lookup: UserLookup,
  guildId: string,
  from: string,
  to: string,
  limit = 100,
): Promise<number> {
  const ids = unknownUserIds(db, guildId, from, to).slice(0, limit);
  for (const id of ids) recordUser(db, clock, id, (await lookup(id)) ?? { bot: false, name: null });
  return ids.length;
}
