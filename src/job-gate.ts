// Several bot processes may share one database; the scheduled jobs (polling, deliveries, idea sync
// and publish retries, digests, backups) must run in only one of them at a time. The Scheduler asks
// its gate before every run; the lease gate says yes only while this process holds the job lease
// (src/db/lease.ts), and the Scheduler renews it on a timer, so a standby process takes the jobs over
// within one lease ttl (plus one renewal period) of the holder's death.
import type { Clock } from './clock.ts';
import type { JobLease, LeaseState } from './db/lease.ts';
import type { Logger } from './log.ts';

export interface JobGate {
  /** True when this process may run scheduled jobs now. Never throws: a failed check is a no. */
  mayRun(): Promise<boolean>;
  /** How often the Scheduler calls `mayRun` on its own, to renew the lease or take it over. */
  readonly checkEveryMs: number;
  /** Lets the jobs go at once (graceful shutdown) so another process need not wait for the expiry. */
  release(): Promise<void>;
}

/** The one process of a SQLite hub always runs its jobs. */
export const alwaysRun: JobGate = {
  mayRun: async () => true,
  checkEveryMs: 60_000,
  release: async () => {},
};

export class LeaseGate implements JobGate {
  readonly checkEveryMs: number;
  private checkedAtMs = Number.NEGATIVE_INFINITY;
  private holding = false;
  private standbyLogged: string | null | undefined;
  private checking: Promise<boolean> | undefined;

  constructor(
    private readonly lease: JobLease,
    private readonly o: {
      ttlMs: number;
      clock: Clock;
      log: Logger;
      /** True when the process that holds the lease is known to be gone (its liveness lock is free). */
      holderGone?: (holder: string) => Promise<boolean>;
    },
  ) {
    // A third of the ttl: two renewals may fail (a slow query, a short outage) before the lease lapses.
    this.checkEveryMs = Math.max(1_000, Math.floor(o.ttlMs / 3));
  }

  mayRun(): Promise<boolean> {
    // Jobs that tick at the same moment share one check.
    this.checking ??= this.check().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  private async check(): Promise<boolean> {
    const now = this.o.clock.now().getTime();
    if (this.holding && this.lease.fence !== undefined && now - this.checkedAtMs < this.checkEveryMs)
      return true;
    let state: LeaseState;
    try {
      state = this.holding ? await this.lease.renew() : await this.lease.acquire();
      // Renewal failing means someone else took over; one acquire tells who.
      if (!state.held && this.holding) state = await this.lease.acquire();
      // A holder that died (killed, crashed) need not be waited out: its lease ends now.
      if (!state.held && state.holder && (await this.o.holderGone?.(state.holder))) {
        this.o.log.info({ holder: state.holder }, 'The process holding the job lease is gone; taking over');
        await this.lease.expireHolder(state.holder);
        state = await this.lease.acquire();
      }
    } catch (error) {
      this.o.log.warn(
        { err: error },
        'Could not check the job lease (database unreachable?); scheduled jobs wait until it can be checked',
      );
      this.holding = false;
      return false;
    }
    this.checkedAtMs = now;
    if (state.held) {
      if (!this.holding) {
        this.o.log.info({ fence: state.fence }, 'This process runs the scheduled jobs (job lease taken)');
        this.standbyLogged = undefined;
      }
      this.holding = true;
      return true;
    }
    if (this.holding) this.o.log.warn('Lost the job lease: another process runs the scheduled jobs now');
    this.holding = false;
    if (this.standbyLogged !== state.holder) {
      this.standbyLogged = state.holder;
      this.o.log.info(
        { holder: state.holder },
        'Another process runs the scheduled jobs; this one stands by and takes over if it stops renewing',
      );
    }
    return false;
  }

  async release(): Promise<void> {
    if (!this.holding) return;
    this.holding = false;
    try {
      await this.lease.release();
    } catch (error) {
      this.o.log.warn(
        { err: error },
        'Could not release the job lease; another process takes over when it expires',
      );
    }
  }
}
