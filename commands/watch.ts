// /watch — follow releases, issues and models of open-model projects in a channel.
import {
  type AutocompleteInteraction,
  ChannelType,
  type ChatInputCommandInteraction,
  EmbedBuilder,
  InteractionContextType,
  type MessageComponentInteraction,
  SlashCommandBuilder,
} from 'discord.js';
import { customId, notOurs } from '../src/discord/command.ts';
import { discordTime, truncate } from '../src/discord/format.ts';
import { requireChannelManager } from '../src/discord/permissions.ts';
import { respond } from '../src/discord/reply.ts';
import type { Hub } from '../src/hub.ts';
import { describeFreshness } from '../src/tracking/poll-plan.ts';
import type { PrereleaseFilter, Source, Watch } from '../src/tracking/store.ts';
import { type AddWatchResult, MAX_BACKFILL, type WatchListing } from '../src/tracking/watches.ts';

const TEXT_CHANNELS = [ChannelType.GuildText, ChannelType.GuildAnnouncement] as const;

export const data = new SlashCommandBuilder()
  .setName('watch')
  .setDescription('Post new releases, issues and models of open-model projects to a channel')
  .setContexts(InteractionContextType.Guild)
  .addSubcommand((s) =>
    s
      .setName('add')
      .setDescription('Follow a GitHub repository or a Hugging Face organisation')
      .addStringOption((o) =>
        o
          .setName('source')
          .setDescription('Where the project lives')
          .setRequired(true)
          .addChoices(
            { name: 'GitHub repository', value: 'github' },
            { name: 'Hugging Face organisation', value: 'huggingface' },
          ),
      )
      .addStringOption((o) =>
        o
          .setName('target')
          .setDescription('owner/repo on GitHub, or the organisation on Hugging Face')
          .setRequired(true)
          .setMaxLength(140),
      )
      .addChannelOption((o) =>
        o
          .setName('channel')
          .setDescription('Where to post (default: this channel)')
          .addChannelTypes(...TEXT_CHANNELS),
      )
      .addStringOption((o) =>
        o
          .setName('kinds')
          .setDescription('GitHub: what to post (default releases)')
          .addChoices(
            { name: 'releases', value: 'releases' },
            { name: 'issues', value: 'issues' },
            { name: 'both', value: 'both' },
          ),
      )
      .addStringOption((o) =>
        o
          .setName('prereleases')
          .setDescription('GitHub releases: pre-releases too? (default include)')
          .addChoices(
            { name: 'include', value: 'include' },
            { name: 'exclude', value: 'exclude' },
            { name: 'only', value: 'only' },
          ),
      )
      .addStringOption((o) =>
        o
          .setName('labels')
          .setDescription('GitHub issues: only those with one of these labels, comma-separated')
          .setMaxLength(300),
      )
      .addIntegerOption((o) =>
        o
          .setName('backfill')
          .setDescription(`Also post the latest N now (at most ${MAX_BACKFILL})`)
          .setMinValue(1)
          .setMaxValue(MAX_BACKFILL),
      ),
  )
  .addSubcommand((s) =>
    s
      .setName('preset')
      .setDescription('Follow a model family: its main GitHub repositories and Hugging Face organisation')
      .addStringOption((o) =>
        o
          .setName('name')
          .setDescription('granite, llama, mistral, …')
          .setRequired(true)
          .setAutocomplete(true),
      )
      .addChannelOption((o) =>
        o
          .setName('channel')
          .setDescription('Where to post (default: this channel)')
          .addChannelTypes(...TEXT_CHANNELS),
      ),
  )
  .addSubcommand((s) =>
    s.setName('list').setDescription('This server’s watches, with their last poll and errors'),
  )
  .addSubcommand((s) =>
    s
      .setName('remove')
      .setDescription('Stop a watch')
      .addIntegerOption((o) =>
        o.setName('id').setDescription('The watch number from /watch list').setRequired(true).setMinValue(1),
      ),
  );

export const defer = { add: 'private', preset: 'private', list: 'private' } as const;

export async function execute(interaction: ChatInputCommandInteraction, hub: Hub): Promise<void> {
  const sub = interaction.options.getSubcommand();
  if (sub === 'add') return add(interaction, hub);
  if (sub === 'preset') return preset(interaction, hub);
  if (sub === 'list') return list(interaction, hub);
  if (sub === 'remove') return remove(interaction, hub);
}

