// The Scheduler behind the job lease: of several processes sharing one database (separate
// connections to a real SQLite file or a real PostgreSQL), only the lease holder runs jobs; when it
// dies another takes them over within the ttl plus one check; a graceful stop hands them over at once.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.ts';
import { holderGoneBy, processHolderId } from '../src/db/connect.ts';
import { JobLease } from '../src/db/lease.ts';
import { ProcessLiveness } from '../src/db/liveness.ts';
import { LeaseGate } from '../src/job-gate.ts';
import { createLogger, LogCollector } from '../src/log.ts';
import { Scheduler } from '../src/scheduler.ts';
import { postgresTestEngine, TEST_ENGINES } from './support/both-engines.ts';
import { ManualTimers } from './support/manual-timers.ts';

const TTL = 60_000;
let names = 0;

describe.each(TEST_ENGINES)('scheduled jobs behind the job lease on %s', (_label, makeEngine) => {
  const engine = makeEngine();

  function cluster(count: number) {
    const name = `jobs-${++names}`;
    const clock = new ManualClock('2026-03-02T10:00:00Z');
    const timers = new ManualTimers(clock.now().getTime());
    const processes = Array.from({ length: count }, (_, i) => {
      const logs = new LogCollector();
      const log = createLogger({ level: 'debug', destination: logs });
      const lease = new JobLease({ db: engine.connect(), name, holder: `host-${i}`, ttlMs: TTL, clock });
      const scheduler = new Scheduler(log, timers, new LeaseGate(lease, { ttlMs: TTL, clock, log }));
      const runs: number[] = [];
      const job = { name: 'poll', run: async () => runs.push(clock.now().getTime()) };
      return { scheduler, runs, job, logs };
    });
    /** Moves both clocks on together, firing the schedulers' own lease checks on the way. */
    const advance = async (ms: number) => {
      clock.advance(ms);
      await timers.advance(ms);
    };
    return { processes, advance, clock };
  }

  it('runs a job only in the process holding the lease', async () => {
    const { processes } = cluster(2);
    const [a, b] = processes as [(typeof processes)[0], (typeof processes)[0]];
    await a.scheduler.runNow(a.job);
    await b.scheduler.runNow(b.job);
    await a.scheduler.runNow(a.job);
    expect(a.runs).toHaveLength(2);
    expect(b.runs).toHaveLength(0);
    expect(b.logs.messages().join('\n')).toContain('Another process runs the scheduled jobs');
    await Promise.all([a.scheduler.stop(), b.scheduler.stop()]);
  });

  it('keeps the lease while alive: its own checks renew it past many ttls', async () => {
    const { processes, advance } = cluster(2);
    const [a, b] = processes as [(typeof processes)[0], (typeof processes)[0]];
    await a.scheduler.runNow(a.job);
    for (let minute = 0; minute < 5; minute++) {
      await advance(TTL / 3);
      await a.scheduler.mayRun();
      await b.scheduler.runNow(b.job);
    }
    expect(b.runs).toHaveLength(0);
    await a.scheduler.runNow(a.job);
    expect(a.runs).toHaveLength(2);
    await Promise.all([a.scheduler.stop(), b.scheduler.stop()]);
  });

  it('moves the jobs to another process within the ttl plus one check when the holder dies', async () => {
    const { processes, advance, clock } = cluster(2);
    const [a, b] = processes as [(typeof processes)[0], (typeof processes)[0]];
    await a.scheduler.runNow(a.job);
    const died = clock.now().getTime();
    // The holder "dies": its scheduler never checks again (stopped without letting go of the lease).
    (a.scheduler as unknown as { stopped: boolean }).stopped = true;
    let takenAt: number | undefined;
    for (let step = 0; step < 12 && takenAt === undefined; step++) {
      await advance(10_000);
      await b.scheduler.mayRun();
      await b.scheduler.runNow(b.job);
      if (b.runs.length > 0) takenAt = clock.now().getTime();
    }
    expect(takenAt).toBeDefined();
    expect((takenAt ?? 0) - died).toBeGreaterThan(TTL - 1);
    expect((takenAt ?? 0) - died).toBeLessThanOrEqual(TTL + TTL / 3 + 10_000);
    // The old holder, should it wake up, learns that it lost the lease and runs nothing.
    (a.scheduler as unknown as { stopped: boolean }).stopped = false;
    await a.scheduler.runNow(a.job);
    expect(a.runs).toHaveLength(1);
    expect(a.logs.messages().join('\n')).toContain('Lost the job lease');
    await Promise.all([a.scheduler.stop(), b.scheduler.stop()]);
  });

  it('hands the jobs over at once on a graceful stop', async () => {
    const { processes } = cluster(2);
    const [a, b] = processes as [(typeof processes)[0], (typeof processes)[0]];
    await a.scheduler.runNow(a.job);
    await a.scheduler.stop();
    await b.scheduler.runNow(b.job);
    expect(b.runs).toHaveLength(1);
    await b.scheduler.stop();
  });
});

describe('on PostgreSQL, with process liveness', () => {
  const engine = postgresTestEngine();

  it('takes the jobs over at the next check, not after the ttl, when the holder is known to be gone', async () => {
    const name = `jobs-${++names}`;
    const clock = new ManualClock('2026-03-02T10:00:00Z');
    const timers = new ManualTimers(clock.now().getTime());
    const processes = await Promise.all(
      [0, 1].map(async () => {
        const db = engine.connect();
        const liveness = await ProcessLiveness.start(engine.url, db, createLogger({ level: 'silent' }));
        const logs = new LogCollector();
        const log = createLogger({ level: 'debug', destination: logs });
        const holder = processHolderId(liveness.id);
        const lease = new JobLease({ db, name, holder, ttlMs: TTL, clock });
        const gate = new LeaseGate(lease, {
          ttlMs: TTL,
          clock,
          log,
          holderGone: holderGoneBy((id) => liveness.isAlive(id)),
        });
        const scheduler = new Scheduler(log, timers, gate);
        const runs: number[] = [];
        return { scheduler, liveness, logs, runs, job: { name: 'poll', run: async () => runs.push(1) } };
      }),
    );
    const [a, b] = processes as [(typeof processes)[0], (typeof processes)[0]];
    try {
      await a.scheduler.runNow(a.job);
      await b.scheduler.runNow(b.job);
      expect([a.runs.length, b.runs.length]).toEqual([1, 0]);
      // The holder dies without a word: its session ends (its liveness lock is freed), its lease stays.
      (a.scheduler as unknown as { stopped: boolean }).stopped = true;
      await a.liveness.close();
      clock.advance(1_000);
      await b.scheduler.runNow(b.job);
      expect(b.runs).toHaveLength(1);
      expect(b.logs.messages()).toContain('The process holding the job lease is gone; taking over');
    } finally {
      await Promise.all(processes.map((p) => p.scheduler.stop()));
      await Promise.all(processes.map((p) => p.liveness.close()));
    }
  });
});
