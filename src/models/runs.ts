// model_runs: every generation, recorded as it starts so quotas and the cooldown see it at once.
import type { Clock } from '../clock.ts';
import type { Db } from '../db/open.ts';
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

export class ModelRunStore {
  private readonly insert;
  private readonly update;
  private readonly usage;
  private readonly lastStart;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {
    this.insert = db.prepare(
      `INSERT INTO model_runs (guild_id, channel_id, user_id, model, provider, kind, started_at, tokens_in)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.update = db.prepare(
      `UPDATE model_runs SET outcome = ?, finished_at = ?, first_token_ms = ?, duration_ms = ?,
         tokens_in = COALESCE(?, tokens_in), tokens_out = ?, guard_policy = ?, error = ? WHERE id = ?`,
    );
    this.usage = db.prepare(
      `SELECT COUNT(*) AS requests, COALESCE(SUM(tokens_in + tokens_out), 0) AS tokens
       FROM model_runs WHERE guild_id = ? AND (? IS NULL OR user_id = ?) AND started_at >= ?`,
    );
    this.lastStart = db.prepare(
      'SELECT MAX(started_at) AS at FROM model_runs WHERE guild_id = ? AND user_id = ? AND kind != ?',
    );
  }

  /**
   * Checks cooldown and daily quotas, then records the run as running, in one transaction so a
   * double-click cannot slip two runs past the checks. Returns the run ids (one per model).
   */
  begin(starts: RunStart[], limits: QuotaLimits, cooldownMs: number, timeZone = 'UTC'): number[] {
    return this.db.transaction(() => {
      const now = this.clock.now();
      const first = starts[0]!;
      const { dayStart, tomorrow } = serverDay(now, timeZone);
      // A thread conversation is a run per message; only slash commands have the double-click problem.
      if (first.kind !== 'thread' && cooldownMs > 0) {
        const last = (this.lastStart.get(first.guildId, first.userId, 'thread') as { at: string | null }).at;
        if (last && now.getTime() - Date.parse(last) < cooldownMs)
          throw new QuotaExceeded('cooldown', new Date(Date.parse(last) + cooldownMs), cooldownMs);
      }
      const since = dayStart.toISOString();
      const user = this.usage.get(first.guildId, first.userId, first.userId, since) as Usage;
      const guild = this.usage.get(first.guildId, null, null, since) as Usage;
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
      return starts.map((s) =>
        Number(
          this.insert.run(
            s.guildId,
            s.channelId,
            s.userId,
            s.model,
            s.provider,
            s.kind,
            now.toISOString(),
            s.tokensIn,
          ).lastInsertRowid,
        ),
      );
    })();
  }

  finish(runId: number, end: RunEnd): void {
    this.update.run(
      end.outcome,
      this.clock.now().toISOString(),
      end.firstTokenMs === undefined ? null : Math.round(end.firstTokenMs),
      Math.round(end.durationMs),
      end.tokensIn ?? null,
      end.tokensOut,
      end.guardPolicy ?? null,
      end.error ?? null,
      runId,
    );
  }

  /** Runs reserved for a request that was then refused before anything was sent: as if never made. */
  discard(runIds: number[]): void {
    const remove = this.db.prepare("DELETE FROM model_runs WHERE id = ? AND outcome = 'running'");
    this.db.transaction(() => {
      for (const id of runIds) remove.run(id);
    })();
  }

  /** Where a running answer is visible (guard on): what a crash would leave unscreened. */
  recordShown(runId: number, messages: ShownMessage[]): void {
    this.db
      .prepare("UPDATE model_runs SET shown_messages = ? WHERE id = ? AND outcome = 'running'")
      .run(JSON.stringify(messages), runId);
  }

  /** Messages of answers a stopped process left running, before closeInterrupted() closes them. */
  unscreenedLeftovers(): ShownMessage[] {
    const rows = this.db
      .prepare(
        "SELECT shown_messages FROM model_runs WHERE outcome = 'running' AND shown_messages IS NOT NULL",
      )
      .all() as Array<{ shown_messages: string }>;
    return rows.flatMap((r) => JSON.parse(r.shown_messages) as ShownMessage[]);
  }

  /** Runs left "running" by a process that stopped mid-answer; returns how many were closed. */
  closeInterrupted(): number {
    return this.db
      .prepare(
        "UPDATE model_runs SET outcome = 'error', finished_at = ?, error = 'interrupted: the bot stopped during the answer' WHERE outcome = 'running'",
      )
      .run(this.clock.now().toISOString()).changes;
  }

  /** Today's use (in the server's time zone) by one user, or by the whole server without userId. */
  usedToday(guildId: string, userId?: string, timeZone = 'UTC'): Usage {
    const since = serverDay(this.clock.now(), timeZone).dayStart.toISOString();
    return this.usage.get(guildId, userId ?? null, userId ?? null, since) as Usage;
  }

  get(runId: number): Record<string, unknown> | undefined {
    return this.db.prepare('SELECT * FROM model_runs WHERE id = ?').get(runId) as
      | Record<string, unknown>
      | undefined;
  }
}

/** The server's day (midnight to midnight in its time zone) that contains `now`. */
export function serverDay(now: Date, timeZone: string): { dayStart: Date; tomorrow: Date } {
  const today = localParts(now, timeZone);
  return {
    dayStart: zonedTime(today, 0, 0, timeZone),
    tomorrow: zonedTime(addDays(today, 1), 0, 0, timeZone),
  };
}

export interface ShownMessage {
  channelId: string;
  messageId: string;
}

export interface Usage {
  requests: number;
  tokens: number;
}
