// A row of `ideas` (either engine's) as an Idea: the one mapping the store and both searches share.
import type { Selectable } from 'kysely';
import type { IdeasTable } from '../db/schema.ts';
import type { Idea } from './types.ts';

export function toIdea(r: Selectable<IdeasTable>): Idea {
  return {
    id: r.id,
    guildId: r.guild_id,
    number: r.number,
    authorId: r.author_id,
    authorName: r.author_name,
    family: r.family,
    title: r.title,
    problem: r.problem,
    proposal: r.proposal,
    evidence: r.evidence,
    status: r.status,
    statusReason: r.status_reason,
    duplicateOf: r.duplicate_of,
    up: r.up_count,
    down: r.down_count,
    channelId: r.channel_id,
    messageId: r.message_id,
    threadId: r.thread_id,
    isForum: r.is_forum === 1,
    issueRepo: r.issue_repo,
    issueNumber: r.issue_number,
    issueUrl: r.issue_url,
    issueEtag: r.issue_etag,
    filedAt: r.filed_at,
    sectionUp: r.section_up,
    sectionDown: r.section_down,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
