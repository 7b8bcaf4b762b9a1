// Runs a benchmark's emulators in a child process (so the bot's event loop is measured alone)
// and asks it questions over IPC: each answer is the first message carrying the expected key.
import { type ChildProcess, fork } from 'node:child_process';

export interface EmulatorChild {
  child: ChildProcess;
  ask<T>(message: object, key: string): Promise<T>;
}

export function forkEmulators(script: string, args: string[] = []): EmulatorChild {
  const child = fork(script, args, {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ask = <T>(message: object, key: string) =>
    new Promise<T>((resolve) => {
      const on = (m: Record<string, unknown>) => {
        if (key in m) {
          child.off('message', on);
          resolve(m[key] as T);
        }
      };
      child.on('message', on);
      child.send(message);
    });
  return { child, ask };
}
