import { setMaxListeners } from 'node:events';
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from './log.ts';

export interface Job {
  name: string;
  /** `signal` aborts when the scheduler stops (shutdown): long jobs stop where they are. */
  run(signal: AbortSignal): Promise<unknown>;
}

/**
 * Scheduled jobs. A run that is still going when its next tick comes is skipped rather than
 * overlapped, and a failing run is logged, never thrown into node-cron. Tests call the
 * services directly with a fixed clock instead of waiting for ticks.
 */
export class Scheduler {
  private readonly tasks: ScheduledTask[] = [];
  private readonly running = new Map<string, Promise<unknown>>();
  private stopped = false;
  private readonly stopping = new AbortController();

  constructor(private readonly log: Logger) {
    // Every request and wait of a running job listens to it (polls run 16 at a time).
    setMaxListeners(0, this.stopping.signal);
  }

  /** Runs `job` on a cron expression (node-cron syntax, seconds optional), in `timezone` if given. */
  schedule(expression: string, job: Job, timezone?: string): void {
    const task = cron.schedule(expression, () => void this.runNow(job), {
      name: job.name,
      ...(timezone ? { timezone } : {}),
    });
    this.tasks.push(task);
  }

  /** Runs a job now unless it is already running; resolves when that run ends. */
  runNow(job: Job): Promise<unknown> {
    if (this.stopped) return Promise.resolve();
    const current = this.running.get(job.name);
    if (current) return current;
    const started = Date.now();
    const run = job
      .run(this.stopping.signal)
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
    const all = Promise.allSettled([...this.running.values()]);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }
}
