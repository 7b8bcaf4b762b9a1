// Timers that fire only when a test advances them: interval jobs run deterministically, no sleeps.
import type { Timers } from '../../src/scheduler.ts';

export class ManualTimers implements Timers {
  private ms: number;
  private nextId = 1;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();

  constructor(start = 0) {
    this.ms = start;
  }

  now(): number {
    return this.ms;
  }

  setTimeout(fn: () => void, ms: number): number {
    const id = this.nextId++;
    this.pending.set(id, { at: this.ms + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  get scheduled(): number {
    return this.pending.size;
  }

  /**
   * Moves time on by `ms`, firing every timer that falls due on the way, in order. Between two
   * timers the jobs they started get to settle, as they would in the minutes between real ticks.
   */
  async advance(ms: number): Promise<void> {
    const end = this.ms + ms;
    for (;;) {
      const next = [...this.pending.entries()]
        .filter(([, t]) => t.at <= end)
        .sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (!next) break;
      this.pending.delete(next[0]);
      this.ms = next[1].at;
      next[1].fn();
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.ms = end;
  }
}
