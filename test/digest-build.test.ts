import { beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.ts';
import type { Db } from '../src/db/open.ts';
import { previousWeek, weekContaining } from '../src/digest/week.ts';
import { buildDigestOf, DigestFixtures, openDigestDb } from './digest-fixtures.ts';

const G = 'guild-1';
const GRANITE = 'ibm-granite/granite-3.1-language-models';
const LLAMA = 'meta-llama/llama-models';
const clock = new ManualClock('2026-01-12T09:00:00Z');
const week = previousWeek(clock.now(), 'UTC'); // 2026-W02: Monday 5 to Sunday 11 January

/** A close as the tracker records it (migrations/0006_issue_activity.sql). */
function close(db: Db, target: string, id: string, at: string) {
  const changed = db
    .prepare(
      "UPDATE events SET state = 'closed', closed_at = ? WHERE target_key = ? AND kind = 'issues' AND external_id = ?",
    )
    .run(at, target.toLowerCase(), id).changes;
  if (changed !== 1) throw new Error(`no issue ${target}#${id} to close`);
}

function seed(db = openDigestDb()) {
  const f = new DigestFixtures(db, G);
  f.watch(GRANITE);
  f.watch(LLAMA, { kinds: 'releases', prereleases: 'exclude' });
  f.watch('ibm-granite', { source: 'huggingface' });
  f.watch('mistralai/mistral-inference', { guildId: 'guild-2' });

  f.event({ kind: 'releases', target: GRANITE, id: 'v3.1.0', at: '2026-01-04T23:59:59.000Z' });
  f.event({
    kind: 'releases',
    target: GRANITE,
    id: 'v3.1.1',
    title: 'Granite 3.1.1',
    at: '2026-01-06T10:00:00.000Z',
  });
  f.event({ kind: 'releases', target: GRANITE, id: 'v3.1.2', at: '2026-01-08T10:00:00.000Z' });
  f.event({ kind: 'releases', target: GRANITE, id: 'v3.1.3', at: '2026-01-12T00:00:00.000Z' });
  f.event({
    kind: 'releases',
    target: GRANITE,
    id: 'nightly',
    author: 'github-actions[bot]',
    at: '2026-01-09T01:00:00.000Z',
  });
  f.event({ kind: 'releases', target: LLAMA, id: 'v1.0', at: '2026-01-07T10:00:00.000Z' });
  f.event({
    kind: 'releases',
    target: LLAMA,
    id: 'v1.1-rc1',
    prerelease: true,
    at: '2026-01-09T10:00:00.000Z',
  });
  f.event({
    kind: 'releases',
    target: 'mistralai/mistral-inference',
    id: 'v2',
    at: '2026-01-07T10:00:00.000Z',
  });
  f.event({ kind: 'issues', target: GRANITE, id: '10', author: 'alice', at: '2026-01-05T08:00:00.000Z' });
  f.event({
    kind: 'issues',
    target: GRANITE,
    id: '11',
    author: 'dependabot[bot]',
    at: '2026-01-06T08:00:00.000Z',
  });
  f.event({ kind: 'issues', target: GRANITE, id: '12', author: 'bob', at: '2026-01-10T08:00:00.000Z' });
  f.event({ kind: 'issues', target: GRANITE, id: '3', author: 'carol', at: '2025-12-20T08:00:00.000Z' });
  f.event({ kind: 'issues', target: LLAMA, id: '7', author: 'dan', at: '2026-01-05T08:00:00.000Z' });
  if (db.prepare("SELECT 1 FROM pragma_table_info('events') WHERE name = 'closed_at'").get()) {
    close(db, GRANITE, '10', '2026-01-07T08:00:00.000Z');
    close(db, GRANITE, '3', '2026-01-11T23:59:00.000Z'); // opened before the week, closed in it
    close(db, GRANITE, '11', '2026-01-07T08:00:00.000Z'); // a bot's issue
    close(db, GRANITE, '12', '2026-01-12T00:00:00.000Z'); // closed the next week
    close(db, LLAMA, '7', '2026-01-07T08:00:00.000Z'); // this server watches llama's releases only
  }
  f.event({
    kind: 'models',
    target: 'ibm-granite',
    id: 'ibm-granite/granite-3.2-8b',
    at: '2026-01-09T12:00:00.000Z',
  });

  f.user('b1', { bot: true, name: 'Helper Bot' });
  const one = f.idea({
    authorId: 'u1',
    authorName: 'Ann',
    title: 'Sliding-window attention',
    at: '2025-12-01T00:00:00.000Z',
  });
  const two = f.idea({
    authorId: 'u4',
    authorName: 'Bea',
    title: 'Grouped-query KV cache',
    at: '2026-01-06T09:00:00.000Z',
  });
  f.idea({ authorId: 'b1', authorName: 'Helper Bot', title: 'Spam', at: '2026-01-06T09:00:00.000Z' });
  const four = f.idea({
    authorId: 'u5',
    authorName: 'Cy',
    title: 'Speculative decoding',
    at: '2026-01-08T09:00:00.000Z',
  });
  const five = f.idea({
    authorId: 'u1',
    authorName: 'Ann',
    title: 'Bigger vocab',
    at: '2025-12-02T00:00:00.000Z',
  });
  const six = f.idea({
    authorId: 'u2',
    authorName: 'Dee',
    title: 'Rewrite in Rust',
    at: '2026-01-10T09:00:00.000Z',
  });
  f.idea({ authorId: 'u6', authorName: 'Eve', title: 'Too late', at: '2026-01-13T09:00:00.000Z' });
  for (const u of ['u2', 'u3', 'b1']) f.vote(one.id, u, 1, '2026-01-07T12:00:00.000Z');
  f.vote(two.id, 'u1', 1, '2026-01-07T12:00:00.000Z');
  for (const u of ['u1', 'u2', 'u3']) f.vote(four.id, u, 1, '2026-01-09T12:00:00.000Z');
  f.decide(two.id, 'accepted', '2026-01-07T13:00:00.000Z');
  f.decide(four.id, 'accepted', '2026-01-08T13:00:00.000Z');
  f.decide(four.id, 'filed', '2026-01-09T13:00:00.000Z');
  db.prepare('UPDATE ideas SET issue_url = ? WHERE id = ?').run(
    `https://github.com/${GRANITE}/issues/99`,
    four.id,
  );
  f.decide(five.id, 'declined_upstream', '2026-01-10T13:00:00.000Z');
  f.decide(six.id, 'rejected', '2026-01-11T13:00:00.000Z');

  f.run({ userId: 'u1', model: 'granite-3.0-8b-instruct', at: '2026-01-05T10:00:00.000Z' });
  f.run({ userId: 'u2', model: 'granite-3.0-8b-instruct', at: '2026-01-06T10:00:00.000Z' });
  f.run({ userId: 'u1', model: 'granite-3.0-8b-instruct', at: '2026-01-07T10:00:00.000Z' });
  f.run({ userId: 'u3', model: 'llama-3.1-8b-instruct', at: '2026-01-11T23:00:00.000Z' });
  f.run({ userId: 'b1', model: 'granite-3.0-8b-instruct', at: '2026-01-07T10:00:00.000Z' });
  f.run({ userId: 'b1', model: 'granite-3.0-8b-instruct', at: '2026-01-07T11:00:00.000Z' });
  f.run({ userId: 'u3', model: 'no-such-model', outcome: 'unknown_model', at: '2026-01-07T10:00:00.000Z' });
  f.run({ userId: 'u3', model: 'llama-3.1-8b-instruct', at: '2026-01-12T00:00:01.000Z' });
  return db;
}

describe('buildWeeklyDigest on fixed data', () => {
  let digest: Awaited<ReturnType<typeof buildDigestOf>>;
  beforeAll(async () => {
    digest = await buildDigestOf(seed(), clock, { guildId: G, timeZone: 'UTC' }, week);
  });

  it('covers the complete local week', async () => {
    expect(digest.week.key).toBe('2026-W02');
    expect(digest.complete).toBe(true);
    expect(digest.quiet).toBe(false);
    expect(digest.missing).toEqual([]);
  });

  it('lists the week’s releases per watched project, honouring the watch’s pre-release filter and leaving bots out', async () => {
    expect(digest.releases?.map((p) => [p.project, p.releases.map((r) => r.text)])).toEqual([
      [GRANITE, ['v3.1.2', 'v3.1.1 — Granite 3.1.1']],
      [LLAMA, ['v1.0']],
    ]);
    expect(digest.releases?.[0]?.releases[0]?.url).toBe(`https://github.com/${GRANITE}/releases/tag/v3.1.2`);
    expect(digest.models).toEqual([
      {
        org: 'ibm-granite',
        url: 'https://huggingface.co/ibm-granite',
        models: [
          {
            text: 'ibm-granite/granite-3.2-8b',
            url: 'https://huggingface.co/ibm-granite/granite-3.2-8b',
            at: '2026-01-09T12:00:00.000Z',
          },
        ],
      },
    ]);
  });

  it('counts issues opened and closed per watched repository, without bot accounts', async () => {
    expect(digest.issues).toEqual([
      { repo: GRANITE, url: `https://github.com/${GRANITE}`, opened: 2, closed: 2 },
    ]);
  });

  it('shows closes as unknown, not 0, on a database without the tracker’s closing times', async () => {
    const db = seed(openDigestDb(['0001_', '0002_', '0003_', '0004_', '0005_']));
    const d = await buildDigestOf(db, clock, { guildId: G, timeZone: 'UTC' }, week);
    expect(d.issues).toEqual([
      { repo: GRANITE, url: `https://github.com/${GRANITE}`, opened: 2, closed: null },
    ]);
  });

  it('ranks the week’s top ideas by people’s votes and lists the triage outcomes', async () => {
    const ideas = digest.ideas!;
    expect(ideas.submitted).toBe(3);
    expect(ideas.top.map((i) => [i.id, i.weekVotes, i.votes])).toEqual([
      [4, 3, 3],
      [1, 2, 2],
      [2, 1, 1],
    ]);
    expect(ideas.top[0]?.url).toBe(`https://discord.com/channels/${G}/800/704`);
    expect(ideas.accepted.map((i) => i.id)).toEqual([2]);
    expect(ideas.filed.map((i) => [i.id, i.issueUrl])).toEqual([
      [4, `https://github.com/${GRANITE}/issues/99`],
    ]);
    expect(ideas.done).toEqual([]);
    expect(ideas.declined.map((i) => i.id)).toEqual([5, 6]);
  });

  it('names first-time contributors, in order, and not the bot', async () => {
    expect(digest.newContributors?.map((c) => c.name)).toEqual(['Bea', 'Cy', 'Dee']);
  });

  it('counts model runs per model by people, not bots, and not prompts that never reached a model', async () => {
    expect(digest.modelRuns).toEqual({
      total: 4,
      people: 3,
      perModel: [
        { model: 'granite-3.0-8b-instruct', runs: 3, people: 2 },
        { model: 'llama-3.1-8b-instruct', runs: 1, people: 1 },
      ],
    });
  });

  it('gives the chart its counts per local day', async () => {
    expect(digest.days.map((d) => d.date)).toEqual([
      '2026-01-05',
      '2026-01-06',
      '2026-01-07',
      '2026-01-08',
      '2026-01-09',
      '2026-01-10',
      '2026-01-11',
    ]);
    expect(digest.days.map((d) => d.releases)).toEqual([0, 1, 1, 1, 0, 0, 0]);
    expect(digest.days.map((d) => d.issues)).toEqual([1, 0, 0, 0, 0, 1, 0]);
    expect(digest.days.map((d) => d.ideas)).toEqual([0, 1, 0, 1, 0, 1, 0]);
    expect(digest.days.map((d) => d.modelRuns)).toEqual([1, 1, 1, 0, 0, 0, 1]);
  });

  it('counts a week in progress only up to now', async () => {
    const db = seed();
    const midweek = new ManualClock('2026-01-07T11:00:00Z');
    const d = await buildDigestOf(db, midweek, { guildId: G, timeZone: 'UTC' });
    expect(d.complete).toBe(false);
    expect(d.until.toISOString()).toBe('2026-01-07T11:00:00.000Z');
    expect(d.days.map((x) => x.releases)).toEqual([0, 1, 1, 0, 0, 0, 0]);
    expect(d.modelRuns?.total).toBe(3);
  });

  it('uses the server’s time zone for the week’s edges', async () => {
    // In Tokyo (UTC+9) the week starts on 2026-01-04T15:00Z, so the 23:59:59Z release of the 4th is in it.
    const tokyo = await buildDigestOf(
      seed(),
      clock,
      { guildId: G, timeZone: 'Asia/Tokyo' },
      weekContaining(new Date('2026-01-07T00:00:00Z'), 'Asia/Tokyo'),
    );
    expect(tokyo.releases?.[0]?.releases.map((r) => r.text)).toContain('v3.1.0');
  });
});

describe('sections of features that are not installed', () => {
  it('are absent, not empty, when their tables do not exist', async () => {
    const db = openDigestDb(['0001_', '0005_']);
    const d = await buildDigestOf(db, clock, { guildId: G, timeZone: 'UTC' }, week);
    expect(d.releases).toBeUndefined();
    expect(d.issues).toBeUndefined();
    expect(d.ideas).toBeUndefined();
    expect(d.modelRuns).toBeUndefined();
    expect(d.newContributors).toBeUndefined();
    expect(d.missing).toEqual(['tracking', 'ideas', 'model runs']);
    expect(d.quiet).toBe(true);
  });

  it('show the installed ones only', async () => {
    const db = openDigestDb(['0001_', '0003_', '0005_']);
    const f = new DigestFixtures(db, G);
    f.run({ userId: 'u1', model: 'granite', at: '2026-01-06T10:00:00.000Z' });
    const d = await buildDigestOf(db, clock, { guildId: G, timeZone: 'UTC' }, week);
    expect(d.modelRuns?.total).toBe(1);
    expect(d.ideas).toBeUndefined();
    expect(d.missing).toEqual(['tracking', 'ideas']);
    expect(d.quiet).toBe(false);
  });
});
