// /idea — propose, find, vote on and triage architecture ideas; curators file them on GitHub.
import {
  type APIActionRowComponent,
  type APIComponentInActionRow,
  type APIEmbed,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  InteractionContextType,
  type MessageComponentInteraction,
  MessageFlags,
  type ModalSubmitInteraction,
  type RepliableInteraction,
  SlashCommandBuilder,
} from 'discord.js';
import { customId, STALE_ANSWER } from '../src/discord/command.ts';
import { truncate } from '../src/discord/format.ts';
import { requireCurator } from '../src/discord/permissions.ts';
import { replyPrivately, respond } from '../src/discord/reply.ts';
import { UserError } from '../src/errors.ts';
import type { Hub } from '../src/hub.ts';
import { type Posted, validateSubmission } from '../src/ideas/lifecycle.ts';
import { discussionLink, historyLines, ideaEmbed, ideaLine, ideaMessage } from '../src/ideas/render.ts';
import {
  CURATOR_STATUSES,
  FIELD_LIMITS,
  type Idea,
  type IdeaStatus,
  type ListSort,
  STATUS_LABELS,
  STATUSES,
  votingOpen,
} from '../src/ideas/types.ts';

type Row = APIActionRowComponent<APIComponentInActionRow>;
const PAGE_SIZE = 10;

export const data = new SlashCommandBuilder()
  .setName('idea')
  .setDescription('Propose, find and follow architecture-improvement ideas')
  .setContexts(InteractionContextType.Guild)
  .addSubcommand((s) =>
    s
      .setName('submit')
      .setDescription('Propose an idea (opens a form)')
      .addStringOption((o) =>
        o
          .setName('family')
          .setDescription('Model family it is about, e.g. granite, llama, mistral')
          .setMaxLength(FIELD_LIMITS.family),
      ),
  )
  .addSubcommand((s) =>
    s
      .setName('show')
      .setDescription('Show one idea with its history')
      .addIntegerOption((o) =>
        o.setName('id').setDescription('Idea number').setRequired(true).setMinValue(1),
      ),
  )
  .addSubcommand((s) =>
    s
      .setName('search')
      .setDescription('Full-text search, best matches first')
      .addStringOption((o) =>
        o.setName('query').setDescription('Words to look for').setRequired(true).setMaxLength(200),
      ),
  )
  .addSubcommand((s) =>
    s
      .setName('list')
      .setDescription('List ideas')
      .addStringOption((o) =>
        o
          .setName('status')
          .setDescription('Only ideas with this status')
          .addChoices(...STATUSES.map((v) => ({ name: STATUS_LABELS[v], value: v }))),
      )
      .addStringOption((o) =>
        o
          .setName('family')
          .setDescription('Only ideas about this model family')
          .setMaxLength(FIELD_LIMITS.family),
      )
      .addStringOption((o) =>
        o
          .setName('sort')
          .setDescription('Order (default: top)')
          .addChoices(
            { name: 'top (most net votes)', value: 'top' },
            { name: 'new', value: 'new' },
            { name: 'trending (votes in the last 7 days)', value: 'trending' },
          ),
      ),
  )
  .addSubcommand((s) => s.setName('review').setDescription('Curators: walk the queue of new ideas'))
  .addSubcommand((s) =>
    s
      .setName('status')
      .setDescription('Curators: set or revise the status of an idea')
      .addIntegerOption((o) => o.setName('id').setDescription('Idea number').setRequired(true).setMinValue(1))
      .addStringOption((o) =>
        o
          .setName('status')
          .setDescription('New status')
          .setRequired(true)
          .addChoices(...CURATOR_STATUSES.map((v) => ({ name: STATUS_LABELS[v], value: v }))),
      )
      .addStringOption((o) =>
        o
          .setName('reason')
          .setDescription('Why (members read it)')
          .setRequired(true)
          .setMaxLength(FIELD_LIMITS.reason),
      )
      .addIntegerOption((o) =>
        o.setName('duplicate_of').setDescription('For duplicate: the original idea number').setMinValue(1),
      ),
  )
  .addSubcommand((s) =>
    s
      .setName('file')
      .setDescription('Curators: file an accepted idea as a GitHub issue')
      .addIntegerOption((o) => o.setName('id').setDescription('Idea number').setRequired(true).setMinValue(1))
      .addStringOption((o) =>
        o
          .setName('repo')
          .setDescription('owner/name (default: the server’s default repository)')
          .setMaxLength(140),
      )
      .addStringOption((o) =>
        o
          .setName('labels')
          .setDescription('Comma-separated labels, e.g. enhancement,architecture')
          .setMaxLength(200),
      ),
  )
  .addSubcommand((s) =>
    s
      .setName('export')
      .setDescription('Curators: every idea with its votes and status as a file')
      .addStringOption((o) =>
        o
          .setName('format')
          .setDescription('File format')
          .setRequired(true)
          .addChoices({ name: 'CSV', value: 'csv' }, { name: 'JSON', value: 'json' }),
      ),
  )
  .addSubcommand((s) =>
    s
      .setName('follow')
      .setDescription('Follow an idea (hear about its status changes), or stop following it')
      .addIntegerOption((o) => o.setName('id').setDescription('Idea number').setRequired(true).setMinValue(1))
      .addBooleanOption((o) =>
        o.setName('following').setDescription('false to stop following').setRequired(true),
      ),
  )
  .addSubcommand((s) =>
    s
      .setName('notifications')
      .setDescription('Turn all idea notifications in this server on or off for you')
      .addBooleanOption((o) => o.setName('enabled').setDescription('Receive them?').setRequired(true)),
  );

