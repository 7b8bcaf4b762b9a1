import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';
import { postgresKysely, selectEngine, sqliteKysely } from '../src/db/engine.ts';
import { migrate } from '../src/db/migrate.ts';
import { openDatabase } from '../src/db/open.ts';
import { usePostgresDatabase } from './support/postgres.ts';

const valid = { DISCORD_TOKEN: 'abc.def.ghi', DISCORD_APPLICATION_ID: '123456789012345678' };

function errorOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected loadConfig to fail');
}

describe('DATABASE_URL', () => {
  it('selects PostgreSQL and wins over DATABASE_PATH', () => {
    const config = loadConfig({
      ...valid,
      DATABASE_PATH: './data/hub.sqlite',
      DATABASE_URL: 'postgresql://bot:s3cret@db.example.com:5432/open_model_hub',
    });
    expect(selectEngine(config)).toEqual({
      kind: 'postgres',
      url: 'postgresql://bot:s3cret@db.example.com:5432/open_model_hub',
    });
    expect(selectEngine(loadConfig({ ...valid, DATABASE_URL: ' ' }))).toEqual({
      kind: 'sqlite',
      path: './data/open-model-hub.sqlite',
    });
  });

  it('refuses a URL of another kind or without a database, without repeating its password', () => {
    const wrongScheme = errorOf({ ...valid, DATABASE_URL: 'mysql://bot:s3cret@db:3306/hub' });
    expect(wrongScheme).toMatch(/^DATABASE_URL must start with postgres:\/\/ or postgresql:\/\//);
    expect(wrongScheme).not.toContain('s3cret');
    expect(errorOf({ ...valid, DATABASE_URL: 'postgres://bot:s3cret@db:5432' })).toMatch(/names no database/);
    expect(errorOf({ ...valid, DATABASE_URL: 'not a url' })).toMatch(/DATABASE_URL is not a valid URL/);
    expect(errorOf({ ...valid, DATABASE_URL: 'postgresql:///open_model_hub' })).toMatch(
      /^DATABASE_URL names no host \(postgres:\/\/user:password@host:5432\/database, or \?host=\/var\/run\/postgresql for a Unix socket\)/,
    );
  });

  it("accepts libpq's Unix-socket form, the host given as ?host=", () => {
    const url = 'postgresql:///open_model_hub?host=/var/run/postgresql';
    expect(selectEngine(loadConfig({ ...valid, DATABASE_URL: url }))).toEqual({ kind: 'postgres', url });
  });
});

describe('npm start with DATABASE_URL', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('says in one sentence that PostgreSQL cannot be reached, never repeats the password, and creates no SQLite file', () => {
    const root = resolve(import.meta.dirname, '..');
    const cwd = mkdtempSync(join(tmpdir(), 'omh-start-pg-'));
    dirs.push(cwd);
    const result = spawnSync(join(root, 'node_modules', '.bin', 'tsx'), [join(root, 'src', 'main.ts')], {
      cwd,
      env: {
        PATH: process.env.PATH ?? '',
        ...valid,
        DATABASE_PATH: join(cwd, 'data', 'hub.sqlite'),
        DATABASE_URL: 'postgres://bot:s3cret@127.0.0.1:1/hub',
      },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toMatch(
      /^Open Model Hub cannot start: PostgreSQL at DATABASE_URL cannot be reached \(ECONNREFUSED\): check the host and port, and that the server is running\.$/,
    );
    expect(result.stderr).not.toContain('s3cret');
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(join(cwd, 'data'))).toBe(false);
  }, 60_000);
});

describe('the query builder', () => {
  const postgres = usePostgresDatabase();
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("runs on the bot's own SQLite connection and leaves it open when destroyed", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'omh-kysely-'));
    dirs.push(dir);
    const db = openDatabase(join(dir, 'hub.sqlite'));
    try {
      migrate(db);
      const kysely = sqliteKysely(db);
      await kysely
        .insertInto('guild_settings')
        .values({ guild_id: '1', updated_at: '2026-01-01T00:00:00.000Z' })
        .execute();
      const row = await kysely.selectFrom('guild_settings').selectAll().executeTakeFirstOrThrow();
      expect(row).toMatchObject({
        guild_id: '1',
        time_zone: 'UTC',
        digest_weekday: 1,
        digest_quiet_weeks: 'post',
      });
      await kysely.destroy();
      expect(db.open).toBe(true);
    } finally {
      db.close();
    }
  });

  it('on PostgreSQL names its connections, bounds every statement and reads bigints as numbers', async () => {
    const kysely = postgresKysely(postgres.url, { applicationName: 'omh-test', statementTimeoutMs: 1234 });
    try {
      const settings = await sql<{ app: string; timeout: string; big: number }>`
        SELECT current_setting('application_name') AS app, current_setting('statement_timeout') AS timeout,
               9007199254740991::bigint AS big`.execute(kysely);
      expect(settings.rows[0]).toEqual({ app: 'omh-test', timeout: '1234ms', big: 9007199254740991 });
      await expect(sql`SELECT pg_sleep(5)`.execute(kysely)).rejects.toThrow(/statement timeout/);
    } finally {
      await kysely.destroy();
    }
  });
});
