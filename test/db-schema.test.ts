// src/db/schema.ts against the schema the migrations really build, on both engines.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate } from '../src/db/migrate.ts';
import { openDatabase } from '../src/db/open.ts';
import { COLUMNS, SQLITE_ONLY_TABLES } from '../src/db/schema.ts';

const sorted = (names: Iterable<string>) => [...names].sort();

describe('the Kysely schema', () => {
  const dir = mkdtempSync(join(tmpdir(), 'omh-schema-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names exactly the tables and columns the SQLite migrations create', () => {
    const db = openDatabase(join(dir, 'hub.sqlite'));
    try {
      migrate(db);
      const tables = (
        db
          .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
          .all() as Array<{
          name: string;
        }>
      )
        .map((t) => t.name)
        // The FTS5 index and its shadow tables (ideas_fts_data, _idx, _docsize, _config).
        .filter((name) => !SQLITE_ONLY_TABLES.some((fts) => name === fts || name.startsWith(`${fts}_`)));
      expect(sorted(tables)).toEqual(sorted(Object.keys(COLUMNS)));
      for (const [table, columns] of Object.entries(COLUMNS)) {
        const real = (db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>).map(
          (c) => c.name,
        );
        expect({ table, columns: sorted(real) }).toEqual({ table, columns: sorted(columns) });
      }
    } finally {
      db.close();
    }
  });
});
