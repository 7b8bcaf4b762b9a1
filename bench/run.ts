// `npm run bench`: runs every benchmark in bench/ in turn, each in its own process, and prints its figures.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = import.meta.dirname;
const only = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_'))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();
const tsx = join(dir, '..', 'node_modules', '.bin', 'tsx');
let failed = 0;
for (const file of files) {
  process.stdout.write(`\n=== bench/${file}\n`);
  const result = spawnSync(tsx, [join(dir, file)], { stdio: 'inherit' });
  if (result.status !== 0) {
    failed++;
    process.stdout.write(`bench/${file} exited with ${result.status ?? result.signal}\n`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
