// The port through which services learn about Discord users (the digest: who is a bot) without
// knowing discord.js.
import { DiscordAPIError, type REST, Routes } from 'discord.js';

export interface KnownUser {
  bot: boolean;
  name: string | null;
}

/** Looks a Discord user up; null when Discord does not know the id (deleted account). */
export type UserLookup = (userId: string) => Promise<KnownUser | null>;

/** GET /users/:id through discord.js's REST client (which waits out 429s and retries 5xx itself). */
export function createUserLookup(rest: REST): UserLookup {
  return async (userId) => {
    try {
      const user = (await rest.get(Routes.user(userId))) as {
        bot?: boolean;
        username: string;
        global_name?: string | null;
      };
      return { bot: user.bot === true, name: user.global_name ?? user.username };
    } catch (error) {
      if (error instanceof DiscordAPIError && error.status === 404) return null;
      throw error;
    }
  };
}
