// What the web board needs from Discord, from the bot's own client: a server's name and icon
// (from the gateway's cache, so a page view costs no request) and members' display names
// (GET /guilds/:id/members/:user, cached by the board for an hour).
import type { Client } from 'discord.js';
import type { BoardPorts } from '../web/names.ts';

/** `current` gives the client in use now: start-up retries replace it with a fresh one. */
export function discordBoardPorts(current: () => Client | undefined): BoardPorts {
  return {
    guild(guildId) {
      const guild = current()?.guilds.cache.get(guildId);
      if (!guild) return null;
      return { name: guild.name, iconUrl: guild.iconURL({ size: 128, extension: 'png' }) };
    },
    async displayNames(guildId, userIds) {
      const guild = current()?.guilds.cache.get(guildId);
      const out = new Map<string, string>();
      if (!guild) return out;
      // A few ids per page (an idea's curators): one request each, and a member who left is skipped.
      for (const id of userIds.slice(0, 25)) {
        try {
          const member = await guild.members.fetch(id);
          out.set(id, member.displayName);
        } catch {
          // Left the server or deleted: the page says "a curator".
        }
      }
      return out;
    },
  };
}