export const defer = { file: 'private', export: 'private' } as const;

export async function execute(interaction: ChatInputCommandInteraction, hub: Hub): Promise<unknown> {
  switch (interaction.options.getSubcommand()) {
    case 'submit':
      return openSubmitForm(interaction, hub);
    case 'show':
      return show(interaction, hub);
    case 'search':
      return search(interaction, hub);
    case 'list':
      return list(interaction, hub);
    case 'review':
      return review(interaction, hub);
    case 'status':
      return setStatus(interaction, hub);
    case 'file':
      return file(interaction, hub);
    case 'export':
      return exportIdeas(interaction, hub);
    case 'follow':
      return follow(interaction, hub);
    case 'notifications':
      return notifications(interaction, hub);
  }
  return undefined;
}

/** A positive idea, draft or page number from a custom id; a forged or stale one is the member's to hear about. */
function idArg(value: string, min = 1): number {
  const n = /^\d{1,9}$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= min)) throw new UserError(STALE);
  return n;
}

const STALE = STALE_ANSWER;

export const componentActions = ['vote', 'discuss', 'draft', 'page', 'review'] as const;
export const modalActions = ['submit', 'decide'] as const;

export async function component(
  interaction: MessageComponentInteraction,
  hub: Hub,
  args: string[],
): Promise<unknown> {
  const [action, a = '', b = '', c = '', d = ''] = args;
  // Every component of /idea is a button.
  if (!interaction.isButton()) throw new UserError(STALE);
  if (action === 'vote' && (b === 'up' || b === 'down'))
    return vote(interaction, hub, idArg(a), b === 'down' ? -1 : 1);
  if (action === 'discuss') return discuss(interaction, hub, idArg(a));
  if (action === 'draft' && (b === 'submit' || b === 'cancel' || b === 'support'))
    return draftChoice(interaction, hub, idArg(a), b, b === 'support' ? idArg(c) : 0);
  if (action === 'page' && (['top', 'new', 'trending'] as string[]).includes(d))
    return page(interaction, hub, idArg(a, 0), b, c, d);
  if (action === 'review') return reviewAction(interaction, hub, a, idArg(b));
  throw new UserError(STALE);
}

/** A text field of a submitted form; a form without it is not one the bot showed. */
function textField(interaction: ModalSubmitInteraction, name: string): string {
  const value = interaction.fields.fields.get(name);
  if (!value || !('value' in value) || typeof value.value !== 'string') throw new UserError(STALE);
  return value.value;
}

export async function modal(interaction: ModalSubmitInteraction, hub: Hub, args: string[]): Promise<unknown> {
  const [action, a = '', b = ''] = args;
  if (action === 'submit') return submitForm(interaction, hub, a);
  if (action === 'decide') return decide(interaction, hub, a, idArg(b));
  throw new UserError(STALE);
}

// --- submitting ----------------------------------------------------------------------------

function displayName(interaction: RepliableInteraction): string {
  const member = interaction.member;
  if (member && 'displayName' in member && typeof member.displayName === 'string') return member.displayName;
  if (member && 'nick' in member && member.nick) return member.nick;
  return interaction.user.globalName ?? interaction.user.username;
}

