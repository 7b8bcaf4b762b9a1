// Issue activity for the digest: closes recorded once and counted per week, never posted; pull
// requests left out; a new watch's baseline reports no old closes; labels gained after opening.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWeeklyDigest } from '../src/digest/build.ts';
import { startTrackingWorld, type TrackingWorld } from './support/github/tracking-hub.ts';
import { get, run } from './support/sql.ts';

let w: TrackingWorld;
beforeAll(async () => {
  w = await startTrackingWorld();
});
afterAll(() => w.close());

/** This week's digest so far, as /digest preview builds it. */
const issueActivity = async (repo: string) =>
  (await buildWeeklyDigest(w.hub.kdb, w.clock, { guildId: w.guildId, timeZone: 'UTC' })).issues?.find(
    (r) => r.repo === repo,
  );

const stored = (repo: string, number: number) =>
  get<{ state: string | null; closed_at: string | null; baseline: number }>(
    w.hub,
    "SELECT state, closed_at, baseline FROM events WHERE target_key = ? AND kind = 'issues' AND external_id = ?",
    repo.toLowerCase(),
    String(number),
  );

const issueCalls = (repo: string, since: number) =>
  w.github.requestLog.slice(since).filter((r) => r.path === `/repos/${repo}/issues`);

const titles = (channelId: string) => w.discord.messagesIn(channelId).map((m) => m.embeds[0]?.title);

async function watchIssues(repo: string, name: string, options: Record<string, string> = {}) {
  w.github.addRepo(repo);
  const channel = w.addChannel(name);
  expect(await w.watch({ source: 'github', target: repo, channel, kinds: 'issues', ...options })).toMatch(
    /^Watch #/,
  );
  return channel;
}

describe('closed issues', () => {
  it('records a close once, counts it in the week’s digest and posts nothing about it; unchanged, the next poll is a 304', async () => {
    const repo = 'acme/closes';
    w.github.openIssue(repo, { title: 'Open before the watch' });
    const channel = await watchIssues(repo, 'closes');
    await w.nextCycle();
    w.github.openIssue(repo, { title: 'Crash on load' });
    await w.nextCycle();
    expect(titles(channel)).toEqual(['#2 Crash on load']);
    expect(await issueActivity(repo)).toMatchObject({ opened: 2, closed: 0 });

    w.github.closeIssue(repo, 2);
    const closedAt = w.github.closeIssue(repo, 1).closed_at;
    await w.nextCycle();
    expect(titles(channel)).toEqual(['#2 Crash on load']);
    expect(await stored(repo, 1)).toMatchObject({ state: 'closed', closed_at: closedAt });
    expect(await issueActivity(repo)).toMatchObject({ opened: 2, closed: 2 });

    const before = w.github.requestLog.length;
    await w.nextCycle();
    expect(issueCalls(repo, before).map((r) => r.status)).toEqual([304]);

    // Seen again (a comment moves it up the list): the close is not counted a second time.
    w.github.commentOnIssue(repo, 1);
    const again = w.github.requestLog.length;
    await w.nextCycle();
    expect(issueCalls(repo, again).map((r) => r.status)).toEqual([200]);
    expect((await stored(repo, 1))?.closed_at).toBe(closedAt);
    expect(await issueActivity(repo)).toMatchObject({ opened: 2, closed: 2 });
    expect(titles(channel)).toEqual(['#2 Crash on load']);
  });

  it('takes the close back when the issue is reopened', async () => {
    const repo = 'acme/reopens';
    await watchIssues(repo, 'reopens');
    w.github.openIssue(repo, { title: 'Flaky test' });
    await w.nextCycle();
    w.github.closeIssue(repo, 1);
    await w.nextCycle();
    expect(await issueActivity(repo)).toMatchObject({ closed: 1 });
    w.github.reopenIssue(repo, 1);
    await w.nextCycle();
    expect(await stored(repo, 1)).toMatchObject({ state: 'open', closed_at: null });
    expect(await issueActivity(repo)).toMatchObject({ opened: 1, closed: 0 });
  });

  it('does not count a closed pull request', async () => {
    const repo = 'acme/pulls';
    const channel = await watchIssues(repo, 'pulls');
    const pull = w.github.openPullRequest(repo, { title: 'Fix the crash' });
    await w.nextCycle();
    w.github.closeIssue(repo, pull.number);
    w.github.openIssue(repo, { title: 'A real issue' });
    await w.nextCycle();
    w.github.closeIssue(repo, 2);
    await w.nextCycle();
    expect(await stored(repo, pull.number)).toBeUndefined();
    expect(await issueActivity(repo)).toMatchObject({ opened: 1, closed: 1 });
    expect(titles(channel)).toEqual(['#2 A real issue']);
  });

  it('records no close that happened before the watch’s first poll, even for issues it sees only later', async () => {
    const repo = 'acme/history';
    // #1 closed and #2 still open, both older than the hundred issues the first poll reads.
    w.github.openIssue(repo, { title: 'Closed long ago' });
    w.github.openIssue(repo, { title: 'Open for ages' });
    w.github.closeIssue(repo, 1);
    w.clock.advance(60_000);
    for (let i = 0; i < 100; i++) w.github.openIssue(repo, { title: `Issue ${i + 3}` });
    w.github.closeIssue(repo, 3);
    w.clock.advance(60_000);
    const channel = await watchIssues(repo, 'history');
    await w.nextCycle();
    expect(await stored(repo, 1)).toBeUndefined();
    expect(await stored(repo, 3)).toMatchObject({ state: 'closed', closed_at: null, baseline: 1 });
    expect(await issueActivity(repo)).toMatchObject({ opened: 100, closed: 0 });

    w.github.commentOnIssue(repo, 1);
    w.github.closeIssue(repo, 2);
    const before = w.github.requestLog.length;
    await w.nextCycle();
    await w.nextCycle();
    // A quiet repository's one change does not move `since`: the URL, and its free 304, stay.
    // (Page 2 is read because the first page ends on the second of the last update processed,
    // which a hundred issues share here.)
    expect(issueCalls(repo, before).map((r) => [r.status, r.query.page ?? '1', r.query.since])).toEqual([
      [200, '1', undefined],
      [200, '2', undefined],
      [304, '1', undefined],
    ]);
    expect(await stored(repo, 1)).toMatchObject({ state: 'closed', closed_at: null, baseline: 1 });
    expect(await stored(repo, 2)).toMatchObject({ state: 'closed', baseline: 1 });
    expect((await stored(repo, 2))?.closed_at).not.toBeNull();
    expect(await issueActivity(repo)).toMatchObject({ closed: 1 });
    expect(w.discord.messagesIn(channel)).toEqual([]);
  });
});

