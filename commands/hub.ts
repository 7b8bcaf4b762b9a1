// /hub — status, help and per-server configuration.
import {
  type AutocompleteInteraction,
  ChannelType,
  type ChatInputCommandInteraction,
  EmbedBuilder,
  InteractionContextType,
  SlashCommandBuilder,
} from 'discord.js';
import type { GuildSettings, GuildSettingsPatch } from '../src/db/guild-settings.ts';
import { formatDuration, truncate } from '../src/discord/format.ts';
import { helpLines } from '../src/discord/help.ts';
import { isCurator, requireCurator } from '../src/discord/permissions.ts';
import {
  addQuotaOptions,
  quotaEmbed,
  quotaKeyOf,
  quotaOptionList,
  quotaOptionNames,
  readQuotaOptions,
} from '../src/discord/quota-options.ts';
import { respond } from '../src/discord/reply.ts';
import { UserError } from '../src/errors.ts';
import type { Hub } from '../src/hub.ts';
import { matchTimeZones, validateRepo, validateTimeZone } from '../src/settings/validate.ts';
import { type BoardVisibility, boardPath, webBoards } from '../src/web/boards.ts';

const CLEARABLE = {
  curator_role: 'curatorRoleId',
  ideas_channel: 'ideasChannelId',
  digest_channel: 'digestChannelId',
  default_repo: 'defaultRepo',
  timezone: 'timeZone',
} as const satisfies Record<string, keyof GuildSettingsPatch>;

/** The option each settings field is set by, as members typed it (the reply names those). */
const OPTION_OF = Object.fromEntries(
  Object.entries(CLEARABLE).map(([option, key]) => [key, option]),
) as Record<keyof GuildSettingsPatch, string>;

// The time zone column is never empty: clearing it means the bot's default.
const DEFAULT_TIME_ZONE = 'UTC';

export const data = new SlashCommandBuilder()
  .setName('hub')
  .setDescription('Open Model Hub: status, help and server settings')
  .setContexts(InteractionContextType.Guild)
  .addSubcommand((s) =>
    s.setName('status').setDescription('Version, uptime, database and connected services'),
  )
  .addSubcommand((s) => s.setName('help').setDescription('Every command, with what it does'))
  .addSubcommand((s) =>
    // Quota options go last: the channels and roles are what people look for first.
    addQuotaOptions(
      s
        .setName('config')
        .setDescription('Show this server’s settings; curators can change them')
        .addRoleOption((o) =>
          o.setName('curator_role').setDescription('Role whose members may triage ideas and manage the hub'),
        )
        .addChannelOption((o) =>
          o
            .setName('ideas_channel')
            .setDescription('Where new ideas are posted (a text or forum channel)')
            .addChannelTypes(ChannelType.GuildText, ChannelType.GuildForum, ChannelType.GuildAnnouncement),
        )
        .addChannelOption((o) =>
          o
            .setName('digest_channel')
            .setDescription('Where the weekly digest is posted')
            .addChannelTypes(ChannelType.GuildText, ChannelType.GuildAnnouncement),
        )
        .addStringOption((o) =>
          o
            .setName('timezone')
            .setDescription('IANA time zone, e.g. Europe/Paris')
            .setMaxLength(64)
            .setAutocomplete(true),
        )
        .addStringOption((o) =>
          o
            .setName('default_repo')
            .setDescription('GitHub repository ideas are filed to, as owner/name')
            .setMaxLength(140),
        )
        .addStringOption((o) =>
          o
            .setName('web')
            .setDescription('Show this server’s ideas, releases and digests on the public web board')
            .addChoices({ name: 'public', value: 'public' }, { name: 'off', value: 'off' }),
        )
        .addStringOption((o) =>
          o
            .setName('clear')
            .setDescription('Remove one setting')
            .addChoices(
              ...[...Object.keys(CLEARABLE), 'web', ...quotaOptionList].map((k) => ({ name: k, value: k })),
            ),
        ),
    ),
  );

// Nothing here is deferred: status, help and config answer from the database and memory within
// milliseconds, and a direct answer is one request instead of a deferral and an edit.

export async function execute(interaction: ChatInputCommandInteraction, hub: Hub): Promise<void> {
  const sub = interaction.options.getSubcommand();
  if (sub === 'status') return showStatus(interaction, hub);
  if (sub === 'help') return showHelp(interaction, hub);
  if (sub === 'config') return configure(interaction, hub);
}

export async function autocomplete(interaction: AutocompleteInteraction): Promise<void> {
  const matches = matchTimeZones(interaction.options.getFocused()).map((z) => ({ name: z, value: z }));
  await interaction.respond(matches);
}

async function showStatus(interaction: ChatInputCommandInteraction, hub: Hub): Promise<void> {
  const ping = hub.gateway.ping();
  // At once: on PostgreSQL each is a round trip.
  const [schema, features] = await Promise.all([
    hub.database.schemaVersion(),
    hub.status.collect(interaction.guildId),
  ]);
  const lines = [
    { name: 'Version', value: hub.version },
    { name: 'Uptime', value: formatDuration(hub.clock.now().getTime() - hub.startedAt.getTime()) },
    {
      name: 'Database schema',
      value: `version ${schema} (${hub.engine === 'postgres' ? 'PostgreSQL' : 'SQLite'})`,
    },
    {
      name: 'Discord gateway',
      value: ping === null || ping < 0 ? 'connected (no heartbeat yet)' : `${ping} ms`,
    },
    ...features,
  ];
  const embed = new EmbedBuilder()
    .setTitle('Open Model Hub status')
    .setColor(0x2b6cb0)
    .addFields(
      lines
        .slice(0, 25)
        .map((l) => ({ name: truncate(l.name, 256), value: truncate(l.value || '—', 1024), inline: true })),
    );
  await respond(interaction, { embeds: [embed], private: true });
}

