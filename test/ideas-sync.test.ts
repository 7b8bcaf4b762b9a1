// After filing: the issue's fate flows back to the idea and its author, the bot-owned section
// keeps fresh counts without touching anything else, and curators export everything.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECTION_BEGIN, SECTION_END } from '../src/ideas/issue-body.ts';
import type { GitHubEmulator } from './support/github/emulator.ts';
import type { TestHub } from './support/harness.ts';
import { type IdeasWorld, REPO, startIdeasWorld, TOKEN } from './support/ideas-world.ts';

let w: IdeasWorld;
let gh: GitHubEmulator;
let t: TestHub;
/** The idea filed once for this file (GitHub paces issue creation: one filing keeps the file fast). */
let number: number;
let issueNumber: number;

beforeAll(async () => {
  w = await startIdeasWorld();
  ({ gh, t } = w);
});
afterAll(async () => {
  await w?.stop();
});

const at = (userId: string) => ({ guildId: t.guildId, channelId: t.channelId, userId });
const acceptedIdea = (title: string) => w.acceptedIdea(title);
const fileCommand = (id: number, options?: Record<string, string>) => w.fileCommand(id, options);

beforeAll(async () => {
  number = await acceptedIdea('Sliding window attention');
  await fileCommand(number);
  await t.hub.ideas.settled();
  issueNumber = (await t.hub.ideas.lifecycle.get(t.guildId, number))!.issueNumber!;
});

/** A maintainer edits the issue on GitHub (not through the bot). */
async function maintainerEdit(edit: (body: string) => string): Promise<string> {
  const body = edit(gh.issue(REPO, issueNumber)!.body ?? '');
  const response = await fetch(`${gh.baseUrl}/repos/${REPO}/issues/${issueNumber}`, {
    method: 'PATCH',
    headers: { authorization: `token ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ body }),
  });
  expect(response.status).toBe(200);
  return body;
}

describe('the bot-owned section', () => {
  it('rewrites only its own section with fresh counts, keeping maintainers’ edits around it', async () => {
    const before = await maintainerEdit(
      (b) => `Maintainer triage: looks good.\n\n${b}\n\nEdited by a maintainer.`,
    );
    const voter = t.discord.addMember(t.guildId, { username: 'late-voter' });
    await t.hub.ideas.lifecycle.vote(t.guildId, number, t.memberId, 1);
    await t.hub.ideas.lifecycle.vote(t.guildId, number, voter, -1);
    const report = await t.hub.ideas.sync.syncFiledIssues();
    expect(report.sectionsRefreshed).toBe(1);
    const after = gh.issue(REPO, issueNumber)!.body!;
    expect(after).toContain('**Community votes:** 2 up, 1 down');
    const outside = (body: string) => [
      body.slice(0, body.indexOf(SECTION_BEGIN)),
      body.slice(body.indexOf(SECTION_END) + SECTION_END.length),
    ];
    expect(outside(after)).toEqual(outside(before));
    expect(outside(after)[0]).toContain('Maintainer triage: looks good.');
    const patches = gh.requestLog.filter((r) => r.method === 'PATCH').length;
    expect((await t.hub.ideas.sync.syncFiledIssues()).sectionsRefreshed).toBe(0);
    expect(gh.requestLog.filter((r) => r.method === 'PATCH')).toHaveLength(patches);
  });

  it('leaves the issue alone when a maintainer removed the section', async () => {
    await maintainerEdit((b) => b.slice(0, b.indexOf(SECTION_BEGIN)));
    const edited = gh.issue(REPO, issueNumber)!.body;
    await t.hub.ideas.lifecycle.vote(t.guildId, number, t.curatorId, -1);
    const report = await t.hub.ideas.sync.syncFiledIssues();
    expect(report.sectionsRefreshed).toBe(0);
    expect(gh.issue(REPO, issueNumber)!.body).toBe(edited);
    expect(t.logs.messages()).toContain(
      `The bot-owned section of ${REPO}#${issueNumber} was removed by someone; vote counts are no longer written there`,
    );
  });
});