async function openSubmitForm(interaction: ChatInputCommandInteraction, hub: Hub): Promise<void> {
  const family = validateSubmission({
    title: 'x',
    problem: 'x',
    proposal: 'x',
    family: interaction.options.getString('family'),
  }).family;
  // Before the form, so nobody writes an idea that cannot be saved.
  await hub.ideas.lifecycle.checkRateLimit(interaction.guildId!, interaction.user.id);
  const input = (
    id: string,
    label: string,
    style: 1 | 2,
    max: number,
    required: boolean,
    placeholder: string,
  ) => ({
    type: 1,
    components: [{ type: 4, custom_id: id, label, style, max_length: max, required, placeholder }],
  });
  await interaction.showModal({
    custom_id: customId('idea', 'submit', family ?? ''),
    title: family ? truncate(`New idea for ${family}`, 45) : 'New idea',
    components: [
      input('title', 'Title', 1, FIELD_LIMITS.title, true, 'Grouped-query attention for the 8B model'),
      input(
        'problem',
        'Problem or motivation',
        2,
        FIELD_LIMITS.problem,
        true,
        'What is wrong or missing today?',
      ),
      input('proposal', 'Proposal', 2, FIELD_LIMITS.proposal, true, 'What should change, concretely?'),
      input(
        'evidence',
        'Evidence or links (optional)',
        2,
        FIELD_LIMITS.evidence,
        false,
        'Papers, benchmarks, issues',
      ),
    ],
  } as unknown as Parameters<typeof interaction.showModal>[0]);
}

async function submitForm(interaction: ModalSubmitInteraction, hub: Hub, family: string): Promise<void> {
  const field = (name: string) => textField(interaction, name);
  const input = validateSubmission({
    title: field('title'),
    problem: field('problem'),
    proposal: field('proposal'),
    evidence: interaction.fields.fields.has('evidence') ? field('evidence') : '',
    family: family || null,
  });
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const result = await hub.ideas.lifecycle.submit(
    interaction.guildId!,
    { id: interaction.user.id, name: displayName(interaction) },
    input,
  );
  if (result.kind === 'created') return respond(interaction, createdAnswer(result.idea, result.posted));
  const buttons: Row['components'] = [
    {
      type: 2,
      style: 1,
      label: 'Submit anyway',
      custom_id: customId('idea', 'draft', result.draftId, 'submit'),
    },
    ...result.similar
      .filter((idea) => votingOpen(idea.status))
      .map((idea) => ({
        type: 2 as const,
        style: 2 as const,
        label: `Support #${idea.number} instead`,
        custom_id: customId('idea', 'draft', result.draftId, 'support', idea.number),
      })),
    { type: 2, style: 4, label: 'Cancel', custom_id: customId('idea', 'draft', result.draftId, 'cancel') },
  ];
  await respond(interaction, {
    content: truncate(
      `These ideas look similar to yours. Support one of them instead, or submit yours anyway:\n${result.similar
        .map((i) => `${ideaLine(i)}${linkSuffix(i)}`)
        .join('\n')}`,
      2000,
    ),
    components: [{ type: 1, components: buttons }],
  });
}

function linkSuffix(idea: Idea): string {
  const link = discussionLink(idea);
  return link ? ` · ${link}` : '';
}

function createdAnswer(idea: Idea, posted: Posted) {
  const where =
    posted === 'posted'
      ? `It is posted for votes: ${discussionLink(idea)}`
      : posted === 'failed'
        ? 'It is saved, but Discord would not take its post in the ideas channel just now; the bot tries again every few minutes.'
        : 'It is saved, but this server has no ideas channel yet (a curator sets one with /hub config ideas_channel), so it was not posted.';
  return { content: `Thanks! Your idea is #${idea.number}. ${where}`, embeds: [], components: [] };
}

async function draftChoice(
  interaction: ButtonInteraction,
  hub: Hub,
  draftId: number,
  choice: 'submit' | 'cancel' | 'support',
  number: number,
): Promise<void> {
  const { lifecycle } = hub.ideas;
  const guildId = interaction.guildId!;
  // Every check happens before the message is acknowledged, so a refusal arrives as a private
  // answer and the draft message keeps its buttons.
  if (choice === 'cancel') {
    await lifecycle.cancelDraft(guildId, draftId, interaction.user.id);
    await interaction.update({
      content: 'Cancelled; nothing was saved.',
      components: [],
      allowedMentions: { parse: [] },
    });
    return;
  }
  if (choice === 'support') {
    const idea = await lifecycle.supportInstead(guildId, draftId, interaction.user.id, number);
    await interaction.update({
      content: `You now support #${idea.number} (▲${idea.up} ▼${idea.down}) and follow it; your draft was dropped.${linkSuffix(idea)}`,
      components: [],
      allowedMentions: { parse: [] },
    });
    return;
  }
  const idea = await lifecycle.claimDraft(guildId, draftId, interaction.user.id);
  await interaction.deferUpdate();
  const result = await lifecycle.publishNew(idea);
  if (result.kind === 'created') return respond(interaction, createdAnswer(result.idea, result.posted));
}

