// Every idea of a server with its votes and status, as CSV (one row per idea) or JSON (with each vote).
import type { IdeaStore } from './store.ts';

const COLUMNS = [
  'number',
  'title',
  'status',
  'status_reason',
  'family',
  'author_id',
  'author_name',
  'up',
  'down',
  'duplicate_of',
  'issue_url',
  'created_at',
  'updated_at',
  'problem',
  'proposal',
  'evidence',
] as const;

function csvCell(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  // A leading = + - @ would run as a formula in a spreadsheet.
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export async function exportIdeas(
  store: IdeaStore,
  guildId: string,
  format: 'csv' | 'json',
): Promise<{ name: string; data: Buffer }> {
  const ideas = await store.allIdeas(guildId);
  const numberOf = new Map(ideas.map((i) => [i.id, i.number]));
  if (format === 'csv') {
    const rows = ideas.map((i) =>
      [
        i.number,
        i.title,
        i.status,
        i.statusReason,
        i.family,
        i.authorId,
        i.authorName,
        i.up,
        i.down,
        i.duplicateOf ? numberOf.get(i.duplicateOf) : null,
        i.issueUrl,
        i.createdAt,
        i.updatedAt,
        i.problem,
        i.proposal,
        i.evidence,
      ]
        .map(csvCell)
        .join(','),
    );
    // The byte-order mark is how Excel on Windows knows a CSV is UTF-8 (else it reads the local
    // ANSI code page and garbles non-ASCII names and titles); other spreadsheets skip it.
    const csv = `\uFEFF${[COLUMNS.join(','), ...rows].join('\r\n')}\r\n`;
    return { name: 'ideas.csv', data: Buffer.from(csv, 'utf8') };
  }
  const votes = new Map<number, Array<{ userId: string; value: number; votedAt: string }>>();
  for (const v of await store.allVotes(guildId)) {
    const list = votes.get(v.ideaId) ?? [];
    list.push({ userId: v.userId, value: v.value, votedAt: v.votedAt });
    votes.set(v.ideaId, list);
  }
  const history = new Map<number, Awaited<ReturnType<IdeaStore['events']>>>();
  for (const e of await store.allEvents(guildId)) {
    const list = history.get(e.ideaId) ?? [];
    list.push(e);
    history.set(e.ideaId, list);
  }
  const out = ideas.map((i) => ({
    number: i.number,
    title: i.title,
    status: i.status,
    statusReason: i.statusReason,
    family: i.family,
    authorId: i.authorId,
    authorName: i.authorName,
    problem: i.problem,
    proposal: i.proposal,
    evidence: i.evidence,
    up: i.up,
    down: i.down,
    duplicateOf: i.duplicateOf ? (numberOf.get(i.duplicateOf) ?? null) : null,
    issueUrl: i.issueUrl,
    createdAt: i.createdAt,
    updatedAt: i.updatedAt,
    votes: votes.get(i.id) ?? [],
    history: history.get(i.id) ?? [],
  }));
  return { name: 'ideas.json', data: Buffer.from(JSON.stringify({ guildId, ideas: out }, null, 2)) };
}
