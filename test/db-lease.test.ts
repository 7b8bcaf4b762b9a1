// The job lease on both engines: a real SQLite file and a real PostgreSQL server, with several
// independent connections standing in for several bot processes.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.ts';
import { JobLease } from '../src/db/lease.ts';
import { TEST_ENGINES } from './support/both-engines.ts';

const TTL = 60_000;

let leaseNames = 0;

describe.each(TEST_ENGINES)('the job lease on %s', (_label, makeEngine) => {
  const engine = makeEngine();
  const clock = new ManualClock('2026-03-02T10:00:00Z');
  function processes(count: number): JobLease[] {
    const name = `scheduler-${++leaseNames}`;
    return Array.from(
      { length: count },
      (_, i) =>
        new JobLease({ db: engine.connect(), name, holder: `host-${i}:${1000 + i}`, ttlMs: TTL, clock }),
    );
  }

  it('is held by the first process to ask; the others see who holds it until when', async () => {
    const [a, b] = processes(2) as [JobLease, JobLease];
    const start = clock.now().getTime();
    expect(await a.acquire()).toEqual({ held: true, fence: 1, expiresAtMs: start + TTL });
    expect(await b.acquire()).toEqual({
      held: false,
      holder: 'host-0:1000',
      expiresAtMs: start + TTL,
      lost: false,
    });
    expect(a.fence).toBe(1);
    expect(b.fence).toBeUndefined();
    clock.advance(10_000);
    // Asking again while holding it renews it, under the same fence.
    expect(await a.acquire()).toEqual({ held: true, fence: 1, expiresAtMs: start + 10_000 + TTL });
  });

  it('stays with a holder that renews, and passes to another process once it lapses', async () => {
    const [a, b] = processes(2) as [JobLease, JobLease];
    await a.acquire();
    for (let i = 0; i < 5; i++) {
      clock.advance(TTL / 3);
      expect((await a.renew()).held).toBe(true);
      expect((await b.acquire()).held).toBe(false);
    }
    // a dies (no more renewals): at its expiry, b takes over under a higher fence.
    clock.advance(TTL - 1);
    expect((await b.acquire()).held).toBe(false);
    clock.advance(1);
    expect(await b.acquire()).toMatchObject({ held: true, fence: 2 });
    // a was only frozen: its next renewal tells it that it lost the lease.
    expect(await a.renew()).toMatchObject({ held: false, holder: 'host-1:1001', lost: true });
    expect(a.fence).toBeUndefined();
    expect(await a.acquire()).toMatchObject({ held: false, holder: 'host-1:1001' });
  });

  it('does not let a holder renew a lease it let expire, even when nobody took it', async () => {
    const [a] = processes(1) as [JobLease];
    await a.acquire();
    clock.advance(TTL);
    expect(a.fence).toBeUndefined();
    expect(await a.renew()).toMatchObject({ held: false, lost: true });
    // Taking it again is a new holding: a new fence.
    expect(await a.acquire()).toMatchObject({ held: true, fence: 2 });
  });

  it('is free at once after a release, and fences keep rising', async () => {
    const [a, b] = processes(2) as [JobLease, JobLease];
    await a.acquire();
    await a.release();
    expect(a.fence).toBeUndefined();
    expect(await b.acquire()).toMatchObject({ held: true, fence: 2 });
    await b.release();
    expect(await a.acquire()).toMatchObject({ held: true, fence: 3 });
    // Releasing a lease lost to another process leaves the new holder's alone.
    clock.advance(TTL);
    expect(await b.acquire()).toMatchObject({ held: true, fence: 4 });
    await a.release();
    expect(await b.renew()).toMatchObject({ held: true, fence: 4 });
  });

  it('goes to exactly one of many processes asking at the same moment, round after round', async () => {
    const racers = processes(8);
    for (let round = 1; round <= 5; round++) {
      const results = await Promise.all(racers.map((r) => r.acquire()));
      const winners = results.filter((r) => r.held);
      expect(winners).toHaveLength(1);
      expect(winners[0]).toMatchObject({ fence: round });
      expect(racers.filter((r) => r.fence !== undefined)).toHaveLength(1);
      clock.advance(TTL);
    }
  });
});
