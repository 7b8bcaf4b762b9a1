// vitest globalSetup: the whole run gets its own temp folder (TMPDIR, which os.tmpdir() and the
// workers read), and the run fails if a test left anything in it. A folder per run keeps the
// check exact when several runs share the machine's temp dir.
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let runDir: string | undefined;
const saved: Record<string, string | undefined> = {};

export function setup(): void {
  runDir = mkdtempSync(join(tmpdir(), 'omh-test-run-'));
  // Traversable by other users: a test runs the bot as `nobody` (a service user) under it.
  chmodSync(runDir, 0o755);
  for (const name of ['TMPDIR', 'TMP', 'TEMP']) {
    saved[name] = process.env[name];
    process.env[name] = runDir;
  }
}

export function teardown(): void {
  if (!runDir) return;
  const dir = runDir;
  runDir = undefined;
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  const left = readdirSync(dir);
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  if (left.length > 0) {
    // vitest only logs an error thrown here; the exit code is what makes CI fail.
    process.exitCode = 1;
    throw new Error(
      `Tests left ${left.length} entr${left.length === 1 ? 'y' : 'ies'} in the temp directory: ${left.sort().join(', ')}. ` +
        'Create temp folders with tempDir()/withTempDir() from test/support/temp.ts, which remove them after the file.',
    );
  }
}
