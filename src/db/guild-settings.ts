import type { Clock } from '../clock.ts';
import type { Db } from './open.ts';

export interface GuildSettings {
  guildId: string;
  curatorRoleId: string | null;
  ideasChannelId: string | null;
  digestChannelId: string | null;
  timeZone: string;
  defaultRepo: string | null;
  updatedAt: string | null;
  updatedBy: string | null;
}

export type GuildSettingsPatch = Partial<
  Pick<GuildSettings, 'curatorRoleId' | 'ideasChannelId' | 'digestChannelId' | 'timeZone' | 'defaultRepo'>
>;

const COLUMNS: Record<keyof GuildSettingsPatch, string> = {
  curatorRoleId: 'curator_role_id',
  ideasChannelId: 'ideas_channel_id',
  digestChannelId: 'digest_channel_id',
  timeZone: 'time_zone',
  defaultRepo: 'default_repo',
};

interface Row {
  guild_id: string;
  curator_role_id: string | null;
  ideas_channel_id: string | null;
  digest_channel_id: string | null;
  time_zone: string;
  default_repo: string | null;
  updated_at: string | null;
  updated_by: string | null;
}

/** The guild_settings table: one row per server, created on first change. */
export class GuildSettingsStore {
  private readonly selectOne;
  private readonly insertDefault;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {
    this.selectOne = db.prepare('SELECT * FROM guild_settings WHERE guild_id = ?');
    this.insertDefault = db.prepare(
      'INSERT OR IGNORE INTO guild_settings (guild_id, updated_at) VALUES (?, ?)',
    );
  }

  /** The server's settings, or the defaults when it never changed any. */
  get(guildId: string): GuildSettings {
    const row = this.selectOne.get(guildId) as Row | undefined;
    if (!row) {
      return {
        guildId,
        curatorRoleId: null,
        ideasChannelId: null,
        digestChannelId: null,
        timeZone: 'UTC',
        defaultRepo: null,
        updatedAt: null,
        updatedBy: null,
      };
    }
    return {
      guildId: row.guild_id,
      curatorRoleId: row.curator_role_id,
      ideasChannelId: row.ideas_channel_id,
      digestChannelId: row.digest_channel_id,
      timeZone: row.time_zone,
      defaultRepo: row.default_repo,
      updatedAt: row.updated_at,
      updatedBy: row.updated_by,
    };
  }

  update(guildId: string, patch: GuildSettingsPatch, userId: string): GuildSettings {
    const entries = Object.entries(patch).filter(([, v]) => v !== undefined) as Array<
      [keyof GuildSettingsPatch, string | null]
    >;
    this.db.transaction(() => {
      const now = this.clock.now().toISOString();
      this.insertDefault.run(guildId, now);
      if (entries.length === 0) return;
      const sets = entries.map(([key]) => `${COLUMNS[key]} = ?`).join(', ');
      this.db
        .prepare(`UPDATE guild_settings SET ${sets}, updated_at = ?, updated_by = ? WHERE guild_id = ?`)
        .run(...entries.map(([, v]) => v), now, userId, guildId);
    })();
    return this.get(guildId);
  }

  /** Every server that has a settings row; scheduled jobs walk this. */
  allGuildIds(): string[] {
    return (this.db.prepare('SELECT guild_id FROM guild_settings').all() as Array<{ guild_id: string }>).map(
      (r) => r.guild_id,
    );
  }
}
