// Discord's permission arithmetic, reduced to what a bot meets: @everyone, roles, owner,
// Administrator, and the per-channel denials a test imposes on the bot.
import { PermissionFlagsBits as P } from 'discord.js';

export const ALL_PERMISSIONS = Object.values(P).reduce((all, bit) => all | bit, 0n);

/** What Discord gives @everyone in a new server (no moderation or management). */
export const EVERYONE_DEFAULT =
  P.ViewChannel |
  P.SendMessages |
  P.SendMessagesInThreads |
  P.CreatePublicThreads |
  P.ReadMessageHistory |
  P.EmbedLinks |
  P.AttachFiles |
  P.AddReactions |
  P.UseExternalEmojis |
  P.UseApplicationCommands |
  P.Connect |
  P.Speak |
  P.ChangeNickname |
  P.CreateInstantInvite;

/** The role Discord creates for the bot when it is invited with the usual scopes. */
export const BOT_ROLE_DEFAULT =
  P.ManageThreads | P.ManageMessages | P.CreatePublicThreads | P.EmbedLinks | P.AttachFiles;

/** What either side may do in a direct message. */
export const DM_PERMISSIONS =
  P.ViewChannel |
  P.SendMessages |
  P.ReadMessageHistory |
  P.EmbedLinks |
  P.AttachFiles |
  P.AddReactions |
  P.UseExternalEmojis;

export type Denial = 'send' | 'view';

export function denialBits(denial: Denial | undefined): bigint {
  if (denial === 'view') return P.ViewChannel;
  if (denial === 'send') return P.SendMessages | P.SendMessagesInThreads;
  return 0n;
}

export function resolveBase(opts: {
  isOwner: boolean;
  everyone: bigint;
  roles: bigint[];
  explicit: bigint;
}): bigint {
  if (opts.isOwner) return ALL_PERMISSIONS;
  const base = opts.roles.reduce((acc, r) => acc | r, opts.everyone | opts.explicit);
  return base & P.Administrator ? ALL_PERMISSIONS : base;
}

export function inChannel(base: bigint, denied: bigint): bigint {
  if (base & P.Administrator) return base;
  return base & ~denied;
}
