// How ideas look in Discord, as plain API JSON (no discord.js), always inside Discord's limits.
import { customId } from '../discord/command.ts';
import { discordTime, LIMITS, truncate } from '../discord/format.ts';
import type { APIActionRowComponent, APIComponentInActionRow, APIEmbed } from '../discord/payloads.ts';
import type { OutgoingMessage } from '../discord/post.ts';
import { type Idea, type IdeaEvent, STATUS_LABELS, votingOpen } from './types.ts';

type Row = APIActionRowComponent<APIComponentInActionRow>;

const COLORS: Record<Idea['status'], number> = {
  new: 0x5865f2,
  needs_info: 0xfee75c,
  accepted: 0x57f287,
  rejected: 0xed4245,
  duplicate: 0x99aab5,
  filed: 0x3ba55c,
  done: 0x2d7d46,
  declined_upstream: 0x99aab5,
};

export function messageLink(guildId: string, channelId: string, messageId?: string | null): string {
  return `https://discord.com/channels/${guildId}/${channelId}${messageId ? `/${messageId}` : ''}`;
}

/** Where the idea is discussed: its thread when it has one, else its message. */
export function discussionLink(idea: Idea): string | null {
  if (idea.threadId) return messageLink(idea.guildId, idea.threadId);
  if (idea.channelId) return messageLink(idea.guildId, idea.channelId, idea.messageId);
  return null;
}

export function statusLine(idea: Idea, duplicateNumber?: number | null): string {
  let line = STATUS_LABELS[idea.status];
  if (idea.status === 'duplicate' && duplicateNumber) line += ` of #${duplicateNumber}`;
  if (idea.statusReason) line += ` — ${idea.statusReason}`;
  return truncate(line, LIMITS.fieldValue);
}

export function ideaEmbed(idea: Idea, duplicateNumber?: number | null): APIEmbed {
  const sections = [`**Problem**\n${idea.problem}`, `**Proposal**\n${idea.proposal}`];
  if (idea.evidence) sections.push(`**Evidence**\n${idea.evidence}`);
  const fields: NonNullable<APIEmbed['fields']> = [
    { name: 'Status', value: statusLine(idea, duplicateNumber), inline: false },
    { name: 'Upvotes', value: String(idea.up), inline: true },
    { name: 'Downvotes', value: String(idea.down), inline: true },
  ];
  if (idea.family) fields.push({ name: 'Family', value: idea.family, inline: true });
  if (idea.issueUrl) fields.push({ name: 'GitHub issue', value: idea.issueUrl, inline: false });
  return {
    title: truncate(`#${idea.number} ${idea.title}`, LIMITS.embedTitle),
    // Three 1500-character fields fit 4096 with room for headings; truncate guards the rest.
    description: truncate(sections.join('\n\n'), LIMITS.embedDescription),
    color: COLORS[idea.status],
    fields,
    footer: { text: truncate(`Proposed by ${idea.authorName}`, LIMITS.footer) },
    timestamp: idea.createdAt,
  };
}

export function ideaButtons(idea: Idea): Row[] {
  const closed = !votingOpen(idea.status);
  return [
    {
      type: 1,
      components: [
        {
          type: 2,
          style: 3,
          label: `Upvote (${idea.up})`,
          custom_id: customId('idea', 'vote', idea.number, 'up'),
          disabled: closed,
        },
        {
          type: 2,
          style: 4,
          label: `Downvote (${idea.down})`,
          custom_id: customId('idea', 'vote', idea.number, 'down'),
          disabled: closed,
        },
        { type: 2, style: 2, label: 'Discuss', custom_id: customId('idea', 'discuss', idea.number) },
      ],
    },
  ];
}

export function ideaMessage(idea: Idea, duplicateNumber?: number | null): OutgoingMessage {
  return { embeds: [ideaEmbed(idea, duplicateNumber)], components: ideaButtons(idea) };
}

/** One line per idea, for lists and search results. */
export function ideaLine(idea: Idea): string {
  const family = idea.family ? ` · ${idea.family}` : '';
  return truncate(
    `**#${idea.number}** ${idea.title} — ▲${idea.up} ▼${idea.down} · ${STATUS_LABELS[idea.status]}${family}`,
    300,
  );
}

/** Who acted: a member (a mention, which pings nobody in an embed) or GitHub for upstream changes. */
function actor(id: string): string {
  return /^\d{1,20}$/.test(id) ? `<@${id}>` : 'GitHub';
}

export function historyLines(events: IdeaEvent[]): string {
  return events
    .slice(-10)
    .map((e) => {
      const change = e.toStatus
        ? `${e.fromStatus ? `${STATUS_LABELS[e.fromStatus]} → ` : ''}${STATUS_LABELS[e.toStatus]}`
        : e.action;
      return truncate(
        `${discordTime(new Date(e.at), 'd')} ${actor(e.actorId)} ${change}${e.reason ? `: ${e.reason}` : ''}`,
        200,
      );
    })
    .join('\n');
}
