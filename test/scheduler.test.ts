import { describe, expect, it } from 'vitest';
import { createLogger, LogCollector } from '../src/log.ts';
import { Scheduler } from '../src/scheduler.ts';
import { startTestHub } from './support/harness.ts';
import { ManualTimers } from './support/manual-timers.ts';

const MINUTE = 60_000;

function setup() {
  const timers = new ManualTimers(Date.parse('2026-11-23T09:07:00Z'));
  const logs = new LogCollector();
  const scheduler = new Scheduler(createLogger({ level: 'debug', destination: logs }), timers);
  return { timers, logs, scheduler };
}

describe('interval jobs', () => {
  it('runs every 45 minutes with even gaps, not at :00 and :45 like the cron */45', async () => {
    const { timers, scheduler } = setup();
    const runs: number[] = [];
    scheduler.every(45 * MINUTE, { name: 'sync', run: async () => void runs.push(timers.now()) });
    await timers.advance(4 * 60 * MINUTE);
    await scheduler.stop();
    expect(runs).toHaveLength(5);
    const gaps = runs.slice(1).map((at, i) => (at - runs[i]!) / MINUTE);
    expect(gaps).toEqual([45, 45, 45, 45]);
    expect(new Date(runs[0]!).toISOString()).toBe('2026-11-23T09:52:00.000Z');
  });

  it('skips a tick while the previous run is still going, and keeps the rhythm after it', async () => {
    const { timers, scheduler } = setup();
    let release: () => void = () => {};
    const starts: number[] = [];
    scheduler.every(10 * MINUTE, {
      name: 'slow',
      run: () => {
        starts.push(timers.now());
        return starts.length === 1 ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve();
      },
    });
    await timers.advance(25 * MINUTE); // ticks at 10 and 20; the first run is still going at 20
    expect(starts).toHaveLength(1);
    release();
    await new Promise((resolve) => setImmediate(resolve));
    await timers.advance(5 * MINUTE); // tick at 30
    expect(starts.map((at) => (at - starts[0]!) / MINUTE)).toEqual([0, 20]);
    await scheduler.stop();
  });

  it('logs a failing run and runs again at the next tick', async () => {
    const { timers, logs, scheduler } = setup();
    let calls = 0;
    scheduler.every(5 * MINUTE, {
      name: 'flaky',
      run: async () => {
        calls += 1;
        if (calls === 1) throw new Error('GitHub is down');
      },
    });
    await timers.advance(10 * MINUTE);
    expect(calls).toBe(2);
    expect(logs.messages()).toContain('Scheduled job flaky failed; it will run again at its next tick');
    await scheduler.stop();
  });

  it('never fires after stop', async () => {
    const { timers, scheduler } = setup();
    let calls = 0;
    scheduler.every(MINUTE, { name: 'x', run: async () => void calls++ });
    await scheduler.stop();
    expect(timers.scheduled).toBe(0);
    await timers.advance(10 * MINUTE);
    expect(calls).toBe(0);
  });

  it('schedules the filed-issue sync on a true IDEAS_SYNC_MINUTES interval', async () => {
    const t = await startTestHub({
      schedule: true,
      env: { IDEAS_SYNC_MINUTES: '45', GITHUB_TOKEN: 'ghp_test', GITHUB_API_URL: 'http://127.0.0.1:9' },
    });
    try {
      expect(t.hub.scheduler.jobs()).toContainEqual({ name: 'ideas-issue-sync', everyMs: 45 * MINUTE });
    } finally {
      await t.stop();
    }
  });
});
