// `npm start` and deploy/install-and-start.sh (Docker, systemd) start node the same way: the
// memory settings measured in bench/scale.ts (MALLOC_ARENA_MAX, --heap-growing-percent) reach
// every production bot, whichever way it is started.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

describe('the production start command', () => {
  it('is the same in package.json and deploy/install-and-start.sh', () => {
    const npmStart = (
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
        scripts: { start: string };
      }
    ).scripts.start;
    const script = readFileSync(join(ROOT, 'deploy', 'install-and-start.sh'), 'utf8');
    const scriptStart = /^\s*(MALLOC_ARENA_MAX=.*exec node .*)$/m.exec(script)?.[1];
    // The script quotes its expansion (sh -u style); the command is otherwise word for word.
    expect(scriptStart?.replace(/"/g, '')).toBe(npmStart);
    expect(npmStart).toMatch(/MALLOC_ARENA_MAX=\$\{MALLOC_ARENA_MAX:-2\} exec node /);
    expect(npmStart).toContain('--heap-growing-percent=30');
  });

  it('starts the sharded manager, whose children inherit its flags, with the same variables and flags', () => {
    const { start, 'start:sharded': sharded } = (
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
        scripts: { start: string; 'start:sharded': string };
      }
    ).scripts;
    expect(sharded.replace('dist/src/sharded.js', 'dist/src/main.js')).toBe(start);
    expect(readFileSync(join(ROOT, 'src', 'sharded.ts'), 'utf8')).toContain('execArgv: process.execArgv');
  });
});
