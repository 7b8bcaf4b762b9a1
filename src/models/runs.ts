// model_runs: every generation, recorded as it starts so quotas and the cooldown see it at once.
import { type ExpressionBuilder, type Kysely, sql } from 'kysely';
import type { Clock } from '../clock.ts';
import type { DB } from '../db/schema.ts';
import { addDays, localParts, zonedTime } from '../digest/week.ts';
import type { QuotaLimits } from './config.ts';

export type RunKind = 'try' | 'compare' | 'thread';

export type RunOutcome =
  | 'ok'
  | 'length'
  | 'stopped'
  | 'cut'
  | 'timeout'
  | 'loading'
  | 'busy'
  | 'unknown_model'
  | 'not_configured'
  | 'error'
  | 'blocked_prompt'
  | 'blocked_answer'
  | 'guard_error';

export interface RunStart {
  guildId: string;
  channelId: string;
  userId: string;
  model: string;
  provider: string;
  kind: RunKind;
  tokensIn: number;
}

export interface RunEnd {
  outcome: RunOutcome;
  firstTokenMs?: number | undefined;
  durationMs: number;
  tokensIn?: number | undefined;
  tokensOut: number;
  guardPolicy?: string | undefined;
  error?: string | undefined;
}

/** Over a limit: what was hit and when it resets, for a private answer. */
export class QuotaExceeded extends Error {
  override name = 'QuotaExceeded';
  constructor(
    readonly scope: 'cooldown' | 'user_requests' | 'user_tokens' | 'guild_requests' | 'guild_tokens',
    readonly resetsAt: Date,
    readonly limit: number,
    /** The server's time zone, whose midnight resets the daily quotas. */
    readonly timeZone = 'UTC',
  ) {
    super(`quota ${scope} reached`);
  }
}

/** The class of the advisory locks begin() takes on PostgreSQL, one per server (fixed forever). */
const RUNS_LOCK_CLASS = 0x6d72_756e; // 'mrun'

/**
 * Which running runs a stopped process left: those of processes known to be gone (`owners`), and
 * any started before `startedBefore` (older than a live answer can be; also rows without an owner).
 */
export interface LeftBehind {
  owners?: number[];
  startedBefore?: Date;
}

function leftBehind(eb: ExpressionBuilder<DB, 'model_runs'>, left: LeftBehind) {
  const or = [];
  if (left.owners && left.owners.length > 0) or.push(eb('owner', 'in', left.owners));
  if (left.startedBefore) or.push(eb('started_at', '<', left.startedBefore.toISOString()));
  return or.length > 0 ? eb.or(or) : eb.lit(false);
}

