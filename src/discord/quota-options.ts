// The /hub config options for /try quotas, and how they are shown.
import type { APIEmbed, ChatInputCommandInteraction, SlashCommandSubcommandBuilder } from 'discord.js';
import type { Hub } from '../hub.ts';
import type { QuotaLimits } from '../models/config.ts';

const OPTIONS: Array<{ name: string; key: keyof QuotaLimits; description: string }> = [
  {
    name: 'try_user_requests',
    key: 'userDailyRequests',
    description: 'Model runs a member may start per day (0 = no limit)',
  },
  {
    name: 'try_user_tokens',
    key: 'userDailyTokens',
    description: 'Tokens a member may use per day (0 = no limit)',
  },
  {
    name: 'try_server_requests',
    key: 'guildDailyRequests',
    description: 'Model runs the whole server may start per day (0 = no limit)',
  },
  {
    name: 'try_server_tokens',
    key: 'guildDailyTokens',
    description: 'Tokens the whole server may use per day (0 = no limit)',
  },
];

export function addQuotaOptions(sub: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  for (const o of OPTIONS)
    sub.addIntegerOption((option) =>
      option.setName(o.name).setDescription(o.description).setMinValue(0).setMaxValue(100_000_000),
    );
  return sub;
}

/** A quota change: a number sets it, null returns it to the operator's default. */
export type QuotaPatch = Partial<Record<keyof QuotaLimits, number | null>>;

/** The option names `/hub config clear:` offers for quotas. */
export const quotaOptionList: readonly string[] = OPTIONS.map((o) => o.name);

/** The limit behind a quota option name, if it is one. */
export function quotaKeyOf(name: string): keyof QuotaLimits | undefined {
  return OPTIONS.find((o) => o.name === name)?.key;
}

/** The quota options given in this /hub config call, keyed by limit. */
export function readQuotaOptions(interaction: ChatInputCommandInteraction): QuotaPatch {
  const patch: QuotaPatch = {};
  for (const o of OPTIONS) {
    const value = interaction.options.getInteger(o.name);
    if (value !== null) patch[o.key] = value;
  }
  return patch;
}

export function quotaOptionNames(patch: QuotaPatch): string[] {
  return OPTIONS.filter((o) => patch[o.key] !== undefined).map((o) => o.name);
}

export async function quotaEmbed(hub: Hub, guildId: string): Promise<APIEmbed> {
  const limits = await hub.models.service.quotas.get(guildId);
  const show = (n: number) => (n === 0 ? 'no limit' : n.toLocaleString('en-US'));
  return {
    title: `/try quotas (per day, reset at midnight ${(await hub.settings.get(guildId)).timeZone})`,
    color: 0x2b6cb0,
    fields: [
      {
        name: 'Per member',
        value: `${show(limits.userDailyRequests)} runs · ${show(limits.userDailyTokens)} tokens`,
        inline: true,
      },
      {
        name: 'Whole server',
        value: `${show(limits.guildDailyRequests)} runs · ${show(limits.guildDailyTokens)} tokens`,
        inline: true,
      },
    ],
  };
}