describe('status sync', () => {
  it('closing, reopening and declining the issue update the idea and tell the author; unchanged issues cost a 304', async () => {
    const idea = (await t.hub.ideas.lifecycle.get(t.guildId, number))!;
    const { sync } = t.hub.ideas;
    await sync.syncFiledIssues();
    const free = gh.notModified;
    await sync.syncFiledIssues();
    expect(gh.notModified).toBe(free + 1);
    expect((await t.hub.ideas.lifecycle.get(t.guildId, number))!.status).toBe('filed');

    gh.closeIssue(REPO, issueNumber, 'completed');
    await sync.syncFiledIssues();
    await t.hub.ideas.settled();
    expect((await t.hub.ideas.lifecycle.get(t.guildId, number))!.status).toBe('done');
    expect(t.discord.dmsTo(t.memberId).at(-1)!.content).toContain(
      `Idea #${number} “Sliding window attention” is now **done**`,
    );
    expect((await t.hub.ideas.lifecycle.history(idea)).at(-1)).toMatchObject({
      actorId: 'github',
      toStatus: 'done',
    });

    gh.reopenIssue(REPO, issueNumber);
    await sync.syncFiledIssues();
    await t.hub.ideas.settled();
    expect((await t.hub.ideas.lifecycle.get(t.guildId, number))!.status).toBe('filed');
    expect(t.discord.dmsTo(t.memberId).at(-1)!.content).toContain('is now **filed**');
    gh.closeIssue(REPO, issueNumber, 'not_planned');
    await sync.syncFiledIssues();
    await t.hub.ideas.settled();
    expect((await t.hub.ideas.lifecycle.get(t.guildId, number))!.status).toBe('declined_upstream');
    expect(t.discord.dmsTo(t.memberId).at(-1)!.content).toContain('is now **declined upstream**');
    const message = t.discord.message(idea.messageId!)!;
    expect(message.embeds[0].fields[0].value).toContain('declined upstream');
  });
});

describe('export', () => {
  it('gives curators every idea with its votes and status, as CSV and JSON', async () => {
    const refused = await t.discord
      .command({ ...at(t.memberId), name: 'idea', subcommand: 'export', options: { format: 'csv' } })
      .reply();
    expect(refused.content).toContain('Only curators can export ideas');
    const all = await t.hub.ideas.store.allIdeas(t.guildId);
    const csv = await t.discord
      .command({ ...at(t.curatorId), name: 'idea', subcommand: 'export', options: { format: 'csv' } })
      .reply();
    const bytes = csv.attachments[0]!.data;
    // A UTF-8 byte-order mark first: without it Excel on Windows reads the file as ANSI and garbles
    // non-ASCII names and titles.
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.subarray(3).toString('utf8');
    const rows = text.trim().split('\r\n');
    expect(rows[0]).toBe(
      'number,title,status,status_reason,family,author_id,author_name,up,down,duplicate_of,issue_url,created_at,updated_at,problem,proposal,evidence',
    );
    expect(rows).toHaveLength(all.length + 1);
    const first = all[0]!;
    expect(rows[1]).toContain(`${first.number},${first.title},${first.status},`);
    const json = await t.discord
      .command({ ...at(t.curatorId), name: 'idea', subcommand: 'export', options: { format: 'json' } })
      .reply();
    const parsed = JSON.parse(json.attachments[0]!.data.toString('utf8')) as {
      ideas: Array<{
        number: number;
        status: string;
        up: number;
        votes: Array<{ userId: string; value: number }>;
      }>;
    };
    expect(parsed.ideas.map((i) => [i.number, i.status, i.up])).toEqual(
      all.map((i) => [i.number, i.status, i.up]),
    );
    const totalVotes = parsed.ideas.reduce((n, i) => n + i.votes.length, 0);
    expect(totalVotes).toBe(all.reduce((n, i) => n + i.up + i.down, 0));
    const firstVotes = (await t.hub.ideas.store.votes(all[0]!.id)).map(({ userId, value }) => ({
      userId,
      value,
    }));
    expect(firstVotes.length).toBeGreaterThan(0);
    expect(parsed.ideas[0]!.votes.map(({ userId, value }) => ({ userId, value }))).toEqual(firstVotes);
  });
});
