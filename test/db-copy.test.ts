// `npm run db:copy`: a hub's SQLite file into an empty PostgreSQL database, on a real server.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Kysely, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { CopyError, copySqliteToPostgres, withoutPassword } from '../src/db/copy.ts';
import { postgresKysely } from '../src/db/engine.ts';
import { migrate } from '../src/db/migrate.ts';
import { type Db, openDatabase } from '../src/db/open.ts';
import { COLUMNS, type DB } from '../src/db/schema.ts';
import { PostgresIdeaSearch } from '../src/ideas/search-postgres.ts';
import { createTestDatabase, type TestDatabase } from './support/postgres.ts';

const G = '111111111111111111';
const T = '2026-02-02T10:00:00.000Z';

/** A small hub with a row or more in every table, and the awkward cases a copy must keep. */
function fillHub(db: Db): void {
  migrate(db);
  db.exec(`
    INSERT INTO guild_settings (guild_id, curator_role_id, time_zone, updated_at, try_user_daily_requests, digest_weekday)
      VALUES ('${G}', '333333333333333333', 'Europe/Paris', '${T}', 7, 3);
    INSERT INTO watches (id, guild_id, channel_id, source, target, target_key, kinds, labels, created_at)
      VALUES (4, '${G}', '444444444444444444', 'github', 'IBM-Granite/granite', 'ibm-granite/granite', 'both', '["bug"]', '${T}');
    INSERT INTO source_state (source, target_key, kind, target, etag, next_poll_at)
      VALUES ('github', 'ibm-granite/granite', 'releases', 'IBM-Granite/granite', 'W/"abc"', '${T}');
    INSERT INTO events (id, source, target_key, kind, external_id, target, title, url, body, prerelease, details, published_at, first_seen_at, updated_at, state)
      VALUES (9, 'github', 'ibm-granite/granite', 'releases', 'v1.0', 'IBM-Granite/granite', 'v1.0 — “quotes” and ''apostrophes''', 'https://x', 'line\nnext', 1, '{"a":1}', '${T}', '${T}', '${T}', 'open');
    INSERT INTO deliveries (event_id, watch_id, status, channel_id, message_id, created_at) VALUES (9, 4, 'sent', '444444444444444444', '555555555555555555', '${T}');
    INSERT INTO model_runs (guild_id, channel_id, user_id, model, provider, kind, started_at, tokens_in) VALUES
      ('${G}', 'c', 'u', 'ibm-granite/granite-3.1-8b-instruct', 'hf', 'try', '${T}', 12),
      ('${G}', 'c', 'u', 'meta-llama/Llama-3.1-8B-Instruct', 'hf', 'try', '${T}', 30);
    DELETE FROM model_runs WHERE id = 2;
    INSERT INTO model_threads (thread_id, guild_id, user_id, model, created_at) VALUES ('t1', '${G}', 'u', 'm', '${T}');
    INSERT INTO model_thread_turns (thread_id, role, content, created_at) VALUES ('t1', 'user', 'hello', '${T}');
    INSERT INTO ideas (id, guild_id, number, author_id, author_name, title, problem, proposal, status, duplicate_of, up_count, created_at, updated_at) VALUES
      (1, '${G}', 1, 'u1', 'Ana', 'Grouped-query attention', 'KV cache memory', 'Use GQA', 'duplicate', 2, 3, '${T}', '${T}'),
      (2, '${G}', 2, 'u2', 'Bo', 'Grouped query attention for 8B', 'KV cache too big', 'GQA with 8 heads', 'accepted', NULL, 5, '${T}', '${T}');
    INSERT INTO idea_votes (idea_id, user_id, value, voted_at, merged_from) VALUES (2, 'u3', 1, '${T}', 1), (2, 'u4', -1, '${T}', NULL);
    INSERT INTO idea_events (idea_id, actor_id, action, from_status, to_status, at) VALUES (1, 'c', 'status', 'new', 'duplicate', '${T}');
    INSERT INTO idea_followers (idea_id, user_id, following, since) VALUES (2, 'u2', 1, '${T}'), (2, 'u5', 0, '${T}');
    INSERT INTO idea_notification_optouts (guild_id, user_id, at) VALUES ('${G}', 'u6', '${T}');
    INSERT INTO idea_drafts (guild_id, user_id, user_name, title, problem, proposal, created_at) VALUES ('${G}', 'u7', 'Cy', 't', 'p', 'q', '${T}');
    INSERT INTO idea_filings (idea_id, repo, marker, state, started_at, started_by) VALUES (2, 'o/r', 'omh-idea-2', 'pending', '${T}', 'c');
    INSERT INTO digests (guild_id, iso_week, status, message_ids, scheduled_for, claimed_at) VALUES ('${G}', '2026-W05', 'posted', '["1","2"]', '${T}', '${T}');
    INSERT INTO discord_users (user_id, is_bot, name, checked_at) VALUES ('u1', 0, 'Ana', '${T}');
    INSERT INTO idea_notices (idea_id, batch, user_id, text, created_at) VALUES (2, 1, 'u2', 'Your idea was accepted', '${T}');
    INSERT INTO job_leases (name, holder, fence, acquired_at_ms, renewed_at_ms, expires_at_ms) VALUES ('scheduler', 'h:1', 3, 1, 2, 3);
    INSERT INTO watch_confirmations (token, guild_id, user_id, target, request, created_at) VALUES ('tok', '${G}', 'c', 'o/private', '{}', '${T}');
    INSERT INTO web_boards (guild_id, visibility, updated_at, updated_by) VALUES ('${G}', 'public', '${T}', 'c');
    INSERT INTO web_digests (guild_id, iso_week, posted_at, digest_json, chart_png) VALUES ('${G}', '2026-W05', '${T}', '{}', X'89504E47');
  `);
}

