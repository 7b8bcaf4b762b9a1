// GitHub issues filed from a server with a public board link to the idea's board page, in the
// body and in the bot-owned section the sync keeps fresh; a server whose board is off gets none.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECTION_BEGIN, SECTION_END } from '../src/ideas/issue-body.ts';
import { webBoards } from '../src/web/boards.ts';
import { type IdeasWorld, REPO, startIdeasWorld } from './support/ideas-world.ts';

const BASE = 'https://hub.example.org';
let w: IdeasWorld;

beforeAll(async () => {
  w = await startIdeasWorld({ WEB_BASE_URL: BASE });
});
afterAll(async () => {
  await w?.stop();
});

const section = (body: string) => body.slice(body.indexOf(SECTION_BEGIN), body.indexOf(SECTION_END));

describe('links from GitHub to the web board', () => {
  it('an issue filed from a public board links to the idea’s page, in the body and the vote section', async () => {
    const { t, gh } = w;
    const reply = await t.discord
      .command({
        guildId: t.guildId,
        channelId: t.channelId,
        userId: t.curatorId,
        name: 'hub',
        subcommand: 'config',
        options: { web: 'public' },
      })
      .reply();
    expect(reply.content).toContain('Saved: web.');
    const number = await w.acceptedIdea('Sparse attention with learned routing');
    await w.fileCommand(number);
    const issue = gh.issues(REPO).at(-1)!;
    const page = `${BASE}/g/${t.guildId}/ideas/${number}`;
    expect(issue.body).toContain(`community board: ${page}`);
    expect(section(issue.body!)).toContain(`**On the web:** ${page}`);
    // The Discord link stays.
    expect(section(issue.body!)).toContain(`https://discord.com/channels/${t.guildId}/`);

    // A vote later: the sync rewrites the section, board link included.
    await t.hub.ideas.lifecycle.vote(t.guildId, number, t.memberId, 1);
    await t.hub.ideas.sync.syncFiledIssues();
    const refreshed = gh.issue(REPO, issue.number)!;
    expect(section(refreshed.body!)).toContain('**Community votes:** 2 up, 0 down');
    expect(section(refreshed.body!)).toContain(`**On the web:** ${page}`);
  });

  it('an issue filed while the board is off has no board link', async () => {
    const { t, gh } = w;
    await webBoards(t.hub).setVisibility(t.guildId, 'off', t.curatorId);
    const number = await w.acceptedIdea('Rotary embeddings with learned base');
    await w.fileCommand(number);
    const issue = gh.issues(REPO).at(-1)!;
    expect(issue.title).toBe('Rotary embeddings with learned base');
    expect(issue.body).not.toContain(BASE);
  });
});