export async function autocomplete(interaction: AutocompleteInteraction, hub: Hub): Promise<void> {
  const typed = interaction.options.getFocused().toLowerCase();
  const choices = hub.tracking.watches
    .presets()
    .filter((p) => p.name.includes(typed) || p.title.toLowerCase().includes(typed))
    .slice(0, 25)
    .map((p) => ({ name: truncate(`${p.name} — ${p.title}`, 100), value: p.name }));
  await interaction.respond(choices);
}

async function add(interaction: ChatInputCommandInteraction, hub: Hub): Promise<void> {
  const guildId = interaction.guildId!;
  requireChannelManager(interaction, await hub.settings.get(guildId), 'add watches');
  const channelId = interaction.options.getChannel('channel')?.id ?? interaction.channelId;
  const result = await hub.tracking.watches.add({
    guildId,
    channelId,
    userId: interaction.user.id,
    source: interaction.options.getString('source', true) as Source,
    target: interaction.options.getString('target', true),
    kinds: interaction.options.getString('kinds') as 'releases' | 'issues' | 'both' | null,
    prereleases: interaction.options.getString('prereleases') as PrereleaseFilter | null,
    labels: interaction.options.getString('labels'),
    backfill: interaction.options.getInteger('backfill'),
  });
  await respond(interaction, { ...addedMessage(result), private: true });
}

/** The answer to an add: the watch added, or the question a private repository needs first. */
function addedMessage(result: AddWatchResult) {
  if (result.kind === 'confirm-private') {
    const what =
      result.kinds === 'both'
        ? 'releases and new issues'
        : result.kinds === 'issues'
          ? 'new issues'
          : 'releases';
    const button = (label: string, action: string, style: number) => ({
      type: 2,
      style,
      label,
      custom_id: customId('watch', action, result.token),
    });
    return {
      content: `${result.target} is a private repository: its ${what} would be posted in <#${result.channelId}>, where everyone who can read that channel sees them. Watch it anyway?`,
      components: [
        {
          type: 1,
          components: [
            button('Watch it anyway', 'confirm-private', 4),
            button('Cancel', 'cancel-private', 2),
          ],
        },
      ],
    };
  }
  const { watch, backfilled } = result;
  const start = backfilled > 0 ? `posted the latest ${backfilled}, and from now on` : 'from now on';
  const confirmed = watch.privateConfirmedBy
    ? ` 🔒 A private repository, confirmed by <@${watch.privateConfirmedBy}>.`
    : '';
  return {
    content: `Watch #${watch.id}: <#${watch.channelId}> gets ${describe(watch)} — ${start}, nothing older.${confirmed}`,
    components: [],
  };
}

export const componentActions = ['confirm-private', 'cancel-private'] as const;

/** The buttons under a private repository's question: `watch:confirm-private:<token>`, `watch:cancel-private:<token>`. */
export async function component(
  interaction: MessageComponentInteraction,
  hub: Hub,
  args: string[],
): Promise<void> {
  const [action, token = ''] = args;
  if (!interaction.isButton() || args.length !== 2) throw notOurs();
  if (action !== 'confirm-private' && action !== 'cancel-private') throw notOurs();
  const guildId = interaction.guildId!;
  requireChannelManager(interaction, await hub.settings.get(guildId), 'add watches');
  // Taken before the slow part (GitHub's check and the baseline): a stale or forged token is
  // answered at once, and a double click adds one watch.
  const request = await hub.tracking.watches.claimPrivate(guildId, interaction.user.id, token);
  if (!request) throw notOurs();
  if (action === 'cancel-private') {
    await interaction.update({
      content: `Nothing was added: ${request.target.trim()} stays unwatched.`,
      components: [],
      allowedMentions: { parse: [] },
    });
    return;
  }
  await interaction.deferUpdate();
  await respond(
    interaction,
    addedMessage(await hub.tracking.watches.addConfirmed(request, interaction.user.id)),
  );
}

