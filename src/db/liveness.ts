// Which bot processes sharing a PostgreSQL are alive. Each process holds a session-level advisory lock
// on its own number for as long as it runs, on a connection of its own; PostgreSQL releases it the
// moment that session ends, which is the moment the process dies (the kernel closes its socket, even on
// SIGKILL). Whoever can take a process's lock knows it is gone, so its unfinished work can be closed at
// once instead of after a timeout. The two-number form keeps these locks apart from the others.
import { randomInt } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import type { Logger } from '../log.ts';
import type { DB } from './schema.ts';

const LIVENESS_CLASS = 0x6f_6d68_6c; // 'omhl'

export class ProcessLiveness {
  private client: pg.Client | undefined;
  private closing = false;

  private constructor(
    /** This process's number, recorded on the work it owns. */
    readonly id: number,
    private readonly url: string,
    private readonly db: Kysely<DB>,
    private readonly log: Logger,
  ) {}

  static async start(url: string, db: Kysely<DB>, log: Logger): Promise<ProcessLiveness> {
    const liveness = new ProcessLiveness(randomInt(1, 2 ** 31 - 1), url, db, log);
    await liveness.hold();
    return liveness;
  }

  private async hold(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, application_name: 'open-model-hub liveness' });
    // pg reports a lost connection as 'error' and then 'end'; 'end' alone starts the one retry chain.
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query('SELECT pg_advisory_lock($1::int, $2::int)', [LIVENESS_CLASS, this.id]);
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    this.client = client;
    client.on('end', () => {
      if (this.closing) return;
      // Until it is back, other processes may take this process for gone and close its running answers.
      this.log.warn('The liveness connection to PostgreSQL closed; opening it again');
      this.retry();
    });
  }

  private retry(): void {
    const timer = setTimeout(() => {
      if (!this.closing) void this.hold().catch(() => this.retry());
    }, 1_000);
    timer.unref();
  }

  /** False once the process numbered `id` has ended (its lock is free). */
  async isAlive(id: number): Promise<boolean> {
    if (id === this.id) return true;
    return this.db.connection().execute(async (conn) => {
      const { rows } = await sql<{
        got: boolean;
      }>`SELECT pg_try_advisory_lock(${LIVENESS_CLASS}::int, ${id}::int) AS got`.execute(conn);
      if (!rows[0]!.got) return true;
      await sql`SELECT pg_advisory_unlock(${LIVENESS_CLASS}::int, ${id}::int)`.execute(conn);
      return false;
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.client?.end().catch(() => {});
  }
}
