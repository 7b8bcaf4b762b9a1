import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { cleanUpAll, killChild, removeTempDir, tempDir, trackChild, withTempDir } from './support/temp.ts';

describe('test temp folders and processes', () => {
  it('live in this run’s own temp folder', () => {
    expect(tmpdir()).toMatch(/omh-test-run-/);
  });

  it('withTempDir removes its folder even when the work throws', async () => {
    let made = '';
    await expect(
      withTempDir('omh-x-', (dir) => {
        made = dir;
        writeFileSync(`${dir}/file`, 'x');
        throw new Error('test failed');
      }),
    ).rejects.toThrow('test failed');
    expect(existsSync(made)).toBe(false);
  });

  it('cleanUpAll removes every folder made and kills every tracked process still running', async () => {
    const a = tempDir('omh-a-');
    const b = tempDir('omh-b-');
    removeTempDir(b);
    const child = trackChild(spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']));
    const exited = new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    cleanUpAll();
    expect(existsSync(a)).toBe(false);
    expect(await exited).toBe('SIGKILL');
    killChild(child); // a second time is harmless
  });
});