export class ModelRunStore {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly clock: Clock,
    private readonly engine: 'sqlite' | 'postgres' = 'sqlite',
    /** This process's number (src/db/liveness.ts), recorded on each run it streams. */
    private readonly owner: number | null = null,
  ) {}

  /** Processes other than this one with runs still marked running. */
  async runningOwners(): Promise<number[]> {
    const rows = await this.db
      .selectFrom('model_runs')
      .select('owner')
      .distinct()
      .where('outcome', '=', 'running')
      .where('owner', 'is not', null)
      .execute();
    return rows.map((r) => r.owner!).filter((o) => o !== this.owner);
  }

  /**
   * Checks cooldown and daily quotas, then records the run as running, in one transaction so a
   * double-click cannot slip two runs past the checks. Returns the run ids (one per model).
   *
   * SQLite's one connection runs the transactions one at a time. On PostgreSQL, where several bot
   * processes start runs at once, the transaction first takes the server's advisory lock: the
   * checks and the insert of two processes never interleave (read committed alone would let both
   * count the same rows and both pass a limit of 1). The lock is the server's, not the member's,
   * because the server-wide limits are counted in the same check; it is held for a few
   * milliseconds and released by the commit.
   */
  async begin(
    starts: RunStart[],
    limits: QuotaLimits,
    cooldownMs: number,
    timeZone = 'UTC',
  ): Promise<number[]> {
    const first = starts[0]!;
    const cooling = first.kind !== 'thread' && cooldownMs > 0;
    const limited = Object.values(limits).some((limit) => limit > 0);
    // Nothing to count against (no cooldown, every limit off): the runs are only recorded, and no
    // lock makes the server's runs wait for each other.
    if (!cooling && !limited) {
      if (starts.length === 1) return [await this.insertRun(this.db, first, this.clock.now())];
      return this.db.transaction().execute(async (trx) => {
        const now = this.clock.now();
        const ids: number[] = [];
        for (const s of starts) ids.push(await this.insertRun(trx, s, now));
        return ids;
      });
    }
    return this.db.transaction().execute(async (trx) => {
      if (this.engine === 'postgres')
        await sql`SELECT pg_advisory_xact_lock(${sql.lit(RUNS_LOCK_CLASS)}, hashtext(${first.guildId}))`.execute(
          trx,
        );
      const now = this.clock.now();
      const { dayStart, tomorrow } = serverDay(now, timeZone);
      // A thread conversation is a run per message; only slash commands have the double-click problem.
      if (cooling) {
        const row = await trx
          .selectFrom('model_runs')
          .select((eb) => eb.fn.max('started_at').as('at'))
          .where('guild_id', '=', first.guildId)
          .where('user_id', '=', first.userId)
          .where('kind', '!=', 'thread')
          .executeTakeFirst();
        const last = row?.at ?? null;
        if (last && now.getTime() - Date.parse(last) < cooldownMs)
          throw new QuotaExceeded('cooldown', new Date(Date.parse(last) + cooldownMs), cooldownMs);
      }
      const { user, guild } = await usageSince(trx, first.guildId, first.userId, dayStart.toISOString());
      const n = starts.length;
      const check = (scope: QuotaExceeded['scope'], used: number, adding: number, limit: number) => {
        if (limit > 0 && used + adding > limit) throw new QuotaExceeded(scope, tomorrow, limit, timeZone);
      };
      check('user_requests', user.requests, n, limits.userDailyRequests);
      check('guild_requests', guild.requests, n, limits.guildDailyRequests);
      // Tokens are known only afterwards, so a run may start while any budget is left.
      const spent = (scope: QuotaExceeded['scope'], used: number, limit: number) => {
        if (limit > 0 && used >= limit) throw new QuotaExceeded(scope, tomorrow, limit, timeZone);
      };
      spent('user_tokens', user.tokens, limits.userDailyTokens);
      spent('guild_tokens', guild.tokens, limits.guildDailyTokens);
      // One insert per model (at most a few), so each id is known to belong to its start.
      const ids: number[] = [];
      for (const s of starts) ids.push(await this.insertRun(trx, s, now));
      return ids;
    });
  }

  private async insertRun(db: Kysely<DB>, s: RunStart, now: Date): Promise<number> {
    const row = await db
      .insertInto('model_runs')
      .values({
        guild_id: s.guildId,
        channel_id: s.channelId,
        user_id: s.userId,
        model: s.model,
        provider: s.provider,
        kind: s.kind,
        started_at: now.toISOString(),
        tokens_in: s.tokensIn,
        owner: this.owner,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  async finish(runId: number, end: RunEnd): Promise<void> {
    await this.db
      .updateTable('model_runs')
      .set({
        outcome: end.outcome,
        finished_at: this.clock.now().toISOString(),
        first_token_ms: end.firstTokenMs === undefined ? null : Math.round(end.firstTokenMs),
        duration_ms: Math.round(end.durationMs),
        ...(end.tokensIn !== undefined && end.tokensIn !== null ? { tokens_in: end.tokensIn } : {}),
        tokens_out: end.tokensOut,
        guard_policy: end.guardPolicy ?? null,
        error: end.error ?? null,
      })
      .where('id', '=', runId)
      .execute();
  }

  /** Runs reserved for a request that was then refused before anything was sent: as if never made. */
  async discard(runIds: number[]): Promise<void> {
    if (runIds.length === 0) return;
    await this.db
      .deleteFrom('model_runs')
      .where('id', 'in', runIds)
      .where('outcome', '=', 'running')
      .execute();
  }

  /** Where a running answer is visible (guard on): what a crash would leave unscreened. */
  async recordShown(runId: number, messages: ShownMessage[]): Promise<void> {
    await this.db
      .updateTable('model_runs')
      .set({ shown_messages: JSON.stringify(messages) })
      .where('id', '=', runId)
      .where('outcome', '=', 'running')
      .execute();
  }

  /**
   * Messages of answers a stopped process left running, before closeInterrupted() closes them.
   * `left` as in closeInterrupted.
   */
  async unscreenedLeftovers(left?: LeftBehind): Promise<ShownMessage[]> {
    const rows = await this.db
      .selectFrom('model_runs')
      .select('shown_messages')
      .where('outcome', '=', 'running')
      .where('shown_messages', 'is not', null)
      .$call((q) => (left ? q.where((eb) => leftBehind(eb, left)) : q))
      .execute();
    return rows.flatMap((r) => JSON.parse(r.shown_messages!) as ShownMessage[]);
  }

  /**
   * Runs left "running" by a process that stopped mid-answer; returns how many were closed.
   * Without `left`, every running run (one process owns the database, and it is starting); with it,
   * only the runs of processes known to be gone and runs older than any live answer can be, so the
   * runs of live processes sharing the database stay as they are.
   */
  async closeInterrupted(left?: LeftBehind): Promise<number> {
    const result = await this.db
      .updateTable('model_runs')
      .set({
        outcome: 'error',
        finished_at: this.clock.now().toISOString(),
        error: 'interrupted: the bot stopped during the answer',
      })
      .where('outcome', '=', 'running')
      .$call((q) => (left ? q.where((eb) => leftBehind(eb, left)) : q))
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** Today's use (in the server's time zone) by one user, or by the whole server without userId. */
  async usedToday(guildId: string, userId?: string, timeZone = 'UTC'): Promise<Usage> {
    const since = serverDay(this.clock.now(), timeZone).dayStart.toISOString();
    const usage = await usageSince(this.db, guildId, userId ?? null, since);
    return userId ? usage.user : usage.guild;
  }

  async get(runId: number): Promise<Record<string, unknown> | undefined> {
    return (await this.db.selectFrom('model_runs').selectAll().where('id', '=', runId).executeTakeFirst()) as
      | Record<string, unknown>
      | undefined;
  }
}

/**
 * The server's and one member's use since `since`, in one read (the member's part is 0 without
 * userId). SUM of bigint is numeric on PostgreSQL, which pg hands over as text: hence Number().
 */
async function usageSince(
  db: Kysely<DB>,
  guildId: string,
  userId: string | null,
  since: string,
): Promise<{ user: Usage; guild: Usage }> {
  const mine = sql`user_id = ${userId ?? ''}`;
  const { rows } = await sql<{
    requests: number | string;
    tokens: number | string;
    user_requests: number | string | null;
    user_tokens: number | string | null;
  }>`SELECT COUNT(*) AS requests, COALESCE(SUM(tokens_in + tokens_out), 0) AS tokens,
      COALESCE(SUM(CASE WHEN ${mine} THEN 1 ELSE 0 END), 0) AS user_requests,
      COALESCE(SUM(CASE WHEN ${mine} THEN tokens_in + tokens_out ELSE 0 END), 0) AS user_tokens
    FROM model_runs WHERE guild_id = ${guildId} AND started_at >= ${since}`.execute(db);
  const r = rows[0];
  return {
    guild: { requests: Number(r?.requests ?? 0), tokens: Number(r?.tokens ?? 0) },
    user: { requests: Number(r?.user_requests ?? 0), tokens: Number(r?.user_tokens ?? 0) },
  };
}

/** The server's day (midnight to midnight in its time zone) that contains `now`. */
export function serverDay(now: Date, timeZone: string): { dayStart: Date; tomorrow: Date } {
  // Every /try and /hub status asks for today; computing it is up to nine Intl formatToParts calls
  // (a sixth of the garbage /hub status made in bench/scale.ts), so each zone's day is kept until it ends.
  const cached = days.get(timeZone);
  const ms = now.getTime();
  if (cached && ms >= cached.startMs && ms < cached.endMs)
    return { dayStart: new Date(cached.startMs), tomorrow: new Date(cached.endMs) };
  const today = localParts(now, timeZone);
  const dayStart = zonedTime(today, 0, 0, timeZone);
  const tomorrow = zonedTime(addDays(today, 1), 0, 0, timeZone);
  days.set(timeZone, { startMs: dayStart.getTime(), endMs: tomorrow.getTime() });
  return { dayStart, tomorrow };
}

/** The day last computed per time zone (a few hundred zones at most). */
const days = new Map<string, { startMs: number; endMs: number }>();

export interface ShownMessage {
  channelId: string;
  messageId: string;
}

export interface Usage {
  requests: number;
  tokens: number;
}
