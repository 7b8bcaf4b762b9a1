// Members' display names for the board, through a port only the Discord side can fill. Authors'
// names are captured when an idea is written (ideas.author_name); the curators and members named in
// an idea's history are looked up here and kept for an hour, so a page view costs no Discord call.
// Voters are never named: who voted how is private.
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';

export interface GuildFace {
  name: string;
  /** An https URL of the server's icon, or null when it has none. */
  iconUrl: string | null;
}

/** What only Discord knows; src/discord/web-ports.ts implements it with the bot's client. */
export interface BoardPorts {
  /** The server's name and icon; null when the bot is not in that server (the board answers 404). */
  guild(guildId: string): GuildFace | null;
  /** Display names of members; ids it cannot name are simply left out. */
  displayNames?(guildId: string, userIds: string[]): Promise<Map<string, string>>;
}

const TTL_MS = 60 * 60 * 1000;

export class NameCache {
  private readonly names = new Map<string, { name: string | null; at: number }>();

  constructor(private readonly deps: { ports: BoardPorts; clock: Clock; log: Logger; max?: number }) {}

  async lookup(guildId: string, userIds: string[]): Promise<Map<string, string>> {
    const now = this.deps.clock.now().getTime();
    const out = new Map<string, string>();
    const missing: string[] = [];
    for (const id of new Set(userIds)) {
      const hit = this.names.get(`${guildId}:${id}`);
      if (hit && now - hit.at < TTL_MS) {
        if (hit.name) out.set(id, hit.name);
      } else missing.push(id);
    }
    if (missing.length === 0 || !this.deps.ports.displayNames) return out;
    let found = new Map<string, string>();
    try {
      found = await this.deps.ports.displayNames(guildId, missing);
    } catch (error) {
      // A page without a name is still a page: say "a curator" this time and ask again next time.
      this.deps.log.warn({ err: error, guildId }, 'Could not look up member names for the web board');
      return out;
    }
    for (const id of missing) {
      const name = found.get(id) ?? null;
      this.names.set(`${guildId}:${id}`, { name, at: now });
      if (name) out.set(id, name);
    }
    const max = this.deps.max ?? 20_000;
    while (this.names.size > max) this.names.delete(this.names.keys().next().value!);
    return out;
  }
}
