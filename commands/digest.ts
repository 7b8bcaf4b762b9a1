// /digest — preview this week's digest, post it now, and set when and where it is posted.
import {
  AttachmentBuilder,
  ChannelType,
  type ChatInputCommandInteraction,
  EmbedBuilder,
  InteractionContextType,
  SlashCommandBuilder,
} from 'discord.js';
import type { DigestSchedule } from '../src/digest/store.ts';
import { discordTime } from '../src/discord/format.ts';
import { isCurator, requireCurator } from '../src/discord/permissions.ts';
import { type OutgoingMessage, PostError } from '../src/discord/post.ts';
import { respond } from '../src/discord/reply.ts';
import { UserError } from '../src/errors.ts';
import type { Hub } from '../src/hub.ts';

const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

export const data = new SlashCommandBuilder()
  .setName('digest')
  .setDescription('The weekly digest of releases, issues, ideas and models tried')
  .setContexts(InteractionContextType.Guild)
  .addSubcommand((s) => s.setName('preview').setDescription('Show this week’s digest so far, only to you'))
  .addSubcommand((s) =>
    s.setName('post-now').setDescription('Post this week’s digest so far to the digest channel (curators)'),
  )
  .addSubcommand((s) =>
    s
      .setName('config')
      .setDescription('Show when and where the digest is posted; curators can change it')
      .addChannelOption((o) =>
        o
          .setName('channel')
          .setDescription('Where the weekly digest is posted')
          .addChannelTypes(ChannelType.GuildText, ChannelType.GuildAnnouncement),
      )
      .addStringOption((o) =>
        o
          .setName('day')
          .setDescription('Day of the week it is posted (server time zone)')
          .addChoices(...DAYS.map((d) => ({ name: d, value: d.toLowerCase() }))),
      )
      .addIntegerOption((o) =>
        o
          .setName('hour')
          .setDescription('Hour it is posted, 0-23 (server time zone)')
          .setMinValue(0)
          .setMaxValue(23),
      )
      .addStringOption((o) =>
        o
          .setName('quiet_weeks')
          .setDescription('What a week with nothing to show gets')
          .addChoices({ name: 'a short note', value: 'post' }, { name: 'no post', value: 'skip' }),
      ),
  );

// config asks Discord whether the digest channel still exists before it answers.
export const defer = { preview: 'private', 'post-now': 'private', config: 'private' } as const;

const CHOOSE_ANOTHER = 'choose another channel with /digest config channel';

export async function execute(interaction: ChatInputCommandInteraction, hub: Hub): Promise<void> {
  const sub = interaction.options.getSubcommand();
  if (sub === 'preview') return preview(interaction, hub);
  if (sub === 'post-now') return postNow(interaction, hub);
  if (sub === 'config') return configure(interaction, hub);
}

function toReply(message: OutgoingMessage) {
  return {
    ...(message.content ? { content: message.content } : {}),
    embeds: message.embeds ?? [],
    files: (message.files ?? []).map((f) => new AttachmentBuilder(f.data, { name: f.name })),
  };
}

async function preview(interaction: ChatInputCommandInteraction, hub: Hub): Promise<void> {
  const messages = await hub.digest.service.preview(interaction.guildId!);
  for (const message of messages) await respond(interaction, { ...toReply(message), private: true });
}

async function postNow(interaction: ChatInputCommandInteraction, hub: Hub): Promise<void> {
  const guildId = interaction.guildId!;
  requireCurator(interaction, await hub.settings.get(guildId), 'post the digest');
  const schedule = await hub.digest.store.schedule(guildId);
  if (!schedule.channelId)
    throw new UserError('This server has no digest channel yet. Choose one with /digest config channel.');
  const posted = await hub.digest.service.postNow(guildId).catch((error: unknown) => {
    if (error instanceof PostError && error.failure === 'gone')
      throw new UserError(
        'The digest channel no longer exists (it was deleted). Choose another with /digest config channel.',
      );
    if (error instanceof PostError && error.failure === 'forbidden')
      throw new UserError(
        `I may not post in <#${schedule.channelId}>. Give the bot Send Messages, Embed Links and Attach Files there, or ${CHOOSE_ANOTHER}.`,
      );
    throw error;
  });
  await respond(interaction, {
    content: `Posted this week’s digest so far to <#${posted.channelId}> (${posted.messageIds.length} message${posted.messageIds.length === 1 ? '' : 's'}). The full week still comes at its scheduled time.`,
    private: true,
  });
}