// --- voting and discussing ----------------------------------------------------------------

async function vote(interaction: ButtonInteraction, hub: Hub, number: number, value: 1 | -1): Promise<void> {
  const { idea, outcome, following } = await hub.ideas.lifecycle.vote(
    interaction.guildId!,
    number,
    interaction.user.id,
    value,
  );
  const kind = value === 1 ? 'upvote' : 'downvote';
  const text =
    outcome === 'withdrawn'
      ? `You withdrew your ${kind} on #${number}.`
      : `Your ${kind} on #${number} counts${outcome === 'changed' ? ' (it replaced your other vote)' : ''}; click again to withdraw it.${following ? ' You follow this idea now (/idea follow to stop).' : ''}`;
  await replyPrivately(interaction, `${text} Now ▲${idea.up} ▼${idea.down}.`);
}

async function discuss(interaction: ButtonInteraction, hub: Hub, number: number): Promise<void> {
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const threadId = await hub.ideas.lifecycle.discuss(interaction.guildId!, number);
  await respond(interaction, { content: `Discuss #${number} here: <#${threadId}>` });
}

// --- reading ------------------------------------------------------------------------------

async function show(interaction: ChatInputCommandInteraction, hub: Hub): Promise<void> {
  const { lifecycle } = hub.ideas;
  const idea = await lifecycle.require(interaction.guildId!, interaction.options.getInteger('id', true));
  const duplicate = idea.duplicateOf ? (await hub.ideas.store.getById(idea.duplicateOf))?.number : null;
  const message = ideaMessage(idea, duplicate);
  const history = historyLines(await lifecycle.history(idea));
  const embed = { ...ideaEmbed(idea, duplicate) };
  embed.fields = [...(embed.fields ?? []), { name: 'History', value: truncate(history || '—', 1024) }];
  const link = discussionLink(idea);
  if (link) embed.url = link;
  await respond(interaction, { embeds: [embed], components: message.components ?? [] });
}

async function search(interaction: ChatInputCommandInteraction, hub: Hub): Promise<void> {
  const query = interaction.options.getString('query', true);
  const found = await hub.ideas.lifecycle.search(interaction.guildId!, query, PAGE_SIZE);
  const embed: APIEmbed = {
    title: truncate(`Ideas matching “${query}”`, 256),
    description: found.length
      ? found.map(ideaLine).join('\n')
      : 'No idea matches. Propose one with /idea submit.',
  };
  await respond(interaction, { embeds: [embed] });
}

function parseStatus(value: string | null): IdeaStatus | undefined {
  return value && (STATUSES as readonly string[]).includes(value) ? (value as IdeaStatus) : undefined;
}

async function listView(
  hub: Hub,
  guildId: string,
  pageNo: number,
  status: string,
  family: string,
  sort: ListSort,
) {
  const ideas = await hub.ideas.lifecycle.list(
    guildId,
    { status: parseStatus(status), family: family || undefined, sort },
    PAGE_SIZE + 1,
    pageNo * PAGE_SIZE,
  );
  const more = ideas.length > PAGE_SIZE;
  const shown = ideas.slice(0, PAGE_SIZE);
  const filters = [status && STATUS_LABELS[status as IdeaStatus], family].filter(Boolean).join(', ');
  const embed: APIEmbed = {
    title: `Ideas — ${sort}${filters ? ` (${filters})` : ''}`,
    description: shown.length
      ? shown.map(ideaLine).join('\n')
      : 'No ideas here yet. Propose one with /idea submit.',
    footer: { text: `Page ${pageNo + 1}` },
  };
  const pageId = (n: number) => customId('idea', 'page', n, status || '-', family || '-', sort);
  const components: Row[] =
    pageNo > 0 || more
      ? [
          {
            type: 1,
            components: [
              { type: 2, style: 2, label: 'Previous', custom_id: pageId(pageNo - 1), disabled: pageNo === 0 },
              { type: 2, style: 2, label: 'Next', custom_id: pageId(pageNo + 1), disabled: !more },
            ],
          },
        ]
      : [];
  return { embeds: [embed], components };
}