async function preset(interaction: ChatInputCommandInteraction, hub: Hub): Promise<void> {
  const guildId = interaction.guildId!;
  requireChannelManager(interaction, await hub.settings.get(guildId), 'add watches');
  const channelId = interaction.options.getChannel('channel')?.id ?? interaction.channelId;
  const result = await hub.tracking.watches.addPreset({
    guildId,
    channelId,
    userId: interaction.user.id,
    name: interaction.options.getString('name', true),
  });
  const lines = [
    `**${result.preset.title}** in <#${channelId}>: ${result.added.length} watch${result.added.length === 1 ? '' : 'es'} added.`,
    ...result.added.map((w) => `• #${w.id} ${describe(w)}`),
    ...(result.skipped.length ? ['Not added:', ...result.skipped.map((s) => `• ${s}`)] : []),
  ];
  await respond(interaction, { content: truncate(lines.join('\n'), 2000), private: true });
}

async function list(interaction: ChatInputCommandInteraction, hub: Hub): Promise<void> {
  const watches = await hub.tracking.watches.list(interaction.guildId!);
  if (watches.length === 0) {
    await respond(interaction, {
      content: 'This server watches nothing yet. Start with /watch add or /watch preset.',
      private: true,
    });
    return;
  }
  const embed = new EmbedBuilder()
    .setTitle(`Watches in this server (${watches.length})`)
    .setColor(0x2b6cb0)
    .setDescription(fitEntries(watches.map(listLine), 4096))
    .setFooter({
      text: `Polled ${describeFreshness(await hub.tracking.tracker.freshness(), hub.config.tracking.pollIntervalMinutes)}. Remove one with /watch remove id`,
    });
  await respond(interaction, { embeds: [embed], private: true });
}

async function remove(interaction: ChatInputCommandInteraction, hub: Hub): Promise<void> {
  const guildId = interaction.guildId!;
  requireChannelManager(interaction, await hub.settings.get(guildId), 'remove watches');
  const watch = await hub.tracking.watches.remove(
    guildId,
    interaction.options.getInteger('id', true),
    interaction.user.id,
  );
  await respond(interaction, {
    content: `Removed watch #${watch.id}: <#${watch.channelId}> no longer gets ${describe(watch)}.`,
    private: true,
  });
}

function describe(w: Watch): string {
  if (w.source === 'huggingface') return `new models of ${w.target} on Hugging Face`;
  const what =
    w.kinds === 'both' ? 'releases and new issues' : w.kinds === 'issues' ? 'new issues' : 'releases';
  const filters = [
    w.kinds !== 'issues' && w.prereleases !== 'include'
      ? w.prereleases === 'only'
        ? 'pre-releases only'
        : 'no pre-releases'
      : null,
    w.labels.length ? `labels ${w.labels.join(', ')}` : null,
  ].filter(Boolean);
  return `${what} of ${w.target}${filters.length ? ` (${filters.join('; ')})` : ''}`;
}

/** Whole entries while they fit, then how many were left out (a cut entry would break its mention). */
function fitEntries(entries: string[], limit: number): string {
  const shown: string[] = [];
  let used = 0;
  for (const [i, entry] of entries.entries()) {
    const more = `…and ${entries.length - i} more.`;
    const last = i === entries.length - 1;
    const cost = (shown.length ? 2 : 0) + entry.length;
    // Room for the entry, and unless it is the last, for the "more" line that may follow it.
    if (used + cost + (last ? 0 : 2 + more.length + 4) > limit) {
      shown.push(more);
      break;
    }
    shown.push(entry);
    used += cost;
  }
  return truncate(shown.join('\n\n'), limit);
}

function listLine(w: WatchListing): string {
  const lines = [`**#${w.id}** ${describe(w)} → <#${w.channelId}>`];
  lines.push(
    w.lastSuccessAt ? `last successful poll ${discordTime(new Date(w.lastSuccessAt))}` : 'not polled yet',
  );
  if (w.privateConfirmedBy)
    lines.push(
      `🔒 private repository, posted here as <@${w.privateConfirmedBy}> confirmed${w.privateConfirmedAt ? ` ${discordTime(new Date(w.privateConfirmedAt))}` : ''}`,
    );
  if (w.failingSinceAt)
    lines.push(
      `⚠️ failing since ${discordTime(new Date(w.failingSinceAt))}: ${truncate(w.lastError ?? '', 200)}`,
    );
  if (w.sourceError) lines.push(`⚠️ last error: ${truncate(w.sourceError, 200)}`);
  return lines.join('\n');
}
