import type { Kysely } from 'kysely';
import type { Clock } from '../clock.ts';
import type { DB } from './schema.ts';

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

const COLUMNS = {
  curatorRoleId: 'curator_role_id',
  ideasChannelId: 'ideas_channel_id',
  digestChannelId: 'digest_channel_id',
  timeZone: 'time_zone',
  defaultRepo: 'default_repo',
} as const satisfies Record<keyof GuildSettingsPatch, string>;

const defaults = (guildId: string): GuildSettings => ({
  guildId,
  curatorRoleId: null,
  ideasChannelId: null,
  digestChannelId: null,
  timeZone: 'UTC',
  defaultRepo: null,
  updatedAt: null,
  updatedBy: null,
});

/**
 * The guild_settings table: one row per server, created on first change. Read from the database
 * every time, not cached: with several processes another one may have changed it a moment ago.
 */
export class GuildSettingsStore {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly clock: Clock,
  ) {}

  /** The server's settings, or the defaults when it never changed any. */
  async get(guildId: string): Promise<GuildSettings> {
    const row = await this.db
      .selectFrom('guild_settings')
      .select([
        'guild_id',
        'curator_role_id',
        'ideas_channel_id',
        'digest_channel_id',
        'time_zone',
        'default_repo',
        'updated_at',
        'updated_by',
      ])
      .where('guild_id', '=', guildId)
      .executeTakeFirst();
    if (!row) return defaults(guildId);
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

  /** One statement: an upsert of only the columns in the patch, so two processes never undo each other's other columns. */
  async update(guildId: string, patch: GuildSettingsPatch, userId: string): Promise<GuildSettings> {
    const now = this.clock.now().toISOString();
    const set: Record<string, string | null> = {};
    for (const [key, column] of Object.entries(COLUMNS) as Array<[keyof GuildSettingsPatch, string]>) {
      const value = patch[key];
      if (value !== undefined) set[column] = value;
    }
    const changed = Object.keys(set).length > 0;
    await this.db
      .insertInto('guild_settings')
      .values({ guild_id: guildId, updated_at: now, ...(changed ? { ...set, updated_by: userId } : {}) })
      .onConflict((oc) =>
        changed
          ? oc.column('guild_id').doUpdateSet({ ...set, updated_at: now, updated_by: userId })
          : oc.column('guild_id').doNothing(),
      )
      .execute();
    return this.get(guildId);
  }

  /** Every server that has a settings row; scheduled jobs walk this. */
  async allGuildIds(): Promise<string[]> {
    const rows = await this.db.selectFrom('guild_settings').select('guild_id').execute();
    return rows.map((r) => r.guild_id);
  }
}