async function list(interaction: ChatInputCommandInteraction, hub: Hub): Promise<void> {
  const family = interaction.options.getString('family')?.trim().toLowerCase() ?? '';
  if (family.includes(':')) throw new UserError('A model family has no colon in it.');
  const sort = (interaction.options.getString('sort') ?? 'top') as ListSort;
  await respond(
    interaction,
    await listView(hub, interaction.guildId!, 0, interaction.options.getString('status') ?? '', family, sort),
  );
}

async function page(
  interaction: ButtonInteraction,
  hub: Hub,
  pageNo: number,
  status: string,
  family: string,
  sort: string,
): Promise<void> {
  const view = await listView(
    hub,
    interaction.guildId!,
    Math.max(0, pageNo),
    status === '-' ? '' : status,
    family === '-' ? '' : family,
    (['top', 'new', 'trending'].includes(sort) ? sort : 'top') as ListSort,
  );
  await interaction.update({ ...view, allowedMentions: { parse: [] } });
}

// --- curating -----------------------------------------------------------------------------

async function reviewView(hub: Hub, guildId: string, afterNumber: number) {
  const { idea, waiting } = await hub.ideas.lifecycle.nextForReview(guildId, afterNumber);
  if (!idea) return { content: 'No new ideas wait for review. 🎉', embeds: [], components: [] };
  const button = (label: string, action: string, style: number) => ({
    type: 2,
    style,
    label,
    custom_id: customId('idea', 'review', action, idea.number),
  });
  return {
    content: `${waiting} new idea${waiting === 1 ? '' : 's'} wait${waiting === 1 ? 's' : ''} for review.`,
    embeds: [ideaEmbed(idea)],
    components: [
      {
        type: 1,
        components: [
          button('Accept', 'accepted', 3),
          button('Reject', 'rejected', 4),
          button('Duplicate of…', 'duplicate', 2),
          button('Needs info', 'needs_info', 2),
          button('Skip', 'skip', 2),
        ],
      },
    ] as Row[],
  };
}

async function review(interaction: ChatInputCommandInteraction, hub: Hub): Promise<void> {
  requireCurator(interaction, await hub.settings.get(interaction.guildId!), 'review ideas');
  await respond(interaction, { ...(await reviewView(hub, interaction.guildId!, 0)), private: true });
}

async function reviewAction(
  interaction: ButtonInteraction,
  hub: Hub,
  action: string,
  number: number,
): Promise<void> {
  requireCurator(interaction, await hub.settings.get(interaction.guildId!), 'review ideas');
  if (action === 'skip') {
    await interaction.update({
      ...(await reviewView(hub, interaction.guildId!, number)),
      allowedMentions: { parse: [] },
    });
    return;
  }
  const status = parseStatus(action);
  if (!status || !(CURATOR_STATUSES as readonly string[]).includes(status)) throw new UserError(STALE);
  const fields = [
    {
      type: 1,
      components: [
        {
          type: 4,
          custom_id: 'reason',
          label: 'Reason (the author and followers read it)',
          style: 2,
          max_length: FIELD_LIMITS.reason,
          required: true,
          ...(status === 'accepted'
            ? { value: 'Accepted for filing: clear problem, concrete proposal.' }
            : {}),
        },
      ],
    },
  ];
  if (status === 'duplicate')
    fields.unshift({
      type: 1,
      components: [
        {
          type: 4,
          custom_id: 'duplicate_of',
          label: 'Duplicate of idea number',
          style: 1,
          max_length: 10,
          required: true,
        },
      ],
    } as unknown as (typeof fields)[number]);
  await interaction.showModal({
    custom_id: customId('idea', 'decide', status, number),
    title: truncate(`#${number}: ${STATUS_LABELS[status]}`, 45),
    components: fields,
  } as unknown as Parameters<typeof interaction.showModal>[0]);
}

