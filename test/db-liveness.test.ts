// Process liveness on PostgreSQL (src/db/liveness.ts): a process is alive while its session holds
// its lock; once the session ends, any other process can tell at once. (A killed process's session
// ends when the server sees its socket close; test/try-limits.test.ts restarts a hub on PostgreSQL.)
import { afterAll, describe, expect, it } from 'vitest';
import { postgresKysely } from '../src/db/engine.ts';
import { ProcessLiveness } from '../src/db/liveness.ts';
import { createLogger } from '../src/log.ts';
import { usePostgresDatabase } from './support/postgres.ts';

const database = usePostgresDatabase();
const log = createLogger({ level: 'silent' });
const pools: Array<ReturnType<typeof postgresKysely>> = [];
const pool = () => {
  const db = postgresKysely(database.url, { maxConnections: 2 });
  pools.push(db);
  return db;
};
afterAll(async () => {
  await Promise.all(pools.map((p) => p.destroy()));
});

describe('process liveness', () => {
  it('tells a live process from one whose session ended', async () => {
    const a = await ProcessLiveness.start(database.url, pool(), log);
    const b = await ProcessLiveness.start(database.url, pool(), log);
    const c = await ProcessLiveness.start(database.url, pool(), log);
    try {
      expect(new Set([a.id, b.id, c.id]).size).toBe(3);
      expect(await b.isAlive(a.id)).toBe(true);
      expect(await a.isAlive(b.id)).toBe(true);
      // Asking leaves the lock with its owner: still alive on a second look.
      expect(await b.isAlive(a.id)).toBe(true);
      await a.close();
      expect(await b.isAlive(a.id)).toBe(false);
      expect(await c.isAlive(a.id)).toBe(false);
      expect(await c.isAlive(b.id)).toBe(true);
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });
});
