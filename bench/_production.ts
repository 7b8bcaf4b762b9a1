// Starts Open Model Hub for a benchmark as production runs it: compiled with the options of
// scripts/build.mjs (into bench/.build/, git-ignored), in its own process, by plain node with the
// flags of `npm start` (read from package.json, so a flag added there is measured here too).
import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// @ts-expect-error: a plain .mjs script without types.
import { bundle, ROOT } from '../scripts/build.mjs';
import type { HubRequest } from './_hub-process.ts';

const OUT = join(import.meta.dirname, '.build');

function startWords(): string[] {
  const pkg = JSON.parse(readFileSync(join(ROOT as string, 'package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  return pkg.scripts.start.split(/\s+/);
}

/** The node flags of `npm start` ("… exec node --flag … dist/src/main.js"). */
export function productionNodeFlags(): string[] {
  const words = startWords();
  return words.slice(words.indexOf('node') + 1).filter((w) => w.startsWith('--'));
}

/**
 * The variables `npm start` sets before node ("NAME=${NAME:-default} exec node …"): the default
 * unless this process's environment gives one, as sh would.
 */
export function productionEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const word of startWords()) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(word);
    if (!m) continue;
    const fallback = /^\$\{([A-Z_][A-Z0-9_]*):-(.*)\}$/.exec(m[2]!);
    env[m[1]!] = fallback ? (process.env[fallback[1]!] ?? fallback[2]!) : m[2]!;
  }
  return env;
}

export interface HubProcess {
  child: ChildProcess;
  readyMs: number;
  call<T>(request: HubRequest): Promise<T>;
  /** The process's CPU time (user + system) as the OS counts it, in ms. */
  cpuMs(): number;
  stop(): Promise<void>;
}

/** `npm start`'s flags and BENCH_NODE_FLAGS (e.g. --expose-gc), as the bot process gets them. */
export function benchNodeFlags(): string[] {
  return [...productionNodeFlags(), ...(process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean)];
}

/**
 * Compiles bench/<name>.ts into bench/.build/ and starts it by plain node with `npm start`'s
 * flags and variables (MALLOC_ARENA_MAX), `env` the rest of its environment (plus PATH).
 */
export async function forkCompiled(
  name: string,
  env: Record<string, string>,
  stdout: 'inherit' | 'ignore' = 'inherit',
): Promise<ChildProcess> {
  await bundle([join(import.meta.dirname, `${name}.ts`)], OUT, import.meta.dirname);
  return fork(join(OUT, `${name}.js`), [], {
    execPath: process.execPath,
    execArgv: benchNodeFlags(),
    env: { PATH: process.env.PATH ?? '', ...productionEnv(), ...env },
    stdio: ['ignore', stdout, 'inherit', 'ipc'],
  });
}

/** The CPU time (user + system) of a process as the OS counts it, in ms. */
export function processCpuMs(pid: number | undefined): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / 100) * 1000;
}

/** Starts Open Model Hub (bench/_hub-process.ts) with the settings in `env`. */
export async function startHub(
  env: Record<string, string>,
  stdout: 'inherit' | 'ignore' = 'inherit',
): Promise<HubProcess> {
  const child = await forkCompiled('_hub-process', env, stdout);
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let nextId = 1;
  const readyMs = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) =>
      reject(new Error(`the bot process exited with ${code} before it was ready`)),
    );
    child.on(
      'message',
      (m: { ready?: { readyMs: number }; id?: number; result?: unknown; error?: string }) => {
        if (m.ready) return resolve(m.ready.readyMs);
        const p = pending.get(m.id ?? -1);
        pending.delete(m.id ?? -1);
        if (m.error) p?.reject(new Error(`bot process: ${m.error}`));
        else p?.resolve(m.result);
      },
    );
  });
  child.removeAllListeners('exit');
  const call = <T>(request: HubRequest) =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ id, ...request });
    });
  const cpuMs = () => processCpuMs(child.pid);
  const stop = async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await call({ op: 'stop' });
    await exited;
  };
  return { child, readyMs, call, cpuMs, stop };
}
