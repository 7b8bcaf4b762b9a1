// Backups: `npm run backup -- FILE` while the bot answers interactions, the daily job that keeps
// the newest N, and the copy taken before a start applies migrations.

import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dailyBackupName, pruneBackups, runDailyBackup, verifyBackup } from '../src/db/backup.ts';
import { MIGRATIONS_DIR, migrate, schemaVersion } from '../src/db/migrate.ts';
import { openDatabase } from '../src/db/open.ts';
import { ensureBuilt, ROOT } from './support/bot-process.ts';
import { startTestHub, type TestHub } from './support/harness.ts';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'omh-backup-'));
  dirs.push(dir);
  return dir;
};
let t: TestHub | undefined;
beforeAll(ensureBuilt, 60_000);
afterEach(async () => {
  await t?.stop();
  t = undefined;
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function runBackup(
  dbPath: string,
  file: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('npm', ['run', '--silent', 'backup', '--', file], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', DATABASE_PATH: dbPath },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((done) => child.once('close', (code) => done({ code, stdout, stderr })));
}

describe('npm run backup', () => {
  it('copies the live database while interactions run: the copy verifies and holds every idea and vote written before it began', async () => {
    t = await startTestHub({ engine: 'sqlite', env: { IDEAS_PER_HOUR: '100' } });
    const hub = t;
    const ideasChannelId = hub.discord.addChannel(hub.guildId, { name: 'ideas' });
    await hub.hub.settings.update(hub.guildId, { ideasChannelId }, hub.curatorId);
    const numbers: number[] = [];
    for (let i = 0; i < 5; i++) {
      const result = await hub.hub.ideas.lifecycle.submit(
        hub.guildId,
        { id: hub.memberId, name: 'Mo Member' },
        {
          title: `Idea ${i} ${'x'.repeat(i)}`,
          problem: `Problem number ${i} is real.`,
          proposal: `Fix ${i}.`,
          evidence: 'https://arxiv.org/abs/2310.06825',
          family: 'granite',
        },
      );
      const created =
        result.kind === 'similar'
          ? await hub.hub.ideas.lifecycle.submitDraft(hub.guildId, result.draftId, hub.memberId)
          : result;
      if (created.kind !== 'created') throw new Error(`expected a new idea, got ${created.kind}`);
      numbers.push(created.idea.number);
    }
    await hub.hub.ideas.settled();
    const voters = Array.from({ length: 60 }, (_, i) =>
      hub.discord.addMember(hub.guildId, { username: `voter${i}` }),
    );
    const message = hub.discord.messagesIn(ideasChannelId)[0]!;
    const vote = (userId: string, n: number) =>
      hub.discord
        .click({
          guildId: hub.guildId,
          channelId: ideasChannelId,
          userId,
          customId: `idea:vote:${n}:up`,
          messageId: message.id,
        })
        .reply();
    await Promise.all(voters.slice(0, 20).map((v, i) => vote(v, numbers[i % numbers.length]!)));

    const readRows = (path: string) => {
      const db = new Database(path, { readonly: true });
      try {
        return {
          ideas: (db.prepare('SELECT id FROM ideas ORDER BY id').all() as Array<{ id: number }>).map(
            (r) => r.id,
          ),
          votes: (
            db.prepare('SELECT idea_id, user_id FROM idea_votes').all() as Array<{
              idea_id: number;
              user_id: string;
            }>
          ).map((r) => `${r.idea_id}:${r.user_id}`),
        };
      } finally {
        db.close();
      }
    };
    const before = readRows(hub.dbPath);
    expect(before.votes.length).toBeGreaterThanOrEqual(20);

    // More votes go on while the backup runs in its own process.
    const file = join(tempDir(), 'copy.sqlite');
    const backup = runBackup(hub.dbPath, file);
    const during = Promise.all(voters.slice(20).map((v, i) => vote(v, numbers[i % numbers.length]!)));
    const [result] = await Promise.all([backup, during]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^Backed up .*hub\.sqlite to .*copy\.sqlite \(\d+(\.\d)? KiB, integrity check ok, \d+ ms\)\.\n$/,
    );

    expect(() => verifyBackup(file)).not.toThrow();
    const copy = readRows(file);
    expect(copy.ideas).toEqual(expect.arrayContaining(before.ideas));
    expect(copy.votes).toEqual(expect.arrayContaining(before.votes));
  }, 60_000);

  it('says in one sentence when the target cannot be written', async () => {
    const dir = tempDir();
    const dbPath = join(dir, 'hub.sqlite');
    migrate(openDatabase(dbPath));
    writeFileSync(join(dir, 'file'), 'a file, not a folder');
    const result = await runBackup(dbPath, join(dir, 'file', 'copy.sqlite'));
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^Could not write the backup to .*copy\.sqlite/);
  });
});

describe('the daily backup', () => {
  it('keeps the newest BACKUP_KEEP copies and leaves other files alone', async () => {
    const dir = tempDir();
    const db = openDatabase(join(tempDir(), 'hub.sqlite'));
    migrate(db);
    writeFileSync(join(dir, 'notes.txt'), 'keep me');
    for (const day of ['2026-11-20', '2026-11-21', '2026-11-22', '2026-11-23'])
      await runDailyBackup(db, dir, 2, new Date(`${day}T03:17:00Z`));
    db.close();
    expect(readdirSync(dir).sort()).toEqual([
      'notes.txt',
      dailyBackupName(new Date('2026-11-22T03:17:00Z')),
      dailyBackupName(new Date('2026-11-23T03:17:00Z')),
    ]);
    expect(pruneBackups(dir, 1)).toEqual([dailyBackupName(new Date('2026-11-22T03:17:00Z'))]);
  });
});

describe('a start with pending migrations', () => {
  it('backs the database up first and logs where the copy is', async () => {
    const dir = tempDir();
    const older = join(dir, 'migrations');
    cpSync(MIGRATIONS_DIR, older, { recursive: true });
    const files = readdirSync(older)
      .filter((f) => f.endsWith('.sql'))
      .sort();
    const newest = files.at(-1)!;
    rmSync(join(older, newest));
    const dbPath = join(dir, 'hub.sqlite');
    const db = openDatabase(dbPath);
    migrate(db, older);
    const version = schemaVersion(db);
    db.close();

    t = await startTestHub({ engine: 'sqlite', env: { DATABASE_PATH: dbPath } });
    const line = t.logs.lines.find((l) => /^Backed up the database to /.test(String(l.msg)));
    expect(line).toBeDefined();
    const copyPath = String(line!.path);
    expect(copyPath).toContain(`before-migration-v${version}`);
    expect(existsSync(copyPath)).toBe(true);
    const copy = new Database(copyPath, { readonly: true });
    expect(schemaVersion(copy)).toBe(version);
    copy.close();
    // Versions may skip numbers: the start applies the newest file, whatever its number.
    expect(schemaVersion(t.hub.database.sqlite!)).toBe(Number(newest.slice(0, 4)));
  });

  it('takes no copy of a new, empty database', async () => {
    t = await startTestHub({ engine: 'sqlite' });
    expect(t.logs.messages().some((m) => m.startsWith('Backed up'))).toBe(false);
  });
});
