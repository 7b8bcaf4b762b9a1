// Which servers show a public web board (web_boards), and the board addresses the rest of the bot
// links to. Off is the default: a server appears on the web only after a curator says so.
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.ts';
import type { DB } from '../db/schema.ts';

export type BoardVisibility = 'public' | 'off';

export interface BoardState {
  visibility: BoardVisibility;
  updatedAt: string | null;
}

export class WebBoardStore {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly clock: Clock,
  ) {}

  async state(guildId: string): Promise<BoardState> {
    const row = await this.db
      .selectFrom('web_boards')
      .select(['visibility', 'updated_at'])
      .where('guild_id', '=', guildId)
      .executeTakeFirst();
    return row
      ? { visibility: row.visibility, updatedAt: row.updated_at }
      : { visibility: 'off', updatedAt: null };
  }

  async isPublic(guildId: string): Promise<boolean> {
    return (await this.state(guildId)).visibility === 'public';
  }

  async setVisibility(guildId: string, visibility: BoardVisibility, userId: string): Promise<void> {
    const row = {
      guild_id: guildId,
      visibility,
      updated_at: this.clock.now().toISOString(),
      updated_by: userId,
    };
    await this.db
      .insertInto('web_boards')
      .values(row)
      .onConflict((oc) =>
        oc.column('guild_id').doUpdateSet({
          visibility: row.visibility,
          updated_at: row.updated_at,
          updated_by: row.updated_by,
        }),
      )
      .execute();
  }
}

// One store per database: the command, the filing links and the board share it.
const stores = new WeakMap<Kysely<DB>, WebBoardStore>();
export function webBoards(core: { kdb: Kysely<DB>; clock: Clock }): WebBoardStore {
  let store = stores.get(core.kdb);
  if (!store) {
    store = new WebBoardStore(core.kdb, core.clock);
    stores.set(core.kdb, store);
  }
  return store;
}

/** Paths of the board, relative to WEB_BASE_URL (guild ids are digits, so nothing needs escaping). */
export const boardPath = {
  home: (guildId: string) => `/g/${guildId}`,
  ideas: (guildId: string) => `/g/${guildId}/ideas`,
  idea: (guildId: string, number: number) => `/g/${guildId}/ideas/${number}`,
  digests: (guildId: string) => `/g/${guildId}/digests`,
  digest: (guildId: string, isoWeek: string) => `/g/${guildId}/digests/${isoWeek}`,
  chart: (guildId: string, isoWeek: string) => `/g/${guildId}/digests/${isoWeek}/chart.png`,
  feed: (guildId: string, name: 'ideas' | 'releases' | 'digests') => `/g/${guildId}/${name}.atom`,
};

/**
 * The board page of an idea, or null when there is none to link to (no WEB_BASE_URL, or the
 * server's board is off): GitHub issues and Discord messages link here only when it exists.
 */
export function ideaBoardLink(
  baseUrl: string | undefined,
  boards: WebBoardStore,
): (idea: { guildId: string; number: number }) => Promise<string | null> {
  return async (idea) =>
    baseUrl && (await boards.isPublic(idea.guildId))
      ? `${baseUrl}${boardPath.idea(idea.guildId, idea.number)}`
      : null;
}
