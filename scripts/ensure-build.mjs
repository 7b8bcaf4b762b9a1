// Runs before `npm start` (and the other scripts that use dist/): builds when dist/ is missing or
// older than the sources, so `npm install` then `npm start` still does everything.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildDist, ROOT } from './build.mjs';

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

const stamp = join(ROOT, 'dist', '.built');
const sources = ['src', 'commands', 'package.json', 'scripts/build.mjs'].map((p) => join(ROOT, p));
const builtAt = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
if (builtAt < Math.max(...sources.filter((p) => existsSync(p)).map(newest))) {
  process.stderr.write(
    existsSync(stamp) ? 'Sources changed; rebuilding dist/\n' : 'Building dist/ (first start)\n',
  );
  await buildDist();
}
