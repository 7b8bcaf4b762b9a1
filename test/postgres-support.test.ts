import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createTestDatabase, usePostgresDatabase } from './support/postgres.ts';

describe('the PostgreSQL test server', () => {
  const database = usePostgresDatabase();

  it('hands each file a database owned by a role that is no superuser, as a hosting provider would', async () => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ super: boolean; createdb: boolean; owner: string; me: string }>(
        `SELECT r.rolsuper AS super, r.rolcreatedb AS createdb, pg_get_userbyid(d.datdba) AS owner, current_user AS me
         FROM pg_roles r, pg_database d WHERE r.rolname = current_user AND d.datname = current_database()`,
      );
      expect(rows[0]).toMatchObject({ super: false, createdb: false });
      expect(rows[0]!.owner).toBe(rows[0]!.me);
      await client.query('CREATE TABLE owned_here (id bigint PRIMARY KEY)');
      await expect(client.query('CREATE DATABASE not_allowed')).rejects.toThrow(/permission denied/);
    } finally {
      await client.end();
    }
  });

  it('drops the database and its role afterwards', async () => {
    const extra = await createTestDatabase();
    const client = new pg.Client({ connectionString: extra.url });
    await client.connect();
    await client.end();
    await extra.drop();
    const again = new pg.Client({ connectionString: extra.url });
    await expect(again.connect()).rejects.toThrow(/password authentication failed|does not exist/);
    await again.end().catch(() => undefined);
  });
});