async function allRows(pg: Kysely<DB>, table: keyof typeof COLUMNS) {
  const columns = COLUMNS[table] as readonly string[];
  const { rows } = await sql<
    Record<string, unknown>
  >`SELECT ${sql.raw(columns.join(', '))} FROM ${sql.table(table)}
    ORDER BY ${sql.raw(columns.join(', '))}`.execute(pg);
  return rows;
}

describe('npm run db:copy', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });
  async function setup() {
    const dir = mkdtempSync(join(tmpdir(), 'omh-copy-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'hub.sqlite');
    const sqlite = openDatabase(path);
    cleanup.push(() => {
      if (sqlite.open) sqlite.close();
    });
    fillHub(sqlite);
    const database: TestDatabase = await createTestDatabase();
    cleanup.push(() => database.drop());
    const pg = postgresKysely(database.url);
    cleanup.push(() => pg.destroy());
    return { dir, path, sqlite, database, pg };
  }

  it('copies every row of every table, keeping ids, and new rows continue after them', async () => {
    const { sqlite, pg } = await setup();
    const report = await copySqliteToPostgres(sqlite, pg);
    for (const { table, rows } of report.tables) {
      const expected = sqlite
        .prepare(
          `SELECT ${COLUMNS[table as keyof typeof COLUMNS].join(', ')} FROM ${table} ORDER BY ${COLUMNS[table as keyof typeof COLUMNS].join(', ')}`,
        )
        .all();
      expect(rows, table).toBe(expected.length);
      expect(await allRows(pg, table as keyof typeof COLUMNS), table).toEqual(expected);
    }
    expect(report.tables.map((t) => t.table).sort()).toEqual(
      Object.keys(COLUMNS)
        .filter((t) => t !== 'schema_migrations')
        .sort(),
    );
    expect(report.tables.every((t) => t.rows > 0)).toBe(true);

    const idea = await pg
      .insertInto('ideas')
      .values({
        guild_id: G,
        number: 3,
        author_id: 'u',
        author_name: 'n',
        title: 't',
        problem: 'p',
        proposal: 'q',
        created_at: T,
        updated_at: T,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    expect(idea.id).toBe(3);
    // model_runs #2 was deleted in SQLite; AUTOINCREMENT never gives its id again, nor must PostgreSQL.
    const run = await pg
      .insertInto('model_runs')
      .values({
        guild_id: G,
        channel_id: 'c',
        user_id: 'u',
        model: 'm',
        provider: 'hf',
        kind: 'try',
        started_at: T,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    expect(run.id).toBe(3);
    // The copied ideas are in the full-text index.
    const found = await new PostgresIdeaSearch(pg).match(G, ['grouped', 'attention'], 10);
    expect(found.map((i) => i.number).sort()).toEqual([1, 2]);
  });

  it('refuses a PostgreSQL database that already holds data, and changes nothing', async () => {
    const { sqlite, pg } = await setup();
    await copySqliteToPostgres(sqlite, pg);
    sqlite.exec(`INSERT INTO discord_users (user_id, is_bot, checked_at) VALUES ('late', 1, '${T}')`);
    const error = await copySqliteToPostgres(sqlite, pg).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CopyError);
    expect((error as Error).message).toMatch(
      /^The PostgreSQL database is not empty \(guild_settings has 1 rows\)\. db:copy only fills an empty database/,
    );
    expect(await allRows(pg, 'discord_users')).toHaveLength(1);
  });

  it('leaves PostgreSQL without any copied row when a row cannot be copied', async () => {
    const { sqlite, pg } = await setup();
    // A value PostgreSQL's check refuses (SQLite's own check was bypassed by the file's history).
    sqlite.pragma('ignore_check_constraints = ON');
    sqlite.exec(`INSERT INTO discord_users (user_id, is_bot, checked_at) VALUES ('odd', 2, '${T}')`);
    await expect(copySqliteToPostgres(sqlite, pg)).rejects.toThrow(/discord_users_is_bot_check/);
    for (const table of Object.keys(COLUMNS).filter((t) => t !== 'schema_migrations'))
      expect(await allRows(pg, table as keyof typeof COLUMNS), table).toEqual([]);
  });

  it('prints the row counts and the line to put in .env, never the password', async () => {
    const { path, sqlite, database } = await setup();
    sqlite.close();
    const root = resolve(import.meta.dirname, '..');
    const run = (args: string[]) =>
      spawnSync(join(root, 'node_modules', '.bin', 'tsx'), [join(root, 'src', 'db-copy.ts'), ...args], {
        cwd: root,
        env: { PATH: process.env.PATH ?? '' },
        encoding: 'utf8',
        timeout: 60_000,
      });
    const password = new URL(database.url).password;
    const result = run(['--from', path, '--to', database.url]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/the row counts of every table match:\n {2}guild_settings +1 rows\n/);
    expect(result.stdout).toMatch(/ideas +2 rows/);
    expect(result.stdout).toContain(`DATABASE_URL=postgres://${database.role}:****@127.0.0.1`);
    expect(result.stdout).not.toContain(password);
    const again = run(['--from', path, '--to', database.url]);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/^The PostgreSQL database is not empty/);
  });
});

describe('withoutPassword', () => {
  it('hides the password after the user and in the query, as libpq allows both', () => {
    expect(withoutPassword('postgres://bot:s3cret@db:5432/hub')).toBe('postgres://bot:****@db:5432/hub');
    const socket = withoutPassword(
      'postgresql:///hub?host=%2Fvar%2Frun%2Fpostgresql&user=bot&password=s3cret',
    );
    expect(socket).not.toContain('s3cret');
    expect(new URL(socket).searchParams.get('password')).toBe('****');
    expect(new URL(socket).searchParams.get('host')).toBe('/var/run/postgresql');
  });
});
