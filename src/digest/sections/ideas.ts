// The ideas section (tables of migrations/0004_ideas.sql): the week's top ideas by people's
// votes, the triage outcomes, and who proposed an idea for the first time.
import { sql } from 'kysely';
import type { Contributor, IdeaLine, IdeasSection } from '../types.ts';
import { notBot, perDay, type SectionQuery, tableExists } from './query.ts';

export interface IdeasRead {
  section: IdeasSection;
  newContributors: Contributor[];
  perDay: number[];
}

interface IdeaRow {
  id: number;
  guild_id: string;
  number: number;
  title: string;
  issue_url: string | null;
  channel_id: string | null;
  message_id: string | null;
  thread_id: string | null;
  is_forum: number;
}

const OUTCOMES = {
  accepted: ['accepted'],
  filed: ['filed'],
  done: ['done'],
  declined: ['rejected', 'declined_upstream'],
} as const;

function discordLink(row: IdeaRow): string | null {
  const channel = row.is_forum ? row.thread_id : row.channel_id;
  if (!channel || !row.message_id) return null;
  return `https://discord.com/channels/${row.guild_id}/${channel}/${row.message_id}`;
}

function line(row: IdeaRow, votes: number): IdeaLine {
  return { id: row.number, title: row.title, votes, issueUrl: row.issue_url, url: discordLink(row) };
}

export async function readIdeas(q: SectionQuery): Promise<IdeasRead | undefined> {
  for (const t of ['ideas', 'idea_votes', 'idea_events']) if (!tableExists(q.schema, t)) return undefined;
  const { db, guildId, from, to } = q;

  const created = (
    await sql<{ created_at: string }>`SELECT created_at FROM ideas
      WHERE guild_id = ${guildId} AND created_at >= ${from} AND created_at < ${to} AND ${notBot('author_id')}`.execute(
      db,
    )
  ).rows.map((r) => r.created_at);

  const totalNet = sql`(SELECT COALESCE(SUM(a.value), 0) FROM idea_votes a
    WHERE a.idea_id = i.id AND ${notBot('a.user_id')})`;

  // Ranked by the week's votes from people, net of downvotes; the idea's all-time net breaks ties.
  const top = (
    await sql<
      IdeaRow & { week_net: number; total_net: number }
    >`SELECT i.*, w.net AS week_net, ${totalNet} AS total_net
      FROM ideas i JOIN (
        SELECT v.idea_id, SUM(v.value) AS net FROM idea_votes v
        WHERE v.voted_at >= ${from} AND v.voted_at < ${to} AND ${notBot('v.user_id')}
        GROUP BY v.idea_id
      ) w ON w.idea_id = i.id
      WHERE i.guild_id = ${guildId} AND i.status NOT IN ('duplicate', 'rejected') AND w.net > 0
        AND ${notBot('i.author_id')}
      ORDER BY w.net DESC, total_net DESC, i.number ASC LIMIT 5`.execute(db)
  ).rows;

  const outcome = async (statuses: readonly string[]): Promise<IdeaLine[]> =>
    (
      await sql<IdeaRow & { total_net: number }>`SELECT i.*, ${totalNet} AS total_net
        FROM ideas i
        WHERE i.guild_id = ${guildId} AND ${notBot('i.author_id')}
          AND i.status IN (${sql.join(statuses)})
          AND EXISTS (SELECT 1 FROM idea_events e WHERE e.idea_id = i.id AND e.to_status = i.status
                      AND e.at >= ${from} AND e.at < ${to})
        ORDER BY i.number`.execute(db)
    ).rows.map((r) => line(r, Number(r.total_net)));

  const firsts = (
    await sql<{
      author_id: string;
      author_name: string;
      n: number;
    }>`SELECT author_id, MAX(author_name) AS author_name, COUNT(*) AS n
      FROM ideas
      WHERE guild_id = ${guildId} AND created_at >= ${from} AND created_at < ${to} AND ${notBot('author_id')}
        AND author_id NOT IN (SELECT author_id FROM ideas WHERE guild_id = ${guildId} AND created_at < ${from})
      GROUP BY author_id ORDER BY MIN(created_at)`.execute(db)
  ).rows;

  const [accepted, filed, done, declined] = await Promise.all([
    outcome(OUTCOMES.accepted),
    outcome(OUTCOMES.filed),
    outcome(OUTCOMES.done),
    outcome(OUTCOMES.declined),
  ]);
  return {
    section: {
      submitted: created.length,
      top: top.map((r) => ({ ...line(r, Number(r.total_net)), weekVotes: Number(r.week_net) })),
      accepted,
      filed,
      done,
      declined,
    },
    newContributors: firsts.map((r) => ({ userId: r.author_id, name: r.author_name, ideas: Number(r.n) })),
    perDay: perDay(created, q.dayBounds),
  };
}
