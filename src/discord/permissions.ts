import { type GuildMember, type Interaction, PermissionFlagsBits } from 'discord.js';
import type { GuildSettings } from '../db/guild-settings.ts';
import { UserError } from '../errors.ts';

/**
 * Curators run the server's hub: members with Manage Server, or with the configured curator
 * role. Checked in handlers, because a server admin can loosen Discord's default command
 * permissions at any time.
 */
export function isCurator(interaction: Interaction, settings: GuildSettings): boolean {
  if (!interaction.inGuild()) return false;
  if (interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild)) return true;
  if (!settings.curatorRoleId) return false;
  const member = interaction.member;
  const roles = Array.isArray(member.roles)
    ? member.roles
    : (member as GuildMember).roles.cache.map((r) => r.id);
  return roles.includes(settings.curatorRoleId);
}

export function requireCurator(interaction: Interaction, settings: GuildSettings, action: string): void {
  if (isCurator(interaction, settings)) return;
  const how = settings.curatorRoleId
    ? `the <@&${settings.curatorRoleId}> role or the Manage Server permission`
    : 'the Manage Server permission (a server admin can also set a curator role with /hub config)';
  throw new UserError(`Only curators can ${action}. You need ${how}.`);
}

/** Like requireCurator, but members with Manage Channels also qualify (watches post into channels). */
export function requireChannelManager(
  interaction: Interaction,
  settings: GuildSettings,
  action: string,
): void {
  if (interaction.inGuild() && interaction.memberPermissions?.has(PermissionFlagsBits.ManageChannels)) return;
  if (isCurator(interaction, settings)) return;
  throw new UserError(`Only members with Manage Channels or the curator role can ${action}.`);
}
