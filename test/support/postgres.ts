// A real PostgreSQL for the tests: the server is started once per run by the vitest globalSetup
// (test/support/postgres-setup.ts), and each test file gets a fresh database owned by a fresh
// non-superuser role, as a hosting provider hands one out.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import { PostgresUnavailableError } from './postgres-server.ts';

export { PostgresUnavailableError } from './postgres-server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The superuser URL of the run's server, or why there is none. */
    postgres: { adminUrl: string; socketDir: string } | { unavailable: string };
  }
}

export interface TestDatabase {
  /** postgres://role:password@127.0.0.1:port/name, for the bot's own role (not a superuser). */
  url: string;
  /** The same database and role through the server's Unix socket (local connections are trusted there). */
  socketUrl: string;
  name: string;
  role: string;
  drop(): Promise<void>;
}

function server(): { adminUrl: string; socketDir: string } {
  const provided = inject('postgres');
  if ('unavailable' in provided) throw new PostgresUnavailableError(provided.unavailable);
  return provided;
}

const adminUrl = () => server().adminUrl;

async function asAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A new, empty database owned by a new login role that may do nothing beyond it. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const id = randomBytes(6).toString('hex');
  const name = `omh_test_${id}`;
  const role = `omh_bot_${id}`;
  const password = randomBytes(12).toString('hex');
  await asAdmin(async (c) => {
    await c.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}' NOSUPERUSER NOCREATEDB NOCREATEROLE`);
    await c.query(`CREATE DATABASE ${name} OWNER ${role}`);
  });
  const base = new URL(adminUrl());
  const url = `postgres://${role}:${password}@${base.host}/${name}`;
  const socketUrl = `postgresql:///${name}?host=${encodeURIComponent(server().socketDir)}&port=${base.port}&user=${role}`;
  return {
    url,
    socketUrl,
    name,
    role,
    drop: () =>
      asAdmin(async (c) => {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.query(`DROP ROLE IF EXISTS ${role}`);
      }),
  };
}

/** One fresh database for the calling test file, dropped after its last test. */
export function usePostgresDatabase(): { readonly url: string } {
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });
  return {
    get url() {
      if (!database) throw new Error('usePostgresDatabase: the database exists only inside tests and hooks.');
      return database.url;
    },
  };
}
