import { setMaxListeners } from 'node:events';
import cron, { type ScheduledTask } from 'node-cron';
import { alwaysRun, type JobGate } from './job-gate.ts';
import type { Logger } from './log.ts';

export interface Job {
  name: string;
  /** `signal` aborts when the scheduler stops (shutdown): long jobs stop where they are. */
  run(signal: AbortSignal): Promise<unknown>;
}

/** The timer functions interval jobs use; tests pass a manual one to fire ticks without waiting. */
export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const handle = setTimeout(fn, ms);
    // A pending tick must not keep a stopping process alive.
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** What is scheduled, for /hub status-like views and for tests of the wiring. */
export type JobPlan = { name: string; cron: string; timezone?: string } | { name: string; everyMs: number };

/**
 * Scheduled jobs. A run that is still going when its next tick comes is skipped rather than
 * overlapped, and a failing run is logged, never thrown into node-cron. Tests call the
 * services directly with a fixed clock instead of waiting for ticks.
 *
 * Two kinds: `schedule` for wall-clock times (node-cron: "every minute", "Mondays at 9"), and
 * `every` for "every N minutes". The cron `*\/45` fires at :00 and :45 (gaps of 45 and 15 minutes),
 * so an interval setting is a real interval: ticks at start + N, start + 2N, … without drift.
 */
export class Scheduler {
  private readonly tasks: ScheduledTask[] = [];
  private readonly timerHandles = new Map<string, unknown>();
  private readonly running = new Map<string, Promise<unknown>>();
  private readonly plans: JobPlan[] = [];
  private stopped = false;
  private readonly stopping = new AbortController();
  private gateHandle: unknown;

  /**
   * `gate` decides, before every run, whether this process may run jobs at all (the job lease when
   * several processes share a database); it is checked on its own period too, to renew or take over.
   */
  constructor(
    private readonly log: Logger,
    private readonly timers: Timers = systemTimers,
    private readonly gate: JobGate = alwaysRun,
  ) {
    // Every request and wait of a running job listens to it (polls run 16 at a time).
    setMaxListeners(0, this.stopping.signal);
    if (gate !== alwaysRun) this.armGate();
  }

  private armGate(): void {
    this.gateHandle = this.timers.setTimeout(() => {
      if (this.stopped) return;
      void this.gate.mayRun();
      this.armGate();
    }, this.gate.checkEveryMs);
  }

  /** Whether this process runs the jobs now (asks the gate). */
  mayRun(): Promise<boolean> {
    return this.gate.mayRun();
  }

  /** Runs `job` on a cron expression (node-cron syntax, seconds optional), in `timezone` if given. */
  schedule(expression: string, job: Job, timezone?: string): void {
    const task = cron.schedule(expression, () => void this.runNow(job), {
      name: job.name,
      ...(timezone ? { timezone } : {}),
    });
    this.tasks.push(task);
    this.plans.push({ name: job.name, cron: expression, ...(timezone ? { timezone } : {}) });
  }

  /** Runs `job` every `intervalMs`, the first time one interval from now. */
  every(intervalMs: number, job: Job): void {
    if (!Number.isFinite(intervalMs) || intervalMs < 1000)
      throw new Error(`Interval of ${job.name} must be at least one second, got ${intervalMs} ms`);
    if (this.stopped) return;
    const start = this.timers.now();
    let n = 0;
    const arm = () => {
      // Each tick is placed from the start, not from the previous tick, so late timers never add up.
      n += 1;
      let due = start + n * intervalMs;
      const now = this.timers.now();
      // After a long stall (a suspended laptop), skip the ticks that are already past.
      if (due <= now) {
        n = Math.floor((now - start) / intervalMs) + 1;
        due = start + n * intervalMs;
      }
      this.timerHandles.set(
        job.name,
        this.timers.setTimeout(() => {
          if (this.stopped) return;
          void this.runNow(job);
          arm();
        }, due - now),
      );
    };
    arm();
    this.plans.push({ name: job.name, everyMs: intervalMs });
  }

  /** Every job scheduled so far and when it runs. */
  jobs(): readonly JobPlan[] {
    return this.plans;
  }

  /** Runs a job now unless it is already running; resolves when that run ends. */
  runNow(job: Job): Promise<unknown> {
    if (this.stopped) return Promise.resolve();
    const current = this.running.get(job.name);
    if (current) return current;
    const started = Date.now();
    const run = this.gate
      .mayRun()
      .then((allowed) => {
        if (!allowed || this.stopped) {
          this.log.debug({ job: job.name }, 'job skipped: another process holds the job lease');
          return undefined;
        }
        return job.run(this.stopping.signal);
      })
      .catch((error) =>
        this.log.error(
          { err: error, job: job.name },
          `Scheduled job ${job.name} failed; it will run again at its next tick`,
        ),
      )
      .finally(() => {
        this.running.delete(job.name);
        this.log.debug({ job: job.name, ms: Date.now() - started }, 'job finished');
      });
    this.running.set(job.name, run);
    return run;
  }

  /** Stops future ticks, aborts running jobs' signal and waits (bounded) for them to end. */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    for (const task of this.tasks) await task.stop();
    for (const handle of this.timerHandles.values()) this.timers.clearTimeout(handle);
    this.timerHandles.clear();
    if (this.gateHandle !== undefined) this.timers.clearTimeout(this.gateHandle);
    const all = Promise.allSettled([...this.running.values()]);
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      all.then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    // A job still running past the bound keeps the lease until it expires, so nobody runs beside it.
    if (finished) await this.gate.release();
  }
}
