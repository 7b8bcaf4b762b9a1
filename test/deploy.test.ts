// The deployment script the Dockerfile runs, run here in a clean copy of the repository: it
// installs production dependencies only, builds, and starts a bot that connects to the emulator.
// Slow (npm ci compiles better-sqlite3); it needs the npm registry (or a warm npm cache).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type BotProcess, freePort, ROOT, spawnBot } from './support/bot-process.ts';
import { DiscordEmulator } from './support/discord/index.ts';

const copies: string[] = [];
let bot: BotProcess | undefined;
let discord: DiscordEmulator | undefined;
afterAll(async () => {
  await bot?.kill();
  await discord?.stop();
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

function run(command: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.once('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${command} ${args.join(' ')}: ${out}`)),
    );
  });
}

/** The files a clone would have (tracked, plus new files not ignored), without node_modules or dist/. */
async function cleanCopy(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'omh-deploy-'));
  copies.push(dir);
  await run(
    'sh',
    ['-c', `git ls-files -co --exclude-standard -z | xargs -0 tar -cf - | tar -xf - -C '${dir}'`],
    ROOT,
  );
  return dir;
}

describe('deploy/install-and-start.sh in a clean copy', () => {
  it('installs production dependencies only, builds, and starts the bot against the emulator', async () => {
    const dir = await cleanCopy();
    expect(existsSync(join(dir, 'node_modules'))).toBe(false);
    expect(existsSync(join(dir, 'dist'))).toBe(false);
    discord = await DiscordEmulator.start();
    const httpPort = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'omh-deploy-data-'));
    copies.push(dataDir);
    bot = spawnBot({
      cwd: dir,
      command: ['sh', [join(dir, 'deploy', 'install-and-start.sh')]],
      env: {
        DISCORD_TOKEN: discord.token,
        DISCORD_APPLICATION_ID: discord.applicationId,
        DISCORD_API_URL: discord.apiUrl,
        DATABASE_PATH: join(dataDir, 'open-model-hub.sqlite'),
        HTTP_PORT: String(httpPort),
        HTTP_HOST: '127.0.0.1',
      },
    });
    await bot.waitForLine(/Open Model Hub is online/, 540_000);
    expect((await fetch(`http://127.0.0.1:${httpPort}/livez`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${httpPort}/readyz`)).status).toBe(200);
    expect(discord.readyShards()).toEqual([[0, 1]]);
    // Production dependencies only: none of the dev tools came along.
    for (const dev of ['vitest', 'typescript', '@biomejs/biome', 'vite', 'puppeteer-core'])
      expect(existsSync(join(dir, 'node_modules', dev)), dev).toBe(false);
    expect(existsSync(join(dir, 'node_modules', 'better-sqlite3'))).toBe(true);
    expect(existsSync(join(dir, 'dist', 'src', 'main.js'))).toBe(true);
    // The script execs node, so SIGTERM reaches the bot itself.
    bot.child.kill('SIGTERM');
    expect((await bot.exited).code).toBe(0);
  }, 600_000);
});
