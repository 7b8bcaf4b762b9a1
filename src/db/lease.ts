// The job lease: when several bot processes share one database, the scheduled jobs (polling,
// deliveries, idea sync, digests, backups) run in the one process holding this row. It expires
// unless renewed, so when its holder dies another process takes over within one ttl.
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.ts';
import type { DB } from './schema.ts';

export type LeaseState =
  | { held: true; fence: number; expiresAtMs: number }
  /** lost: this process held the lease and no longer does (expired, or taken over). */
  | { held: false; holder: string | null; expiresAtMs: number | null; lost: boolean };

export interface JobLeaseOptions {
  db: Kysely<DB>;
  /** One lease per group of jobs that must not run twice at once, e.g. 'scheduler'. */
  name: string;
  /** Unique per process start (host, pid and a random part): a restarted process is a new holder. */
  holder: string;
  /** How long the lease lasts without renewal; renew at a third of it to survive a slow query. */
  ttlMs: number;
  /**
   * Expiry is judged by the clock of the process that asks, so the clocks of the machines sharing
   * the database must agree (NTP) to well within ttlMs.
   */
  clock: Clock;
}

/**
 * One process's hold on a named lease. Every change of holder raises the row's fence, and renew
 * and release match on it: a holder that paused past its expiry (a long GC, a frozen VM) and was
 * replaced learns so on its next renew, instead of running jobs beside the new holder. Writes that
 * must never come from a replaced holder can check the fence too (see `fence`).
 */
export class JobLease {
  private held: { fence: number; expiresAtMs: number } | undefined;

  constructor(private readonly o: JobLeaseOptions) {
    if (!(o.ttlMs > 0)) throw new Error('JobLease ttlMs must be a positive number of milliseconds');
  }

  /** The fence this process holds the lease under, or undefined when it does not hold it. */
  get fence(): number | undefined {
    return this.held && this.held.expiresAtMs > this.nowMs() ? this.held.fence : undefined;
  }

  private nowMs(): number {
    return this.o.clock.now().getTime();
  }

  /**
   * Takes the lease when nobody holds it, its holder let it expire, or this process already holds
   * it (then it is renewed, same fence). One statement, so of two processes racing, one wins.
   */
  async acquire(): Promise<LeaseState> {
    const { db, name, holder, ttlMs } = this.o;
    const now = this.nowMs();
    const expires = now + ttlMs;
    const row = await db
      .insertInto('job_leases')
      .values({
        name,
        holder,
        fence: 1,
        acquired_at_ms: now,
        renewed_at_ms: now,
        expires_at_ms: expires,
      })
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet((eb) => ({
            holder,
            fence: eb
              .case()
              .when(eb.and([eb('job_leases.holder', '=', holder), eb('job_leases.expires_at_ms', '>', now)]))
              .then(eb.ref('job_leases.fence'))
              .else(eb('job_leases.fence', '+', 1))
              .end(),
            acquired_at_ms: eb
              .case()
              .when(eb.and([eb('job_leases.holder', '=', holder), eb('job_leases.expires_at_ms', '>', now)]))
              .then(eb.ref('job_leases.acquired_at_ms'))
              .else(now)
              .end(),
            renewed_at_ms: now,
            expires_at_ms: expires,
          }))
          .where((eb) =>
            eb.or([eb('job_leases.expires_at_ms', '<=', now), eb('job_leases.holder', '=', holder)]),
          ),
      )
      .returning(['fence', 'expires_at_ms'])
      .executeTakeFirst();
    if (row) {
      this.held = { fence: Number(row.fence), expiresAtMs: Number(row.expires_at_ms) };
      return { held: true, ...this.held };
    }
    const lost = this.held !== undefined;
    this.held = undefined;
    return this.heldByOther(lost);
  }

  /**
   * Extends a lease this process holds. Fails (held: false, lost: true) when it expired or another
   * process took it over meanwhile: the caller must stop its jobs, then may try acquire again.
   */
  async renew(): Promise<LeaseState> {
    const { db, name, holder, ttlMs } = this.o;
    const mine = this.held;
    if (!mine) return { held: false, holder: null, expiresAtMs: null, lost: false };
    const now = this.nowMs();
    const row = await db
      .updateTable('job_leases')
      .set({ renewed_at_ms: now, expires_at_ms: now + ttlMs })
      .where('name', '=', name)
      .where('holder', '=', holder)
      .where('fence', '=', mine.fence)
      .where('expires_at_ms', '>', now)
      .returning(['fence', 'expires_at_ms'])
      .executeTakeFirst();
    if (row) {
      this.held = { fence: Number(row.fence), expiresAtMs: Number(row.expires_at_ms) };
      return { held: true, ...this.held };
    }
    this.held = undefined;
    return this.heldByOther(true);
  }

  /** Who holds the lease instead (if anyone), and until when. */
  private async heldByOther(lost: boolean): Promise<LeaseState> {
    const current = await this.o.db
      .selectFrom('job_leases')
      .select(['holder', 'expires_at_ms'])
      .where('name', '=', this.o.name)
      .executeTakeFirst();
    return {
      held: false,
      holder: current?.holder ?? null,
      expiresAtMs: current?.expires_at_ms ?? null,
      lost,
    };
  }

  /**
   * Ends the lease of `holder` now, when another process knows it is gone (src/db/liveness.ts), so
   * the lease need not run out first. Only that holder's: if it changed meanwhile nothing happens.
   */
  async expireHolder(holder: string): Promise<void> {
    const now = this.nowMs();
    await this.o.db
      .updateTable('job_leases')
      .set({ expires_at_ms: now })
      .where('name', '=', this.o.name)
      .where('holder', '=', holder)
      .where('expires_at_ms', '>', now)
      .execute();
  }

  /**
   * Gives the lease up at once (graceful shutdown), so another process need not wait for the
   * expiry. The row stays, with its fence, so the next holder's fence is still higher.
   */
  async release(): Promise<void> {
    const mine = this.held;
    this.held = undefined;
    if (!mine) return;
    const now = this.nowMs();
    await this.o.db
      .updateTable('job_leases')
      .set({ expires_at_ms: now, renewed_at_ms: now })
      .where('name', '=', this.o.name)
      .where('holder', '=', this.o.holder)
      .where('fence', '=', mine.fence)
      .where('expires_at_ms', '>', now)
      .execute();
  }
}
