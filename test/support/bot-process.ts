// Runs the real bot process (`npm start`, or the built entry point directly) and watches what it
// prints, so tests can wait for a sentence instead of sleeping, and always kill it afterwards.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');

export interface BotProcess {
  child: ChildProcess;
  /** Everything printed so far, stdout and stderr. */
  output(): string;
  stderr(): string;
  /** Resolves with the first line (either stream) matching; rejects if the process ends first. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves when the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** SIGKILLs the process (and npm's child) if still running; safe to call twice. */
  kill(): Promise<void>;
}

export interface SpawnBotOptions {
  env: Record<string, string>;
  /** 'npm' runs `npm start` (prestart builds when needed); 'node' runs dist/src/main.js. */
  via?: 'npm' | 'node';
  /** Any other command and its arguments (e.g. the deployment script). */
  command?: [string, string[]];
  cwd?: string;
  uid?: number;
  gid?: number;
}

/** Builds dist/ once per test file when it is missing or stale, as `npm start` would. */
export async function ensureBuilt(): Promise<void> {
  const child = spawn(process.execPath, [resolve(ROOT, 'scripts', 'ensure-build.mjs')], { cwd: ROOT });
  let output = '';
  child.stderr.on('data', (d) => (output += d));
  const code = await new Promise<number | null>((done) => child.once('close', done));
  if (code !== 0) throw new Error(`npm run build failed:\n${output}`);
}

export function spawnBot(options: SpawnBotOptions): BotProcess {
  const via = options.via ?? 'npm';
  const [command, args] =
    options.command ??
    (via === 'npm'
      ? ['npm', ['start', '--silent']]
      : [process.execPath, ['--enable-source-maps', resolve(ROOT, 'dist', 'src', 'main.js')]]);
  const child = spawn(command as string, args as string[], {
    cwd: options.cwd ?? ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so kill() reaches node behind npm and sh.
    detached: true,
    ...(options.uid !== undefined ? { uid: options.uid, gid: options.gid ?? options.uid } : {}),
  });
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const l of listeners) l();
  };
  child.stdout!.on('data', (d) => {
    out += d;
    notify();
  });
  child.stderr!.on('data', (d) => {
    err += d;
    notify();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((done) =>
    child.once('close', (code, signal) => {
      done({ code, signal, at: performance.now() });
      notify();
    }),
  );
  let ended = false;
  void exited.then(() => (ended = true));
  return {
    child,
    output: () => out + err,
    stderr: () => err,
    exited,
    waitForLine(pattern, timeoutMs = 60_000) {
      return new Promise((resolvePromise, reject) => {
        const check = () => {
          const line = (out + err).split('\n').find((l) => pattern.test(l));
          if (line !== undefined) {
            cleanup();
            resolvePromise(line);
          } else if (ended) {
            cleanup();
            reject(new Error(`the bot ended before printing ${pattern}:\n${out}${err}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`the bot did not print ${pattern} within ${timeoutMs} ms:\n${out}${err}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    async kill() {
      if (ended || child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
      await exited;
    },
  };
}

/** A port nothing listens on right now (a listener on port 0, closed again). */
export function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePromise(port));
    });
  });
}
