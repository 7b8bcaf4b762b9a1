// Which servers show a public web board (web_boards), and the board addresses the rest of the bot
// links to. Off is the default: a server appears on the web only after a curator says so.
import type { Clock } from '../clock.ts';
import type { Db } from '../db/open.ts';

export type BoardVisibility = 'public' | 'off';

export interface BoardState {
  visibility: BoardVisibility;
  updatedAt: string | null;
}

export class WebBoardStore {
  private readonly s;

  constructor(
    db: Db,
    private readonly clock: Clock,
  ) {
    this.s = {
      get: db.prepare('SELECT visibility, updated_at FROM web_boards WHERE guild_id = ?'),
      set: db.prepare(
        `INSERT INTO web_boards (guild_id, visibility, updated_at, updated_by) VALUES (?, ?, ?, ?)
         ON CONFLICT (guild_id) DO UPDATE SET visibility = excluded.visibility,
           updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
      ),
    };
  }

  state(guildId: string): BoardState {
    const row = this.s.get.get(guildId) as { visibility: BoardVisibility; updated_at: string } | undefined;
    return row
      ? { visibility: row.visibility, updatedAt: row.updated_at }
      : { visibility: 'off', updatedAt: null };
  }

  isPublic(guildId: string): boolean {
    return this.state(guildId).visibility === 'public';
  }

  setVisibility(guildId: string, visibility: BoardVisibility, userId: string): void {
    this.s.set.run(guildId, visibility, this.clock.now().toISOString(), userId);
  }
}

// One store per database: the command, the filing links and the board share its statements.
const stores = new WeakMap<Db, WebBoardStore>();
export function webBoards(core: { db: Db; clock: Clock }): WebBoardStore {
  let store = stores.get(core.db);
  if (!store) {
    store = new WebBoardStore(core.db, core.clock);
    stores.set(core.db, store);
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
): (idea: { guildId: string; number: number }) => string | null {
  return (idea) =>
    baseUrl && boards.isPublic(idea.guildId)
      ? `${baseUrl}${boardPath.idea(idea.guildId, idea.number)}`
      : null;
}
