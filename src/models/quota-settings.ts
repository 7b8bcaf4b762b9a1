// Per-server quotas (guild_settings.try_* columns); NULL falls back to the operator's defaults.
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.ts';
import type { DB } from '../db/schema.ts';
import type { QuotaLimits } from './config.ts';

const COLUMNS = {
  userDailyRequests: 'try_user_daily_requests',
  userDailyTokens: 'try_user_daily_tokens',
  guildDailyRequests: 'try_guild_daily_requests',
  guildDailyTokens: 'try_guild_daily_tokens',
} as const satisfies Record<keyof QuotaLimits, string>;

type QuotaColumn = (typeof COLUMNS)[keyof QuotaLimits];

export class QuotaSettingsStore {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly clock: Clock,
    private readonly defaults: QuotaLimits,
  ) {}

  async get(guildId: string): Promise<QuotaLimits> {
    return (await this.withTimeZone(guildId)).limits;
  }

  /** The limits and the server's time zone (whose midnight resets them), in one read of the row. */
  async withTimeZone(guildId: string): Promise<{ limits: QuotaLimits; timeZone: string }> {
    const row = await this.db
      .selectFrom('guild_settings')
      .select([...Object.values(COLUMNS), 'time_zone'])
      .where('guild_id', '=', guildId)
      .executeTakeFirst();
    const limits = { ...this.defaults };
    for (const [key, column] of Object.entries(COLUMNS) as Array<[keyof QuotaLimits, QuotaColumn]>) {
      const value = row?.[column];
      if (value !== null && value !== undefined) limits[key] = value;
    }
    return { limits, timeZone: row?.time_zone ?? 'UTC' };
  }

  /** Sets some limits (0 = unlimited, null = back to the default). */
  async update(
    guildId: string,
    patch: Partial<Record<keyof QuotaLimits, number | null>>,
    userId: string,
  ): Promise<QuotaLimits> {
    const entries = Object.entries(patch).filter(([, v]) => v !== undefined) as Array<
      [keyof QuotaLimits, number | null]
    >;
    if (entries.length > 0) {
      const now = this.clock.now().toISOString();
      const set: Partial<Record<QuotaColumn, number | null>> = Object.fromEntries(
        entries.map(([key, value]) => [COLUMNS[key], value]),
      );
      // One statement: the server's row is made with these values, or its existing row changes.
      await this.db
        .insertInto('guild_settings')
        .values({ guild_id: guildId, ...set, updated_at: now, updated_by: userId })
        .onConflict((oc) =>
          oc.column('guild_id').doUpdateSet({ ...set, updated_at: now, updated_by: userId }),
        )
        .execute();
    }
    return this.get(guildId);
  }
}
