// The issue sync walks filed ideas least recently checked first: an issue that keeps failing
// (the token lost access to its repository) must go to the back, not block every other idea.
// Also: finishing an interrupted filing with a token that cannot read /user (a GitHub App's).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ideaMarker } from '../src/ideas/issue-body.ts';
import type { Idea } from '../src/ideas/types.ts';
import { GitHubEmulator } from './support/github/emulator.ts';
import { startTestHub, type TestHub } from './support/harness.ts';

const TOKEN = 'ghp_ideas_sync_queue_token';
let gh: GitHubEmulator;
let t: TestHub;

beforeAll(async () => {
  gh = await GitHubEmulator.start({ token: TOKEN, login: 'omh-bot' });
  gh.addRepo('acme/private-ideas');
  gh.addRepo('acme/open-ideas');
  t = await startTestHub({ env: { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: gh.baseUrl } });
});
afterAll(async () => {
  await t?.stop();
  await gh?.stop();
});

/** A filed idea linked to a fresh issue in `repo` (filing itself is tested in ideas-filing). */
async function filedIdea(repo: string, title: string): Promise<Idea> {
  const { store } = t.hub.ideas;
  const now = t.clock.now().toISOString();
  const idea = await store.insertIdea(
    t.guildId,
    t.memberId,
    'Mo',
    { title, problem: 'p', proposal: 'q', evidence: '', family: null },
    now,
  );
  const issue = gh.openIssue(repo, { title, body: 'filed', author: 'omh-bot' });
  await store.claimFiling(
    { ideaId: idea.id, repo, marker: `marker-${idea.id}`, labels: [], by: t.curatorId },
    'test',
    now,
    now,
  );
  await store.finishFiling(
    idea.id,
    repo,
    issue.number,
    `https://github.com/${repo}/issues/${issue.number}`,
    now,
  );
  await store.setStatus(idea.id, 'filed', 'Filed', null, now);
  await store.sectionWritten(idea.id, 0, 0);
  return (await store.getById(idea.id))!;
}

describe('issue sync queue', () => {
  it('a 403 on one repository neither stops the pass nor stays first in the queue', async () => {
    const locked = await filedIdea('acme/private-ideas', 'Grouped query attention');
    const open = await filedIdea('acme/open-ideas', 'Rotary scaling');
    gh.closeIssue('acme/open-ideas', open.issueNumber!, 'completed');
    const forbidden = { status: 403, body: { message: 'Resource not accessible by integration' } };
    gh.failNext('GET', new RegExp(`^/repos/acme/private-ideas/issues/${locked.issueNumber}$`), forbidden, 3);

    // One at a time: the failing issue goes to the back, so the next pass reaches the other one.
    const first = await t.hub.ideas.sync.syncFiledIssues(1);
    expect(first).toMatchObject({ checked: 1, failures: 1 });
    t.clock.advance(1000);
    const second = await t.hub.ideas.sync.syncFiledIssues(1);
    expect(second).toMatchObject({ checked: 1, failures: 0, statusChanges: 1 });
    expect((await t.hub.ideas.store.getById(open.id))!.status).toBe('done');

    // A whole pass goes on past the 403.
    gh.reopenIssue('acme/open-ideas', open.issueNumber!);
    t.clock.advance(1000);
    const whole = await t.hub.ideas.sync.syncFiledIssues();
    expect(whole).toMatchObject({ checked: 2, failures: 1, statusChanges: 1 });
    expect((await t.hub.ideas.store.getById(open.id))!.status).toBe('filed');
    await t.hub.ideas.settled();
  });
});

describe('an interrupted filing finished with an app token', () => {
  it('finds the issue without the creator filter when GET /user is refused', async () => {
    const { lifecycle, filing, store } = t.hub.ideas;
    await t.hub.settings.update(t.guildId, { defaultRepo: 'acme/open-ideas' }, t.curatorId);
    const idea = await store.insertIdea(
      t.guildId,
      t.memberId,
      'Mo',
      { title: 'KV cache quantisation', problem: 'p', proposal: 'q', evidence: '', family: null },
      t.clock.now().toISOString(),
    );
    await lifecycle.changeStatus(t.guildId, idea.number, t.curatorId, 'accepted', 'Worth filing.');
    filing.faults.afterIssueCreated = () => {
      throw new Error('simulated crash after the 201');
    };
    await expect(filing.file(t.guildId, idea.number, t.curatorId, { guildName: 'Test' })).rejects.toThrow(
      'simulated crash',
    );
    filing.faults = {};
    gh.failNext('GET', /^\/user$/, {
      status: 403,
      body: { message: 'Resource not accessible by integration' },
    });
    const result = await filing.file(t.guildId, idea.number, t.curatorId, { guildName: 'Test' });
    expect(result.adopted).toBe(true);
    const marker = ideaMarker(t.guildId, idea.number);
    const withMarker = gh.issues('acme/open-ideas').filter((i) => i.body?.includes(marker));
    expect(withMarker).toHaveLength(1);
    expect(result.issueUrl).toBe(withMarker[0]!.html_url);
    await t.hub.ideas.settled();
  });
});