async function configure(interaction: ChatInputCommandInteraction, hub: Hub): Promise<void> {
  const guildId = interaction.guildId!;
  const channel = interaction.options.getChannel('channel');
  const day = interaction.options.getString('day');
  const hour = interaction.options.getInteger('hour');
  const quiet = interaction.options.getString('quiet_weeks');
  if (channel === null && day === null && hour === null && quiet === null) {
    const schedule = await hub.digest.store.schedule(guildId);
    await respond(interaction, {
      embeds: [
        await scheduleEmbed(
          hub,
          schedule,
          isCurator(interaction, await hub.settings.get(guildId)),
          await channelGone(hub, schedule),
        ),
      ],
      private: true,
    });
    return;
  }
  // Discord enforces the option ranges, but a handler must not trust what a client sends.
  const weekday = day === null ? undefined : DAYS.findIndex((d) => d.toLowerCase() === day) + 1;
  if (weekday === 0) throw new UserError(`"${day}" is not a day of the week.`);
  if (hour !== null && (!Number.isInteger(hour) || hour < 0 || hour > 23))
    throw new UserError('The hour must be a whole number from 0 to 23.');
  if (quiet !== null && quiet !== 'post' && quiet !== 'skip')
    throw new UserError('quiet_weeks must be "post" or "skip".');
  if (channel && channel.type !== ChannelType.GuildText && channel.type !== ChannelType.GuildAnnouncement)
    throw new UserError('The digest channel must be a text or announcement channel.');

  requireCurator(interaction, await hub.settings.get(guildId), 'change the digest schedule');
  if (channel) await hub.settings.update(guildId, { digestChannelId: channel.id }, interaction.user.id);
  const updated = await hub.digest.store.updateSchedule(
    guildId,
    {
      ...(weekday !== undefined ? { weekday } : {}),
      ...(hour !== null ? { hour } : {}),
      ...(quiet !== null ? { quietWeeks: quiet as 'post' | 'skip' } : {}),
    },
    interaction.user.id,
  );
  hub.log.info({ guildId, userId: interaction.user.id, schedule: updated }, 'Digest schedule changed');
  await respond(interaction, {
    content: 'Saved.',
    embeds: [await scheduleEmbed(hub, updated, true, await channelGone(hub, updated))],
    private: true,
  });
}

async function channelGone(hub: Hub, s: DigestSchedule): Promise<boolean> {
  return s.channelId !== null && (await hub.digest.service.channelState(s.channelId)) === 'gone';
}

async function scheduleEmbed(
  hub: Hub,
  s: DigestSchedule,
  curator: boolean,
  gone = false,
): Promise<EmbedBuilder> {
  const next = s.channelId && !gone ? await hub.digest.service.nextPostAt(s) : undefined;
  const hh = String(s.hour).padStart(2, '0');
  const channel = !s.channelId
    ? 'not set (no digest is posted)'
    : gone
      ? `<#${s.channelId}> no longer exists; ${CHOOSE_ANOTHER}`
      : `<#${s.channelId}>`;
  return new EmbedBuilder()
    .setTitle('Weekly digest')
    .setColor(0x2b6cb0)
    .addFields(
      {
        name: 'Channel',
        value: channel,
        inline: true,
      },
      { name: 'When', value: `${DAYS[s.weekday - 1]} ${hh}:00 (${s.timeZone})`, inline: true },
      { name: 'Quiet weeks', value: s.quietWeeks === 'post' ? 'a short note' : 'no post', inline: true },
      ...(next ? [{ name: 'Next', value: discordTime(next, 'F'), inline: false }] : []),
    )
    .setFooter({
      text: curator
        ? 'Change with /digest config channel day hour quiet_weeks; the time zone is set with /hub config timezone.'
        : 'Curators (Manage Server or the curator role) can change these.',
    });
}
