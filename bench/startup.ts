// Start-up of the bot process: time from spawn to "online" and resident memory at READY, for the
// production build (node dist/src/main.js) against tsx compiling the sources at run time.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiscordEmulator } from '../test/support/discord/index.ts';

const root = join(import.meta.dirname, '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
await new Promise<void>((resolve, reject) => {
  const build = spawn(process.execPath, [join(root, 'scripts', 'ensure-build.mjs')], { stdio: 'inherit' });
  build.once('close', (code) => (code === 0 ? resolve() : reject(new Error('build failed'))));
});
const discord = await DiscordEmulator.start();

async function once(command: string, args: string[]): Promise<{ ms: number; rssMiB: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'omh-bench-start-'));
  const started = performance.now();
  const child = spawn(command, args, {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      DISCORD_TOKEN: discord.token,
      DISCORD_APPLICATION_ID: discord.applicationId,
      DISCORD_API_URL: discord.apiUrl,
      DATABASE_PATH: join(dir, 'hub.sqlite'),
      HTTP_PORT: '0',
    },
  });
  try {
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('Open Model Hub is online')) resolve();
      });
      child.once('close', () => reject(new Error(`the bot ended before READY:\n${out}`)));
    });
    const ms = performance.now() - started;
    return { ms, rssMiB: treeRssKiB(child.pid!) / 1024 };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode === null ? child.once('close', resolve) : resolve(null)));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** RSS of a process and its descendants (tsx runs the bot in a child node process). */
function treeRssKiB(pid: number): number {
  const own = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean);
  return own + children.reduce((sum, c) => sum + treeRssKiB(Number(c)), 0);
}

const variants: Array<[string, string, string[]]> = [
  ['node dist/src/main.js', process.execPath, ['--enable-source-maps', 'dist/src/main.js']],
  ['tsx src/main.ts', join(root, 'node_modules', '.bin', 'tsx'), ['src/main.ts']],
];
for (const [label, command, args] of variants) {
  const runs = [];
  for (let i = 0; i < ROUNDS; i++) runs.push(await once(command, args));
  const ms = runs.map((r) => r.ms.toFixed(0)).join(', ');
  const rss = runs.map((r) => r.rssMiB.toFixed(0)).join(', ');
  console.log(`${label}: READY after ${ms} ms; RSS at READY ${rss} MiB`);
}
await discord.stop();
