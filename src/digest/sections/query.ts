// What every section reader gets: the server, the counted span and the local day bounds.
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';

/** Table name → its column names, as the database has them (a feature's migrations may be missing). */
export type SchemaShape = ReadonlyMap<string, ReadonlySet<string>>;

export interface SectionQuery {
  db: Kysely<DB>;
  schema: SchemaShape;
  guildId: string;
  /** ISO instants; timestamps are compared as ISO text, the form every table stores, on both engines. */
  from: string;
  to: string;
  /** The 8 local midnights bounding the week's 7 days, as epoch ms. */
  dayBounds: number[];
}

/** A row's author is a person unless discord_users knows it as a bot. */
export function notBot(column: string): RawBuilder<unknown> {
  return sql`${sql.ref(column)} NOT IN (SELECT user_id FROM discord_users WHERE is_bot = 1)`;
}

/** GitHub marks app accounts with a "[bot]" suffix (dependabot[bot], github-actions[bot]). */
export function isGitHubBot(login: string | null | undefined, type?: string | null): boolean {
  return type === 'Bot' || (login ?? '').toLowerCase().endsWith('[bot]');
}

// Migrations run before anything reads, so a database's tables do not change while a Kysely over
// it lives: asked once per Kysely (both engines' catalogs, through Kysely's introspection).
const shapes = new WeakMap<Kysely<DB>, Promise<SchemaShape>>();

export function schemaShape(db: Kysely<DB>): Promise<SchemaShape> {
  let shape = shapes.get(db);
  if (!shape) {
    shape = db.introspection
      .getTables()
      .then((tables) => new Map(tables.map((t) => [t.name, new Set(t.columns.map((c) => c.name))])));
    shape.catch(() => shapes.delete(db));
    shapes.set(db, shape);
  }
  return shape;
}

export function tableExists(schema: SchemaShape, name: string): boolean {
  return schema.has(name);
}

export function columnsOf(schema: SchemaShape, table: string): ReadonlySet<string> {
  return schema.get(table) ?? new Set();
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
