import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';

export type Db = Database.Database;

/** The database cannot be used as it is; the message says what to do, in one sentence. */
export class DatabaseError extends Error {
  override name = 'DatabaseError';
}

/**
 * Opens the bot's SQLite file. WAL lets the HTTP server and scheduled jobs read while an
 * interaction writes; the busy timeout turns a rare lock into a short wait, not an error.
 * What an operator must fix (a folder it may not write, a file that is not a database) is a
 * DatabaseError, checked here before the first query so it never surfaces as a raw SqliteError.
 */
export function openDatabase(path: string): Db {
  if (path !== ':memory:') checkFolder(path);
  let db: Db | undefined;
  try {
    db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    db.pragma('synchronous = NORMAL');
    // Reading the schema is what tells a database from a file that only looks like one.
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return db;
  } catch (error) {
    db?.close();
    throw describeOpenFailure(path, error);
  }
}

function checkFolder(path: string): void {
  if (existsSync(path) && statSync(path).isDirectory())
    throw new DatabaseError(
      `DATABASE_PATH ${path} is a folder: name a file in it instead, e.g. ${join(path, 'open-model-hub.sqlite')}.`,
    );
  const dir = dirname(resolve(path));
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new DatabaseError(
      `Cannot create the database folder ${dir} (${(error as NodeJS.ErrnoException).code}): create it and let the bot's user write to it, or set DATABASE_PATH to a file in a folder it can write.`,
    );
  }
  try {
    // SQLite writes its -wal and -shm files beside the database, so the folder must be writable.
    accessSync(dir, constants.W_OK | constants.X_OK);
    if (existsSync(path)) accessSync(path, constants.R_OK | constants.W_OK);
  } catch (error) {
    const what =
      (error as NodeJS.ErrnoException).path === path
        ? `The database file ${path}`
        : `The database folder ${dir}`;
    throw new DatabaseError(
      `${what} is not writable by this user: give the bot's user write access (chown or chmod), or set DATABASE_PATH to a file in a folder it can write.`,
    );
  }
}

function describeOpenFailure(path: string, error: unknown): unknown {
  const code = String((error as { code?: string }).code ?? '');
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT'))
    return new DatabaseError(
      `${path} is not a SQLite database, or it is damaged: restore it from a backup (README → Backups), or move it away to start with an empty database.`,
    );
  if (
    code.startsWith('SQLITE_CANTOPEN') ||
    code.startsWith('SQLITE_READONLY') ||
    code.startsWith('SQLITE_PERM')
  )
    return new DatabaseError(
      `Cannot open ${path} for writing (${code}): give the bot's user write access to the file and its folder, or set DATABASE_PATH elsewhere.`,
    );
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED')
    return new DatabaseError(
      `${path} is locked by another process: stop the other copy of the bot (only one may use a database file), then start again.`,
    );
  if (code.startsWith('SQLITE_IOERR') || code === 'SQLITE_FULL')
    return new DatabaseError(
      `Reading or writing ${path} failed (${code}): check the disk (free space, errors), then start again.`,
    );
  return error;
}
