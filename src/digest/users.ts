// Who is a bot: Discord says so on the user object, and the digest keeps the answer in
// discord_users so each user is asked about once, before the builder leaves bots out.
import { type Kysely, sql } from 'kysely';
import type { Clock } from '../clock.ts';
import type { DB } from '../db/schema.ts';
import type { KnownUser, UserLookup } from '../discord/users.ts';
import { schemaShape, tableExists } from './sections/query.ts';

export type { KnownUser, UserLookup };

// Every place a Discord user id is counted by the digest, with the column holding its time.
const SOURCES = [
  { table: 'ideas', user: 'author_id', at: 'created_at', guild: 'guild_id' },
  { table: 'idea_votes', user: 'user_id', at: 'voted_at', guild: null },
  { table: 'model_runs', user: 'user_id', at: 'started_at', guild: 'guild_id' },
] as const;

/** Ids active in [from, to) that discord_users does not know yet. */
export async function unknownUserIds(
  db: Kysely<DB>,
  guildId: string,
  from: string,
  to: string,
): Promise<string[]> {
  const schema = await schemaShape(db);
  const ids = new Set<string>();
  for (const s of SOURCES) {
    if (!tableExists(schema, s.table)) continue;
    const scope =
      s.guild === null
        ? sql`AND idea_id IN (SELECT id FROM ideas WHERE guild_id = ${guildId})`
        : sql`AND ${sql.ref(s.guild)} = ${guildId}`;
    const { rows } = await sql<{
      id: string;
    }>`SELECT DISTINCT ${sql.ref(s.user)} AS id FROM ${sql.table(s.table)}
      WHERE ${sql.ref(s.at)} >= ${from} AND ${sql.ref(s.at)} < ${to} ${scope}
        AND ${sql.ref(s.user)} NOT IN (SELECT user_id FROM discord_users)`.execute(db);
    for (const r of rows) ids.add(r.id);
  }
  return [...ids];
}

export async function recordUser(
  db: Kysely<DB>,
  clock: Clock,
  userId: string,
  user: KnownUser,
): Promise<void> {
  const row = {
    is_bot: user.bot ? (1 as const) : (0 as const),
    name: user.name,
    checked_at: clock.now().toISOString(),
  };
  await db
    .insertInto('discord_users')
    .values({ user_id: userId, ...row })
    .onConflict((oc) => oc.column('user_id').doUpdateSet(row))
    .execute();
}

/**
 * Asks Discord about users the digest has not seen, at most `limit` per call so a busy week
 * cannot hold the job for long; the rest are asked about on the next run and counted as people
 * meanwhile.
 */
export async function resolveUnknownUsers(
  db: Kysely<DB>,
  clock: Clock,
  lookup: UserLookup,
  guildId: string,
  from: string,
  to: string,
  limit = 100,
): Promise<number> {
  const ids = (await unknownUserIds(db, guildId, from, to)).slice(0, limit);
  for (const id of ids) await recordUser(db, clock, id, (await lookup(id)) ?? { bot: false, name: null });
  return ids.length;
}
