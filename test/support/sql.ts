// Raw SQL for tests that look at (or break) rows directly, on whichever engine the hub runs: `?`
// placeholders as in SQLite, numbered for PostgreSQL. Through the hub's own Kysely, so the same
// connection (and, on SQLite, the same file handle) the bot uses.
import { CompiledQuery, type Kysely } from 'kysely';
import type { DB } from '../../src/db/schema.ts';

interface HasDb {
  kdb: Kysely<DB>;
  engine: 'sqlite' | 'postgres';
}

function compile(hub: HasDb, text: string, params: unknown[]): CompiledQuery {
  let n = 0;
  const query = hub.engine === 'postgres' ? text.replace(/\?/g, () => `$${++n}`) : text;
  return CompiledQuery.raw(query, params);
}

export async function all<T = Record<string, unknown>>(
  hub: HasDb,
  text: string,
  ...params: unknown[]
): Promise<T[]> {
  return (await hub.kdb.executeQuery<T>(compile(hub, text, params))).rows as T[];
}

export async function get<T = Record<string, unknown>>(
  hub: HasDb,
  text: string,
  ...params: unknown[]
): Promise<T | undefined> {
  return (await all<T>(hub, text, ...params))[0];
}

/** Runs a change; resolves with the number of rows it changed. */
export async function run(hub: HasDb, text: string, ...params: unknown[]): Promise<number> {
  const result = await hub.kdb.executeQuery(compile(hub, text, params));
  return Number(result.numAffectedRows ?? 0n);
}
