// Per-server quotas (guild_settings.try_* columns); NULL falls back to the operator's defaults.
import type { Clock } from '../clock.ts';
import type { Db } from '../db/open.ts';
import type { QuotaLimits } from './config.ts';

const COLUMNS: Record<keyof QuotaLimits, string> = {
  userDailyRequests: 'try_user_daily_requests',
  userDailyTokens: 'try_user_daily_tokens',
  guildDailyRequests: 'try_guild_daily_requests',
  guildDailyTokens: 'try_guild_daily_tokens',
};

export class QuotaSettingsStore {
  private readonly selectLimits;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly defaults: QuotaLimits,
  ) {
    this.selectLimits = db.prepare(
      `SELECT ${Object.values(COLUMNS).join(', ')} FROM guild_settings WHERE guild_id = ?`,
    );
  }

  get(guildId: string): QuotaLimits {
    const row = this.selectLimits.get(guildId) as Record<string, number | null> | undefined;
    const limits = { ...this.defaults };
    for (const [key, column] of Object.entries(COLUMNS) as Array<[keyof QuotaLimits, string]>) {
      const value = row?.[column];
      if (value !== null && value !== undefined) limits[key] = value;
    }
    return limits;
  }

  /** Sets some limits (0 = unlimited, null = back to the default). */
  update(
    guildId: string,
    patch: Partial<Record<keyof QuotaLimits, number | null>>,
    userId: string,
  ): QuotaLimits {
    const entries = Object.entries(patch).filter(([, v]) => v !== undefined) as Array<
      [keyof QuotaLimits, number | null]
    >;
    if (entries.length > 0) {
      const now = this.clock.now().toISOString();
      this.db.transaction(() => {
        this.db
          .prepare('INSERT OR IGNORE INTO guild_settings (guild_id, updated_at) VALUES (?, ?)')
          .run(guildId, now);
        const sets = entries.map(([key]) => `${COLUMNS[key]} = ?`).join(', ');
        this.db
          .prepare(`UPDATE guild_settings SET ${sets}, updated_at = ?, updated_by = ? WHERE guild_id = ?`)
          .run(...entries.map(([, v]) => v), now, userId, guildId);
      })();
    }
    return this.get(guildId);
  }
}