async function showHelp(interaction: ChatInputCommandInteraction, hub: Hub): Promise<void> {
  const lines = helpLines(hub.commands.map((c) => c.data)).map((l) => `**${l.usage}**\n${l.description}`);
  const embed = new EmbedBuilder()
    .setTitle('Open Model Hub commands')
    .setColor(0x2b6cb0)
    .setDescription(truncate(lines.join('\n\n'), 4096))
    .setFooter({ text: 'Options in [brackets] are optional.' });
  await respond(interaction, { embeds: [embed], private: true });
}

async function configure(interaction: ChatInputCommandInteraction, hub: Hub): Promise<void> {
  const guildId = interaction.guildId!;
  const current = await hub.settings.get(guildId);
  const patch: GuildSettingsPatch = {};
  const role = interaction.options.getRole('curator_role');
  const ideas = interaction.options.getChannel('ideas_channel');
  const digest = interaction.options.getChannel('digest_channel');
  const zone = interaction.options.getString('timezone');
  const repo = interaction.options.getString('default_repo');
  const clear = interaction.options.getString('clear');
  const quotas = readQuotaOptions(interaction);
  let web = interaction.options.getString('web') as BoardVisibility | null;
  if (web !== null && web !== 'public' && web !== 'off') throw new UserError('web is either public or off.');
  const changed = () => [
    ...(Object.keys(patch) as Array<keyof GuildSettingsPatch>).map((key) => OPTION_OF[key]),
    ...quotaOptionNames(quotas),
    ...(web ? ['web'] : []),
  ];

  if (role)
    patch.curatorRoleId = role.id === guildId ? throwUser('@everyone cannot be the curator role.') : role.id;
  if (ideas) patch.ideasChannelId = ideas.id;
  if (digest) patch.digestChannelId = digest.id;
  if (zone !== null) patch.timeZone = validateTimeZone(zone);
  if (repo !== null) patch.defaultRepo = validateRepo(repo);
  if (clear) {
    const quotaKey = quotaKeyOf(clear);
    const key = Object.hasOwn(CLEARABLE, clear) ? CLEARABLE[clear as keyof typeof CLEARABLE] : undefined;
    if (clear === 'web') {
      if (web) throw new UserError(`You both set and cleared ${clear}; choose one.`);
      // The board's default is off.
      web = 'off';
    } else if (quotaKey) {
      if (quotas[quotaKey] !== undefined)
        throw new UserError(`You both set and cleared ${clear}; choose one.`);
      quotas[quotaKey] = null;
    } else if (key) {
      if (key in patch) throw new UserError(`You both set and cleared ${clear}; choose one.`);
      if (key === 'timeZone') patch.timeZone = DEFAULT_TIME_ZONE;
      else patch[key] = null;
    } else {
      throw new UserError(`${clear} is not a setting /hub config can clear.`);
    }
  }

  if (changed().length === 0) {
    await respond(interaction, {
      embeds: [
        settingsEmbed(current, isCurator(interaction, current)).addFields(await webField(hub, guildId)),
        await quotaEmbed(hub, guildId),
      ],
      private: true,
    });
    return;
  }
  requireCurator(interaction, current, 'change server settings');
  if (web === 'public' && !hub.config.webBaseUrl)
    throw new UserError(
      'The web board is off on this bot: its operator has not set WEB_BASE_URL (the public address of the board). Nothing was changed.',
    );
  await hub.models.service.quotas.update(guildId, quotas, interaction.user.id);
  const updated = await hub.settings.update(guildId, patch, interaction.user.id);
  if (web) await webBoards(hub).setVisibility(guildId, web, interaction.user.id);
  hub.log.info({ guildId, userId: interaction.user.id, changed: changed() }, 'Server settings changed');
  await respond(interaction, {
    content: `Saved: ${changed().join(', ')}.`,
    embeds: [
      settingsEmbed(updated, true).addFields(await webField(hub, guildId)),
      await quotaEmbed(hub, guildId),
    ],
    private: true,
  });
}

/** The web board line: its address when public, or why it is off. */
async function webField(hub: Hub, guildId: string) {
  const base = hub.config.webBaseUrl;
  const value = !base
    ? 'off on this bot (the operator has not set WEB_BASE_URL)'
    : (await webBoards(hub).isPublic(guildId))
      ? `public at ${base}${boardPath.home(guildId)}`
      : 'off (curators: /hub config web:public)';
  return { name: 'Web board', value, inline: true };
}

function throwUser(message: string): never {
  throw new UserError(message);
}

function settingsEmbed(s: GuildSettings, curator: boolean) {
  const show = (v: string | null, render: (x: string) => string) => (v ? render(v) : 'not set');
  return new EmbedBuilder()
    .setTitle('Server settings')
    .setColor(0x2b6cb0)
    .addFields(
      { name: 'Curator role', value: show(s.curatorRoleId, (id) => `<@&${id}>`), inline: true },
      { name: 'Ideas channel', value: show(s.ideasChannelId, (id) => `<#${id}>`), inline: true },
      { name: 'Digest channel', value: show(s.digestChannelId, (id) => `<#${id}>`), inline: true },
      { name: 'Time zone', value: s.timeZone, inline: true },
      {
        name: 'Default repository',
        value: show(s.defaultRepo, (r) => `[${r}](https://github.com/${r})`),
        inline: true,
      },
    )
    .setFooter({
      text: curator
        ? 'Change a setting with /hub config <option>; remove one with clear.'
        : 'Curators (Manage Server or the curator role) can change these.',
    });
}
