// Temp folders and child processes that tests make, removed and killed however the test ends.
// tempDir() may be called anywhere (a helper, a beforeAll, a test); everything it made is removed
// after the test file by the afterAll in test/support/cleanup-setup.ts, and by removeTempDir()
// sooner when the owner is done with it (the harness, at stop()). Outside vitest (bench/) they
// are removed when the process exits.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dirs = new Set<string>();
const children = new Set<ChildProcess>();

// Scripts outside vitest (bench/) have no afterAll: what they made goes when the process exits,
// however it ends (an exception, process.exit, the end of the script).
process.once('exit', () => cleanUpAll());

/** A fresh folder under the temp dir, named `<prefix>XXXXXX`; removed after the test file at the latest. */
export function tempDir(prefix = 'omh-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  dirs.delete(dir);
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}

/** Runs `fn` with a fresh folder and removes it afterwards, whether `fn` succeeds or throws. */
export async function withTempDir<T>(prefix: string, fn: (dir: string) => T | Promise<T>): Promise<T> {
  const dir = tempDir(prefix);
  try {
    return await fn(dir);
  } finally {
    removeTempDir(dir);
  }
}

/** Registers a spawned process so that it is killed after the test file if it is still running. */
export function trackChild<T extends ChildProcess>(child: T): T {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Kills a process that has not exited yet (SIGKILL: a test that got here has stopped waiting). */
export function killChild(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.delete(child);
}

/** Kills every tracked process and removes every temp folder still there. */
export function cleanUpAll(): void {
  for (const child of [...children]) killChild(child);
  for (const dir of [...dirs]) removeTempDir(dir);
}
