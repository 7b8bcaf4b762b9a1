// `npm run build`: compiles the bot to dist/ with esbuild, one ESM bundle per entry point
// (dependencies stay in node_modules). esbuild rather than tsc: it comes with tsx, a runtime
// dependency, so a production install (`npm ci --omit=dev`) can still build; and one bundle per
// entry loads faster than hundreds of modules. Type checking stays `npm run typecheck`.
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const ENTRIES = [
  'src/main.ts',
  'src/sharded.ts',
  'src/register.ts',
  'src/migrate.ts',
  'src/backup.ts',
];

/**
 * Compiles `entries` (paths from the root) as production runs them; bench/ compiles its bot
 * process with the same options, so a benchmark measures what `npm start` runs.
 */
export async function bundle(entries, outdir, outbase) {
  await build({
    absWorkingDir: ROOT,
    entryPoints: entries,
    outdir,
    outbase,
    bundle: true,
    splitting: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
  });
}

export async function buildDist() {
  // Built aside and swapped in, so a bot starting from dist/ meanwhile never sees half a build.
  const final = join(ROOT, 'dist');
  const outdir = join(ROOT, `dist.tmp-${process.pid}`);
  rmSync(outdir, { recursive: true, force: true });
  await bundle(ENTRIES, join(outdir, 'src'), 'src');
  writeFileSync(join(outdir, '.built'), `${new Date().toISOString()}\n`);
  const old = join(ROOT, `dist.old-${process.pid}`);
  try {
    renameSync(final, old);
  } catch {
    // No previous build.
  }
  try {
    renameSync(outdir, final);
  } catch (error) {
    // Another build of the same sources (a second `npm start`) swapped its dist/ in first: keep that one.
    if (!existsSync(join(final, '.built'))) throw error;
    rmSync(outdir, { recursive: true, force: true });
  }
  rmSync(old, { recursive: true, force: true });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  await buildDist();
  process.stdout.write(`Built dist/ in ${Math.round(performance.now() - started)} ms\n`);
}