describe('a repository watched again', () => {
  it('records no close that happened while nobody watched it', async () => {
    const repo = 'acme/rewatched';
    const first = w.addChannel('rewatched-1');
    w.github.addRepo(repo);
    expect(await w.watch({ source: 'github', target: repo, channel: first, kinds: 'issues' })).toMatch(
      /^Watch #(\d+)/,
    );
    w.github.openIssue(repo, { title: 'Seen open' });
    await w.nextCycle();
    expect(await stored(repo, 1)).toMatchObject({ state: 'open', baseline: 0 });
    for (const watch of (await w.hub.tracking.watches.list(w.guildId)).filter((x) => x.target === repo))
      await w.hub.tracking.store.deleteWatch(watch.id);
    w.github.closeIssue(repo, 1);
    w.clock.advance(60_000);
    await watchIssues(repo, 'rewatched-2');
    await w.nextCycle();
    expect(await stored(repo, 1)).toMatchObject({ state: 'closed', closed_at: null });
    expect(await issueActivity(repo)).toMatchObject({ opened: 1, closed: 0 });
  });
});

describe('new or old', () => {
  it('tells issues opened in the same second apart by number, when the first page could not show them all', async () => {
    const repo = 'acme/same-second';
    // 105 issues in one second: the first poll's page shows 100 of them.
    for (let i = 1; i <= 105; i++) w.github.openIssue(repo, { title: `Imported ${i}` });
    const channel = await watchIssues(repo, 'same-second');
    w.github.commentOnIssue(repo, 1);
    w.github.openIssue(repo, { title: 'Really new' });
    await w.nextCycle();
    expect(await stored(repo, 1)).toMatchObject({ baseline: 1 });
    expect(titles(channel)).toEqual(['#106 Really new']);
  });
});

