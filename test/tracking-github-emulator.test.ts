// The GitHub emulator, driven by the real octokit built by createGitHub: it must answer the way
// GitHub does for everything the tracker and the ideas feature rely on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitHub, type GitHub, isNotModified } from '../src/github/client.ts';
import { createLogger, LogCollector } from '../src/log.ts';
import { GitHubEmulator } from './support/github/emulator.ts';

let github: GitHubEmulator;
let octokit: GitHub;
const logs = new LogCollector();

beforeAll(async () => {
  github = await GitHubEmulator.start({ token: 'ghp_emulatortoken123' });
  octokit = createGitHub({
    token: 'ghp_emulatortoken123',
    baseUrl: github.baseUrl,
    log: createLogger({ level: 'debug', destination: logs, secrets: ['ghp_emulatortoken123'] }),
    retryUnitMs: 5,
    throttleId: `emulator-test-${process.pid}`,
  });
});
afterAll(() => github.stop());

describe('GitHub emulator', () => {
  it('answers a repeated request with a free 304 when the ETag matches', async () => {
    github.publishRelease('acme/models', { tag: 'v1.0.0', body: 'first' });
    const first = await octokit.request('GET /repos/{owner}/{repo}/releases', {
      owner: 'acme',
      repo: 'models',
    });
    expect(first.data.map((r) => r.tag_name)).toEqual(['v1.0.0']);
    const charged = github.chargedRequests;
    const error = await octokit
      .request('GET /repos/{owner}/{repo}/releases', {
        owner: 'acme',
        repo: 'models',
        headers: { 'if-none-match': first.headers.etag! },
      })
      .catch((e: unknown) => e);
    expect(isNotModified(error)).toBe(true);
    expect(github.chargedRequests).toBe(charged);
    expect(github.notModified).toBe(1);
    expect(octokit.rateLimit.current()?.remaining).toBe(5000 - charged);
  });

  it('paginates with Link headers that octokit follows', async () => {
    for (let i = 0; i < 7; i++) github.publishRelease('acme/many', { tag: `v0.${i}` });
    const all = await octokit.paginate('GET /repos/{owner}/{repo}/releases', {
      owner: 'acme',
      repo: 'many',
      per_page: 3,
    });
    expect(all.map((r) => r.tag_name)).toEqual(['v0.6', 'v0.5', 'v0.4', 'v0.3', 'v0.2', 'v0.1', 'v0.0']);
    const page = await octokit.request('GET /repos/{owner}/{repo}/releases', {
      owner: 'acme',
      repo: 'many',
      per_page: 3,
    });
    expect(page.headers.link).toMatch(/rel="next".*rel="last"/);
  });

  it('lists issues by last update, since a time, with closing times, labels added and comments moving them up', async () => {
    const clock = { now: new Date('2026-11-23T09:00:00Z') };
    const timed = await GitHubEmulator.start({ now: () => clock.now });
    const client = createGitHub({ baseUrl: timed.baseUrl, log: createLogger({ level: 'silent' }) });
    try {
      for (const title of ['one', 'two', 'three']) timed.openIssue('acme/timeline', { title });
      clock.now = new Date('2026-11-23T10:00:00Z');
      timed.closeIssue('acme/timeline', 1);
      clock.now = new Date('2026-11-23T11:00:00Z');
      timed.labelIssue('acme/timeline', 3, ['bug']);
      clock.now = new Date('2026-11-23T12:00:00Z');
      timed.commentOnIssue('acme/timeline', 2);
      const list = (since?: string) =>
        client.request('GET /repos/{owner}/{repo}/issues', {
          owner: 'acme',
          repo: 'timeline',
          state: 'all',
          sort: 'updated',
          direction: 'desc',
          ...(since ? { since } : {}),
        });
      const all = await list();
      expect(all.data.map((i) => [i.number, i.state, i.closed_at, i.labels.length])).toEqual([
        [2, 'open', null, 0],
        [3, 'open', null, 1],
        [1, 'closed', '2026-11-23T10:00:00.000Z', 0],
      ]);
      expect((await list('2026-11-23T11:00:00Z')).data.map((i) => i.number)).toEqual([2, 3]);
    } finally {
      await timed.stop();
    }
  });

  it('lists pull requests among issues, with a pull_request key', async () => {
    github.openIssue('acme/tracker', { title: 'Bug', labels: ['bug'] });
    github.openPullRequest('acme/tracker', { title: 'Fix' });
    const { data } = await octokit.request('GET /repos/{owner}/{repo}/issues', {
      owner: 'acme',
      repo: 'tracker',
    });
    expect(data.map((i) => [i.title, Boolean(i.pull_request)])).toEqual([
      ['Fix', true],
      ['Bug', false],
    ]);
  });

  it('answers 404 for an unknown repository', async () => {
    const error = await octokit
      .request('GET /repos/{owner}/{repo}', { owner: 'nobody', repo: 'nothing' })
      .catch((e) => e);
    expect(error.status).toBe(404);
  });

  it('shows a private repository only to a token that can read it, marked private as GitHub marks it', async () => {
    github.addRepo('acme/private-models', { private: true });
    github.publishRelease('acme/private-models', { tag: 'v1' });
    const { data } = await octokit.request('GET /repos/{owner}/{repo}', {
      owner: 'acme',
      repo: 'private-models',
    });
    expect(data).toMatchObject({ full_name: 'acme/private-models', private: true, visibility: 'private' });
    const anonymous = createGitHub({ baseUrl: github.baseUrl, log: createLogger({ level: 'silent' }) });
    for (const route of ['GET /repos/{owner}/{repo}', 'GET /repos/{owner}/{repo}/releases'] as const)
      await expect(anonymous.request(route, { owner: 'acme', repo: 'private-models' })).rejects.toMatchObject(
        {
          status: 404,
        },
      );
    github.addRepo('other/hidden', { private: true, tokenCanRead: false });
    await expect(
      octokit.request('GET /repos/{owner}/{repo}', { owner: 'other', repo: 'hidden' }),
    ).rejects.toMatchObject({ status: 404 });
    const publicRepo = await anonymous.request('GET /repos/{owner}/{repo}', {
      owner: 'acme',
      repo: 'models',
    });
    expect(publicRepo.data).toMatchObject({ private: false, visibility: 'public' });
  });

  it('creates issues as the authenticated user and edits them', async () => {
    github.addRepo('acme/ideas');
    const created = await octokit.request('POST /repos/{owner}/{repo}/issues', {
      owner: 'acme',
      repo: 'ideas',
      title: 'Idea',
      labels: ['idea'],
    });
    expect(created.status).toBe(201);
    expect(created.data.user?.login).toBe('open-model-hub-bot');
    expect(created.data.labels.map((l) => (typeof l === 'string' ? l : l.name))).toEqual(['idea']);
    await octokit.request('PATCH /repos/{owner}/{repo}/issues/{issue_number}', {
      owner: 'acme',
      repo: 'ideas',
      issue_number: created.data.number,
      state: 'closed',
      state_reason: 'not_planned',
    });
    expect(github.issue('acme/ideas', created.data.number)?.state_reason).toBe('not_planned');
    const me = await octokit.request('GET /user');
    expect(me.data.login).toBe('open-model-hub-bot');
  });

  it('rejects a search without is:issue or is:pull-request with 422', async () => {
    const error = await octokit.request('GET /search/issues', { q: 'repo:acme/tracker bug' }).catch((e) => e);
    expect(error.status).toBe(422);
  });

  it('retries a short secondary rate limit once, and fails a long one without waiting', async () => {
    github.failNext('GET', /^\/repos\/acme\/models$/, { status: 403, secondary: true, retryAfter: 1 });
    const repo = await octokit.request('GET /repos/{owner}/{repo}', { owner: 'acme', repo: 'models' });
    expect(repo.status).toBe(200);
    github.failNext('GET', /^\/repos\/acme\/models$/, { status: 429, secondary: true, retryAfter: 600 });
    const error = await octokit
      .request('GET /repos/{owner}/{repo}', { owner: 'acme', repo: 'models' })
      .catch((e) => e);
    expect(error.status).toBe(429);
    expect(error.response.headers['retry-after']).toBe('600');
  });

  it('refuses with 403 and remaining 0 once the budget is spent, without blocking until the reset', async () => {
    const resetAt = new Date(Date.now() + 3600_000);
    github.setRateLimit({ remaining: 1, resetAt });
    await octokit.request('GET /repos/{owner}/{repo}', { owner: 'acme', repo: 'models' });
    const error = await octokit
      .request('GET /repos/{owner}/{repo}', { owner: 'acme', repo: 'models' })
      .catch((e) => e);
    expect(error.status).toBe(403);
    expect(error.response.headers['x-ratelimit-remaining']).toBe('0');
    expect(octokit.rateLimit.current()?.resetAt.getTime()).toBe(Math.ceil(resetAt.getTime() / 1000) * 1000);
    expect(logs.messages().some((m) => m.startsWith('GitHub rate limit exhausted'))).toBe(true);
    github.setRateLimit({ remaining: 5000 });
  });

  it('never logs the token', () => {
    expect(logs.text()).not.toContain('ghp_emulatortoken123');
  });
});
