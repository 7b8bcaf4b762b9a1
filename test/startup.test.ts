import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './support/temp.ts';

const root = resolve(import.meta.dirname, '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');

function start(env: Record<string, string>, cwd = tempDir('omh-start-')) {
  return spawnSync(tsx, [join(root, 'src', 'main.ts')], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
}

describe('npm start', () => {
  it('without a Discord token exits 1 naming the variable and where to get it, with no stack trace', () => {
    const result = start({ DISCORD_APPLICATION_ID: '123456789012345678' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('DISCORD_TOKEN is not set');
    expect(result.stderr).toContain('Developer Portal');
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.stdout).toBe('');
  });

  it('reads .env from the working directory', () => {
    const cwd = tempDir('omh-start-');
    writeFileSync(join(cwd, '.env'), 'DISCORD_TOKEN=from-dotenv\nDISCORD_APPLICATION_ID=not-a-number\n');
    const result = start({}, cwd);
    expect(result.status).toBe(1);
    expect(result.stderr).not.toContain('DISCORD_TOKEN is not set');
    expect(result.stderr).toContain('DISCORD_APPLICATION_ID must be a Discord id');
  });
});