describe('labels added after an issue was opened', () => {
  it('bring the issue to a label-filtered watch once, and to nobody else again', async () => {
    const repo = 'acme/triage';
    w.github.openIssue(repo, { title: 'Old, unlabelled' });
    const bugs = await watchIssues(repo, 'triage-bugs', { labels: 'bug' });
    const all = w.addChannel('triage-all');
    await w.watch({ source: 'github', target: repo, channel: all, kinds: 'issues' });
    w.github.openIssue(repo, { title: 'Crash when offline' });
    await w.nextCycle();
    expect(titles(bugs)).toEqual([]);
    expect(titles(all)).toEqual(['#2 Crash when offline']);

    w.github.labelIssue(repo, 2, ['bug']);
    w.github.labelIssue(repo, 1, ['bug']);
    await w.nextCycle();
    w.github.labelIssue(repo, 2, ['confirmed']);
    await w.nextCycle();
    expect(titles(bugs)).toEqual(['#2 Crash when offline']);
    expect(
      w.discord.messagesIn(bugs)[0]?.embeds[0]?.fields.find((f: { name: string }) => f.name === 'Labels')
        ?.value,
    ).toBe('`bug`');
    expect(titles(all)).toEqual(['#2 Crash when offline']);
  });
});

describe('reading the updated list', () => {
  it('reads a second page when more than a page changed; in a busy spell moves since, and is free again', async () => {
    const repo = 'acme/busy';
    const channel = await watchIssues(repo, 'busy');
    for (let i = 1; i <= 120; i++) {
      w.clock.advance(1000);
      w.github.openIssue(repo, { title: `Report ${i}` });
    }
    const before = w.github.requestLog.length;
    await w.nextCycle();
    expect(issueCalls(repo, before).map((r) => [r.status, r.query.page ?? '1'])).toEqual([
      [200, '1'],
      [200, '2'],
    ]);
    // All 120 are stored as new; the channel gets 10 and one "and N more" line.
    expect(
      await get(
        w.hub,
        "SELECT COUNT(*) AS n FROM events WHERE target_key = ? AND kind = 'issues' AND baseline = 0",
        repo,
      ),
    ).toEqual({ n: 120 });
    expect(w.discord.messagesIn(channel)).toHaveLength(11);

    // Changed again at the next poll: a busy spell, so `since` moves (the poll after pays once).
    w.github.openIssue(repo, { title: 'One more' });
    const moved = w.github.requestLog.length;
    await w.nextCycle();
    await w.nextCycle();
    await w.nextCycle();
    const calls = issueCalls(repo, moved);
    expect(calls.map((r) => [r.status, r.query.since === undefined])).toEqual([
      [200, true],
      [200, false],
      [304, false],
    ]);
    expect(calls[1]!.query.since).toBe(calls[2]!.query.since);
    expect(calls[1]!.query.since).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('resumes a source stored before issue activity was tracked without announcing or counting old things', async () => {
    const repo = 'acme/upgraded';
    w.github.openIssue(repo, { title: 'Before the watch' });
    const channel = await watchIssues(repo, 'upgraded');
    w.github.openIssue(repo, { title: 'Announced before the upgrade' });
    await w.nextCycle();
    // As the previous version left it: the highest issue number as cursor, an ETag of another URL.
    await run(
      w.hub,
      `UPDATE source_state SET cursor = '2', etag = '"etag-of-the-created-list"' WHERE target_key = ? AND kind = 'issues'`,
      repo,
    );
    await run(w.hub, "UPDATE events SET state = NULL WHERE target_key = ? AND kind = 'issues'", repo);
    w.clock.advance(60_000);
    w.github.closeIssue(repo, 1);
    w.github.openIssue(repo, { title: 'After the upgrade' });
    await w.nextCycle();
    expect(titles(channel)).toEqual(['#2 Announced before the upgrade', '#3 After the upgrade']);
    expect(await stored(repo, 1)).toMatchObject({ state: 'closed' });
    expect((await stored(repo, 1))?.closed_at).not.toBeNull();
    expect(await issueActivity(repo)).toMatchObject({ opened: 3, closed: 1 });
    const before = w.github.requestLog.length;
    await w.nextCycle();
    expect(issueCalls(repo, before).map((r) => r.status)).toEqual([304]);
  });
});
