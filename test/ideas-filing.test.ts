// Filing accepted ideas on GitHub exactly once (even across a crash between GitHub's 201 and
// the database write), refusals that leave the idea accepted, and a missing token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitHub } from '../src/github/client.ts';
import { IdeaFiling } from '../src/ideas/filing.ts';
import { ideaMarker } from '../src/ideas/issue-body.ts';
import type { GitHubEmulator } from './support/github/emulator.ts';
import { startTestHub, type TestHub } from './support/harness.ts';
import { type IdeasWorld, REPO, startIdeasWorld, TOKEN } from './support/ideas-world.ts';

let w: IdeasWorld;
let gh: GitHubEmulator;
let t: TestHub;
let ideasChannelId: string;

beforeAll(async () => {
  w = await startIdeasWorld();
  ({ gh, t, ideasChannelId } = w);
});
afterAll(async () => {
  await w?.stop();
});

const at = (userId: string) => ({ guildId: t.guildId, channelId: t.channelId, userId });
const acceptedIdea = (title: string) => w.acceptedIdea(title);
const fileCommand = (id: number, options?: Record<string, string>) => w.fileCommand(id, options);

const issuesWithMarker = (marker: string) => gh.issues(REPO).filter((i) => i.body?.includes(marker));

describe('filing', () => {
  it('creates one issue with the marker, the idea, the vote count, the author and labels; the message links it', async () => {
    const number = await acceptedIdea('Grouped query attention');
    const reply = await fileCommand(number, { labels: 'enhancement, architecture' });
    const issue = gh.issues(REPO).at(-1)!;
    expect(reply.content).toBe(`#${number} is filed: ${issue.html_url}. The author is told.`);
    expect(issue.title).toBe('Grouped query attention');
    expect(issue.labels.map((l) => l.name)).toEqual(['enhancement', 'architecture']);
    expect(issue.body).toContain(ideaMarker(t.guildId, number));
    expect(issue.body).toContain('Proposed by Mo Member in Open Models');
    expect(issue.body).toContain('**Community votes:** 1 up, 0 down');
    expect(issue.body).toContain(`https://discord.com/channels/${t.guildId}/${ideasChannelId}/`);
    // A member's "@maintainers" must not notify anyone on GitHub.
    expect(issue.body).not.toMatch(/@maintainers/);
    await t.hub.ideas.settled();
    const idea = (await t.hub.ideas.lifecycle.get(t.guildId, number))!;
    expect(idea.status).toBe('filed');
    const fields = t.discord.message(idea.messageId!)!.embeds[0].fields;
    expect(fields.find((f: { name: string }) => f.name === 'GitHub issue').value).toBe(issue.html_url);
    expect(t.discord.dmsTo(t.memberId).at(-1)!.content).toContain(`was filed on GitHub: ${issue.html_url}`);
    const again = await fileCommand(number);
    expect(again.content).toContain(`#${number} is already filed: ${issue.html_url}`);
    expect(issuesWithMarker(ideaMarker(t.guildId, number))).toHaveLength(1);
  });

  it('files a title with entity-encoded mentions without any mention reaching GitHub', async () => {
    const number = await acceptedIdea('Ask &#64;monalisa, &commat;hubot and &#x40;org/team about GQA');
    await fileCommand(number);
    const issue = gh.issues(REPO).at(-1)!;
    for (const text of [issue.title, issue.body ?? '']) {
      expect(text).not.toMatch(/&(#0*64|#x0*40|commat)/i);
      expect(text).not.toMatch(/@[a-z0-9]/i);
    }
    expect(issue.title).toBe('Ask @\u200bmonalisa, @\u200bhubot and @\u200borg/team about GQA');
  });

  it('files exactly once when the process dies between GitHub’s 201 and the database write', async () => {
    const number = await acceptedIdea('Multi token prediction head');
    const marker = ideaMarker(t.guildId, number);
    t.hub.ideas.filing.faults.afterIssueCreated = () => {
      throw new Error('simulated crash after the 201');
    };
    const crashed = await fileCommand(number);
    expect(crashed.content).toContain('Something went wrong');
    expect(issuesWithMarker(marker)).toHaveLength(1);
    const idea = (await t.hub.ideas.lifecycle.get(t.guildId, number))!;
    expect(idea.status).toBe('accepted');
    expect((await t.hub.ideas.store.filing(idea.id))?.state).toBe('pending');

    await t.restart();
    const listsBefore = gh.requestLog.filter(
      (r) => r.method === 'GET' && r.path === `/repos/${REPO}/issues`,
    ).length;
    const retried = await fileCommand(number);
    expect(retried.content).toContain('was already filed by an earlier attempt');
    expect(issuesWithMarker(marker)).toHaveLength(1);
    const list = gh.requestLog.filter((r) => r.method === 'GET' && r.path === `/repos/${REPO}/issues`);
    expect(list).toHaveLength(listsBefore + 1);
    expect(list.at(-1)!.query).toMatchObject({ creator: 'omh-bot', state: 'all' });
    expect(list.at(-1)!.query.since).toBeTruthy();
    const filed = (await t.hub.ideas.lifecycle.get(t.guildId, number))!;
    expect(filed.status).toBe('filed');
    expect(filed.issueUrl).toBe(issuesWithMarker(marker)[0]!.html_url);
    expect((await t.hub.ideas.store.filing(filed.id))?.state).toBe('done');
    await t.hub.ideas.settled();
  });

  it('says a filing timed out (not "did not answer clearly (500)"), and the retry adopts the late issue', async () => {
    const number = await acceptedIdea('Sliding window attention');
    // The same filing service with a client whose timeout is short, so the test does not wait 15 s.
    const filing = new IdeaFiling({
      store: t.hub.ideas.store,
      lifecycle: t.hub.ideas.lifecycle,
      settings: t.hub.settings,
      github: createGitHub({
        token: TOKEN,
        baseUrl: gh.baseUrl,
        log: t.hub.log,
        timeoutMs: 200,
        throttleId: 'filing-timeout-test',
      }),
      clock: t.clock,
      log: t.hub.log,
    });
    const held = gh.hold('POST', new RegExp(`^/repos/${REPO}/issues$`));
    try {
      const attempt = filing.file(t.guildId, number, t.curatorId, { guildName: 'Open Models' });
      await expect(attempt).rejects.toThrow(
        'GitHub did not answer in time (the request timed out); the issue may or may not exist. Run /idea file again: it looks for the issue first and will not create a second one.',
      );
    } finally {
      // GitHub carries the request out after all: the issue exists, its answer never arrived.
      held.release();
    }
    const marker = ideaMarker(t.guildId, number);
    await expect.poll(() => issuesWithMarker(marker).length).toBe(1);
    const retry = await fileCommand(number);
    expect(retry.content).toContain('was already filed by an earlier attempt that did not finish');
    expect(issuesWithMarker(marker)).toHaveLength(1);
    await t.hub.ideas.settled();
  });

  it('a 403 leaves the idea accepted, says what is wrong, and the retry files it once', async () => {
    const number = await acceptedIdea('KV cache quantisation');
    gh.failNext('POST', new RegExp(`^/repos/${REPO}/issues$`), {
      status: 403,
      body: { message: 'Resource not accessible by personal access token' },
    });
    const refused = await fileCommand(number);
    expect(refused.flags & 64).toBe(64);
    expect(refused.content).toContain(`GitHub refused to create the issue in ${REPO} (403)`);
    const idea = (await t.hub.ideas.lifecycle.get(t.guildId, number))!;
    expect(idea.status).toBe('accepted');
    expect(await t.hub.ideas.store.filing(idea.id)).toBeUndefined();
    const retried = await fileCommand(number);
    expect(retried.content).toContain('is filed');
    expect(issuesWithMarker(ideaMarker(t.guildId, number))).toHaveLength(1);
    await t.hub.ideas.settled();
  });

  it('refuses members who are not curators and ideas that are not accepted', async () => {
    const member = await t.discord
      .command({ ...at(t.memberId), name: 'idea', subcommand: 'file', options: { id: 1 } })
      .reply();
    expect(member.content).toContain('Only curators can file ideas on GitHub');
    const fresh = await t.hub.ideas.lifecycle.submit(
      t.guildId,
      { id: t.memberId, name: 'Mo Member' },
      {
        title: 'Tiny vocab experiment',
        problem: 'unrelated',
        proposal: 'unrelated',
        evidence: '',
        family: null,
      },
    );
    if (fresh.kind !== 'created') throw new Error('expected a new idea');
    const notAccepted = await fileCommand(fresh.idea.number);
    expect(notAccepted.content).toContain('Only accepted ideas can be filed');
    const unknownRepo = await acceptedIdea('Unknown repository case');
    const missing = await fileCommand(unknownRepo, { repo: 'nobody/nothing' });
    expect(missing.content).toContain(
      'GitHub says nobody/nothing does not exist or the token cannot see it (404)',
    );
    expect((await t.hub.ideas.lifecycle.get(t.guildId, unknownRepo))!.status).toBe('accepted');
  });
});

describe('without a GitHub token', () => {
  it('leaves the idea accepted and tells the curator exactly what to set', async () => {
    // Its own Discord: two bots on one emulator would both receive the command.
    const bare = await startTestHub();
    try {
      await bare.hub.settings.update(bare.guildId, { defaultRepo: REPO }, bare.curatorId);
      const result = await bare.hub.ideas.lifecycle.submit(
        bare.guildId,
        { id: bare.memberId, name: 'Mo Member' },
        { title: 'No token idea', problem: 'p', proposal: 'q', evidence: '', family: null },
      );
      if (result.kind !== 'created') throw new Error('expected a new idea');
      await bare.hub.ideas.lifecycle.changeStatus(bare.guildId, 1, bare.curatorId, 'accepted', 'Fine.');
      const reply = await bare.discord
        .command({
          guildId: bare.guildId,
          channelId: bare.channelId,
          userId: bare.curatorId,
          name: 'idea',
          subcommand: 'file',
          options: { id: 1 },
        })
        .reply();
      expect(reply.flags & 64).toBe(64);
      expect(reply.content).toContain('GITHUB_TOKEN is not set');
      expect((await bare.hub.ideas.lifecycle.get(bare.guildId, 1))!.status).toBe('accepted');
      await bare.hub.ideas.settled();
    } finally {
      await bare.stop();
    }
  });
});
