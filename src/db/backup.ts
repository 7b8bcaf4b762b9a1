// Online, verified copies of the SQLite database: `npm run backup`, the daily job, and the copy
// taken before migrations change the schema.
import { mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Db } from './open.ts';

export interface BackupResult {
  path: string;
  bytes: number;
  ms: number;
}

/** A backup that could not be made or did not verify; the message says why. */
export class BackupError extends Error {
  override name = 'BackupError';
}

/**
 * Copies the database with SQLite's online backup API, which yields between steps and restarts
 * when another connection writes, so the copy is one consistent state at least as new as the
 * moment it began, while the bot keeps answering. The copy is verified (integrity_check) under a
 * temporary name and only then renamed into place: a file at `path` is always a good backup.
 */
export async function backupDatabase(db: Db, path: string): Promise<BackupResult> {
  const started = performance.now();
  const target = resolve(path);
  const partial = `${target}.partial`;
  try {
    mkdirSync(dirname(target), { recursive: true });
    rmSync(partial, { force: true });
    await db.backup(partial);
    // One self-contained file (no -wal beside it), so restoring is copying one file back.
    const copy = new Database(partial);
    copy.pragma('journal_mode = DELETE');
    copy.close();
    verifyBackup(partial);
    renameSync(partial, target);
  } catch (error) {
    for (const leftover of [partial, `${partial}-wal`, `${partial}-shm`]) {
      try {
        rmSync(leftover, { force: true });
      } catch {
        // The folder itself is unusable; the message below says so.
      }
    }
    if (error instanceof BackupError) throw error;
    throw new BackupError(
      `Could not write the backup to ${target} (${(error as { code?: string }).code ?? (error as Error).message}): check that the folder exists, is writable and has free space.`,
    );
  }
  return { path: target, bytes: statSync(target).size, ms: Math.round(performance.now() - started) };
}

/** Opens a copy read-only and runs PRAGMA integrity_check on it. */
export function verifyBackup(path: string): void {
  const copy = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const rows = copy.pragma('integrity_check') as Array<{ integrity_check: string }>;
    const verdict = rows.map((r) => r.integrity_check).join('; ');
    if (verdict !== 'ok') throw new BackupError(`The backup ${path} failed its integrity check: ${verdict}`);
  } finally {
    copy.close();
  }
}

const DAILY = /^open-model-hub-\d{8}-\d{6}\.sqlite$/;

/** `open-model-hub-20261123-090000.sqlite`: sorts by time, and a glob finds every daily copy. */
export function dailyBackupName(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `open-model-hub-${stamp}.sqlite`;
}

/** Takes today's backup into `dir` and deletes the oldest beyond `keep`. */
export async function runDailyBackup(db: Db, dir: string, keep: number, now: Date): Promise<BackupResult> {
  const result = await backupDatabase(db, join(dir, dailyBackupName(now)));
  pruneBackups(dir, keep);
  return result;
}

/** Deletes the oldest daily backups in `dir` so that `keep` remain; other files are left alone. */
export function pruneBackups(dir: string, keep: number): string[] {
  const daily = readdirSync(dir)
    .filter((f) => DAILY.test(f))
    .sort()
    .reverse();
  const removed = daily.slice(keep);
  for (const file of removed) rmSync(join(dir, file), { force: true });
  return removed;
}

/** Where the copy taken before migrations goes: BACKUP_DIR when set, else beside the database. */
export function preMigrationBackupPath(
  dbPath: string,
  fromVersion: number,
  now: Date,
  backupDir?: string,
): string {
  const stamp = dailyBackupName(now).replace(/^open-model-hub-|\.sqlite$/g, '');
  const name = `${basename(dbPath).replace(/\.sqlite$/, '')}-before-migration-v${fromVersion}-${stamp}.sqlite`;
  return join(backupDir ?? dirname(resolve(dbPath)), name);
}
