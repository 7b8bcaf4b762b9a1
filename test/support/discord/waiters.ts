// Promises that settle on a state change instead of a sleep: every mutation of the emulator
// calls notify(), which re-runs the pending checks; the timeout only turns a hang into a message.
interface Pending {
  check: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export class Waiters {
  private readonly pending = new Set<Pending>();

  /** Resolves with the first non-undefined result of `check`; rejects with `describe()` after timeoutMs. */
  waitFor<T>(check: () => T | undefined, timeoutMs: number, describe: () => string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let first: T | undefined;
      try {
        first = check();
      } catch (error) {
        reject(error as Error);
        return;
      }
      if (first !== undefined) {
        resolve(first);
        return;
      }
      const entry: Pending = {
        check,
        resolve: resolve as (value: unknown) => void,
        reject,
        timer: setTimeout(() => {
          this.pending.delete(entry);
          reject(new Error(`Discord emulator: timed out after ${timeoutMs} ms ${describe()}`));
        }, timeoutMs),
      };
      this.pending.add(entry);
    });
  }

  notify(): void {
    for (const entry of [...this.pending]) {
      let result: unknown;
      try {
        result = entry.check();
      } catch (error) {
        this.settle(entry);
        entry.reject(error as Error);
        continue;
      }
      if (result !== undefined) {
        this.settle(entry);
        entry.resolve(result);
      }
    }
  }

  rejectAll(reason: string): void {
    for (const entry of [...this.pending]) {
      this.settle(entry);
      entry.reject(new Error(`Discord emulator: ${reason}`));
    }
  }

  private settle(entry: Pending): void {
    clearTimeout(entry.timer);
    this.pending.delete(entry);
  }
}