async function decide(
  interaction: ModalSubmitInteraction,
  hub: Hub,
  action: string,
  number: number,
): Promise<void> {
  const guildId = interaction.guildId!;
  requireCurator(interaction, await hub.settings.get(guildId), 'review ideas');
  const status = parseStatus(action);
  if (!status || !(CURATOR_STATUSES as readonly string[]).includes(status)) throw new UserError(STALE);
  let duplicateOf: number | undefined;
  if (status === 'duplicate') {
    const raw = textField(interaction, 'duplicate_of').trim().replace(/^#/, '');
    if (!/^\d+$/.test(raw)) throw new UserError(`“${raw}” is not an idea number; write it like 12.`);
    duplicateOf = Number(raw);
  }
  const reason = textField(interaction, 'reason');
  const idea = await hub.ideas.lifecycle.changeStatus(guildId, number, interaction.user.id, status, reason, {
    ...(duplicateOf !== undefined ? { duplicateOf } : {}),
  });
  const done = `#${idea.number} is now ${STATUS_LABELS[idea.status]}.`;
  if (interaction.isFromMessage()) {
    const next = await reviewView(hub, guildId, number);
    await interaction.update({ ...next, content: `${done} ${next.content}`, allowedMentions: { parse: [] } });
  } else {
    await replyPrivately(interaction, done);
  }
}

async function setStatus(interaction: ChatInputCommandInteraction, hub: Hub): Promise<void> {
  const guildId = interaction.guildId!;
  requireCurator(interaction, await hub.settings.get(guildId), 'change the status of ideas');
  const status = parseStatus(interaction.options.getString('status', true));
  if (!status) throw new UserError('Choose one of the listed statuses.');
  const duplicateOf = interaction.options.getInteger('duplicate_of');
  const idea = await hub.ideas.lifecycle.changeStatus(
    guildId,
    interaction.options.getInteger('id', true),
    interaction.user.id,
    status,
    interaction.options.getString('reason', true),
    duplicateOf !== null ? { duplicateOf } : {},
  );
  await replyPrivately(
    interaction,
    `#${idea.number} is now ${STATUS_LABELS[idea.status]}. The author and followers are told.`,
  );
}

async function file(interaction: ChatInputCommandInteraction, hub: Hub): Promise<void> {
  const guildId = interaction.guildId!;
  requireCurator(interaction, await hub.settings.get(guildId), 'file ideas on GitHub');
  const labels = (interaction.options.getString('labels') ?? '')
    .split(',')
    .map((l) => l.trim())
    .filter(Boolean);
  const result = await hub.ideas.filing.file(
    guildId,
    interaction.options.getInteger('id', true),
    interaction.user.id,
    {
      repo: interaction.options.getString('repo'),
      labels,
      guildName: interaction.guild?.name ?? 'a Discord server',
    },
  );
  await respond(interaction, {
    content: result.adopted
      ? `#${result.idea.number} was already filed by an earlier attempt that did not finish; it is now linked: ${result.issueUrl}`
      : `#${result.idea.number} is filed: ${result.issueUrl}. The author is told.`,
  });
}

async function exportIdeas(interaction: ChatInputCommandInteraction, hub: Hub): Promise<void> {
  const guildId = interaction.guildId!;
  requireCurator(interaction, await hub.settings.get(guildId), 'export ideas');
  const format = interaction.options.getString('format', true) === 'json' ? 'json' : 'csv';
  const file = await hub.ideas.export(guildId, format);
  await respond(interaction, {
    content: `Every idea of this server with its votes and status (${format.toUpperCase()}).`,
    files: [{ attachment: file.data, name: file.name }],
  });
}

// --- following ----------------------------------------------------------------------------

async function follow(interaction: ChatInputCommandInteraction, hub: Hub): Promise<void> {
  const following = interaction.options.getBoolean('following', true);
  const idea = await hub.ideas.lifecycle.follow(
    interaction.guildId!,
    interaction.options.getInteger('id', true),
    interaction.user.id,
    following,
  );
  await replyPrivately(
    interaction,
    following
      ? `You follow #${idea.number}: you will hear about its status changes.`
      : `You no longer follow #${idea.number}; voting on it again will not change that.`,
  );
}

async function notifications(interaction: ChatInputCommandInteraction, hub: Hub): Promise<void> {
  const enabled = interaction.options.getBoolean('enabled', true);
  await hub.ideas.lifecycle.setNotifications(interaction.guildId!, interaction.user.id, enabled);
  await replyPrivately(
    interaction,
    enabled
      ? 'Idea notifications are on: you hear about ideas you wrote, voted on or follow.'
      : 'Idea notifications are off for you in this server. Turn them back on with /idea notifications enabled:true.',
  );
}
