// The digest's data on both engines: the same rows give the same digest on SQLite and PostgreSQL,
// the store's records behave alike, and on PostgreSQL two bot processes (two pools) racing for a
// week post it exactly once, including the take-over of a week a dead process left half posted.
import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.ts';
import type { DB } from '../src/db/schema.ts';
import { buildWeeklyDigest } from '../src/digest/build.ts';
import { CLAIM_STALE_MS, DigestService, type DueOutcome, digestNonce } from '../src/digest/service.ts';
import { DigestStore } from '../src/digest/store.ts';
import { recordUser, unknownUserIds } from '../src/digest/users.ts';
import { previousWeek } from '../src/digest/week.ts';
import type { OutgoingMessage, Poster } from '../src/discord/post.ts';
import { createLogger } from '../src/log.ts';
import { DigestRows } from './digest-fixtures.ts';
import { TEST_ENGINES } from './support/both-engines.ts';

const GRANITE = 'ibm-granite/granite-3.1-language-models';
const LLAMA = 'meta-llama/llama-models';
const MONDAY_9 = '2026-01-12T09:00:00Z'; // the slot of 2026-W02 (Monday 5 to Sunday 11 January)
const log = createLogger({ level: 'silent' });

let guilds = 0;
/** Each test writes its own server, so the tests of one file share a database without meeting. */
const newGuild = () => `guild-${++guilds}-${Math.random().toString(36).slice(2, 8)}`;

async function seed(db: Kysely<DB>, guildId: string): Promise<void> {
  const f = new DigestRows(db, guildId);
  await f.watch(GRANITE);
  await f.watch(LLAMA, { kinds: 'releases', prereleases: 'exclude' });
  await f.watch('ibm-granite', { source: 'huggingface' });
  await f.event({ kind: 'releases', target: GRANITE, id: 'v3.1.0', at: '2026-01-04T23:59:59.000Z' });
  await f.event({
    kind: 'releases',
    target: GRANITE,
    id: 'v3.1.1',
    title: 'Granite 3.1.1',
    at: '2026-01-06T10:00:00.000Z',
  });
  await f.event({
    kind: 'releases',
    target: GRANITE,
    id: 'nightly',
    author: 'github-actions[bot]',
    at: '2026-01-09T01:00:00.000Z',
  });
  await f.event({ kind: 'releases', target: LLAMA, id: 'v1.0', at: '2026-01-07T10:00:00.000Z' });
  await f.event({
    kind: 'releases',
    target: LLAMA,
    id: 'v1.1-rc1',
    prerelease: true,
    at: '2026-01-09T10:00:00.000Z',
  });
  await f.event({
    kind: 'issues',
    target: GRANITE,
    id: '10',
    author: 'alice',
    at: '2026-01-05T08:00:00.000Z',
    closedAt: '2026-01-07T08:00:00.000Z',
  });
  await f.event({
    kind: 'issues',
    target: GRANITE,
    id: '11',
    author: 'Dependabot[bot]',
    at: '2026-01-06T08:00:00.000Z',
    closedAt: '2026-01-07T08:00:00.000Z',
  });
  await f.event({ kind: 'issues', target: GRANITE, id: '12', author: 'bob', at: '2026-01-10T08:00:00.000Z' });
  await f.event({
    kind: 'issues',
    target: GRANITE,
    id: '3',
    author: 'carol',
    at: '2025-12-20T08:00:00.000Z',
    closedAt: '2026-01-11T23:59:00.000Z',
  });
  await f.event({ kind: 'issues', target: LLAMA, id: '7', author: 'dan', at: '2026-01-05T08:00:00.000Z' });
  await f.event({
    kind: 'models',
    target: 'ibm-granite',
    id: 'ibm-granite/granite-3.2-8b',
    at: '2026-01-09T12:00:00.000Z',
  });

  await f.user('b1', { bot: true, name: 'Helper Bot' });
  const old = await f.idea({
    authorId: 'u1',
    authorName: 'Ann',
    title: 'Sliding-window attention',
    at: '2025-12-01T00:00:00.000Z',
  });
  const fresh = await f.idea({
    authorId: 'u4',
    authorName: 'Bea',
    title: 'Grouped-query KV cache',
    at: '2026-01-06T09:00:00.000Z',
  });
  await f.idea({ authorId: 'b1', authorName: 'Helper Bot', title: 'Spam', at: '2026-01-06T09:00:00.000Z' });
  for (const u of ['u2', 'u3', 'b1']) await f.vote(old, u, 1, '2026-01-07T12:00:00.000Z');
  await f.vote(fresh, 'u1', 1, '2026-01-07T12:00:00.000Z');
  await f.vote(fresh, 'u2', -1, '2026-01-08T12:00:00.000Z');
  await f.vote(fresh, 'u3', 1, '2026-01-08T12:00:00.000Z');
  await f.decide(fresh, 'accepted', '2026-01-07T13:00:00.000Z');
  await f.decide(old, 'declined_upstream', '2026-01-10T13:00:00.000Z');

  await f.run({ userId: 'u1', model: 'granite-3.0-8b-instruct', at: '2026-01-05T10:00:00.000Z' });
  await f.run({ userId: 'u2', model: 'granite-3.0-8b-instruct', at: '2026-01-06T10:00:00.000Z' });
  await f.run({ userId: 'u1', model: 'granite-3.0-8b-instruct', at: '2026-01-07T10:00:00.000Z' });
  await f.run({ userId: 'u3', model: 'llama-3.1-8b-instruct', at: '2026-01-11T23:00:00.000Z' });
  await f.run({ userId: 'b1', model: 'granite-3.0-8b-instruct', at: '2026-01-07T10:00:00.000Z' });
  await f.run({
    userId: 'u3',
    model: 'no-such-model',
    outcome: 'unknown_model',
    at: '2026-01-07T10:00:00.000Z',
  });
  await f.run({ userId: 'u3', model: 'llama-3.1-8b-instruct', at: '2026-01-12T00:00:01.000Z' });
}

/** What Discord does with nonces (enforce_nonce): the same nonce again returns the earlier message. */
class RecordingPoster {
  readonly messages: Array<{ channelId: string; id: string; nonce: string | undefined }> = [];
  private next = 0;
  constructor(private readonly dedupe: boolean) {}
  async post(channelId: string, message: OutgoingMessage): Promise<{ id: string; channelId: string }> {
    // Hands the turn to the other process between messages, as a network round trip would.
    await new Promise((resolve) => setImmediate(resolve));
    const earlier = this.dedupe && message.nonce && this.messages.find((m) => m.nonce === message.nonce);
    if (earlier) return { id: earlier.id, channelId };
    const id = `m${++this.next}`;
    this.messages.push({ channelId, id, nonce: message.nonce });
    return { id, channelId };
  }
  async channel(): Promise<unknown> {
    return {};
  }
}

function service(db: Kysely<DB>, clock: ManualClock, poster: RecordingPoster) {
  const store = new DigestStore(db, clock);
  return new DigestService({ db, clock, log, poster: poster as unknown as Poster, store });
}

async function scheduleDigest(db: Kysely<DB>, guildId: string): Promise<void> {
  await db
    .insertInto('guild_settings')
    .values({ guild_id: guildId, digest_channel_id: `ch-${guildId}`, updated_at: '2026-01-01T00:00:00.000Z' })
    .execute();
  // A server that already had a digest: a late week is skipped, not "first ever".
  await db
    .insertInto('digests')
    .values({
      guild_id: guildId,
      iso_week: '2026-W01',
      status: 'posted',
      scheduled_for: '2026-01-05T09:00:00.000Z',
      claimed_at: '2026-01-05T09:00:00.000Z',
    })
    .execute();
}

const mine = (outcomes: DueOutcome[], guildId: string) => outcomes.filter((o) => o.guildId === guildId);

describe.each(TEST_ENGINES)('the digest data on %s', (_label, makeEngine) => {
  const engine = makeEngine();

  it('builds the same week: watched releases by people, issue activity, ideas, runs, per local day', async () => {
    const db = engine.connect();
    const guildId = newGuild();
    await seed(db, guildId);
    const clock = new ManualClock(MONDAY_9);
    const d = await buildWeeklyDigest(
      db,
      clock,
      { guildId, timeZone: 'UTC' },
      previousWeek(clock.now(), 'UTC'),
    );
    expect(d.week.key).toBe('2026-W02');
    expect(d.missing).toEqual([]);
    expect(d.releases?.map((p) => [p.project, p.releases.map((r) => r.text)])).toEqual([
      [GRANITE, ['v3.1.1 — Granite 3.1.1']],
      [LLAMA, ['v1.0']],
    ]);
    expect(d.models?.map((o) => o.models.map((m) => m.text))).toEqual([['ibm-granite/granite-3.2-8b']]);
    expect(d.issues).toEqual([{ repo: GRANITE, url: `https://github.com/${GRANITE}`, opened: 2, closed: 2 }]);
    expect(d.ideas?.submitted).toBe(1);
    expect(d.ideas?.top.map((i) => [i.id, i.weekVotes, i.votes])).toEqual([
      [1, 2, 2],
      [2, 1, 1],
    ]);
    expect(d.ideas?.accepted.map((i) => i.id)).toEqual([2]);
    expect(d.ideas?.declined.map((i) => i.id)).toEqual([1]);
    expect(d.newContributors).toEqual([{ userId: 'u4', name: 'Bea', ideas: 1 }]);
    expect(d.modelRuns).toEqual({
      total: 4,
      people: 3,
      perModel: [
        { model: 'granite-3.0-8b-instruct', runs: 3, people: 2 },
        { model: 'llama-3.1-8b-instruct', runs: 1, people: 1 },
      ],
    });
    expect(d.days.map((x) => [x.releases, x.issues, x.ideas, x.modelRuns])).toEqual([
      [0, 1, 0, 1],
      [1, 0, 1, 1],
      [1, 0, 0, 1],
      [0, 0, 0, 0],
      [0, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 0, 1],
    ]);
    expect(d.quiet).toBe(false);
  });

  it('finds the users it has not asked Discord about, and remembers the answers', async () => {
    const db = engine.connect();
    const guildId = newGuild();
    await seed(db, guildId);
    const clock = new ManualClock(MONDAY_9);
    const week = ['2026-01-05T00:00:00.000Z', '2026-01-12T00:00:00.000Z'] as const;
    expect((await unknownUserIds(db, guildId, ...week)).sort()).toEqual(['u1', 'u2', 'u3', 'u4']);
    await recordUser(db, clock, 'u1', { bot: false, name: 'Ann' });
    await recordUser(db, clock, 'u2', { bot: false, name: null });
    await recordUser(db, clock, 'u2', { bot: true, name: 'Now a bot' });
    expect((await unknownUserIds(db, guildId, ...week)).sort()).toEqual(['u3', 'u4']);
    const u2 = await db
      .selectFrom('discord_users')
      .selectAll()
      .where('user_id', '=', 'u2')
      .executeTakeFirst();
    expect(u2).toMatchObject({ is_bot: 1, name: 'Now a bot' });
  });

  it('keeps the schedule, records a week once, and hands a failed claim back', async () => {
    const db = engine.connect();
    const clock = new ManualClock(MONDAY_9);
    const store = new DigestStore(db, clock);
    const guildId = newGuild();
    expect(await store.schedule(guildId)).toEqual({
      guildId,
      channelId: null,
      timeZone: 'UTC',
      weekday: 1,
      hour: 9,
      quietWeeks: 'post',
    });
    expect(await store.updateSchedule(guildId, { weekday: 5, hour: 17 }, 'curator')).toMatchObject({
      weekday: 5,
      hour: 17,
      quietWeeks: 'post',
    });
    expect(await store.updateSchedule(guildId, { quietWeeks: 'skip' }, 'curator')).toMatchObject({
      weekday: 5,
      quietWeeks: 'skip',
    });
    expect(await store.scheduledGuilds()).not.toContainEqual(expect.objectContaining({ guildId }));

    const week = { guildId, isoWeek: '2026-W02', channelId: 'c', scheduledFor: new Date(MONDAY_9) };
    const claim = await store.take(week);
    expect(claim).toBe('2026-01-12T09:00:00.000Z');
    expect(await store.claim(week)).toBe(false);
    await store.release(guildId, '2026-W02', 'not-the-claim');
    expect((await store.record(guildId, '2026-W02'))?.status).toBe('posting');
    await store.release(guildId, '2026-W02', claim);
    expect(await store.record(guildId, '2026-W02')).toBeUndefined();

    const again = await store.take(week);
    expect(await store.finish(guildId, '2026-W02', { status: 'posted', messageIds: ['1', '2'] }, again)).toBe(
      true,
    );
    expect(await store.record(guildId, '2026-W02')).toMatchObject({
      status: 'posted',
      messageIds: ['1', '2'],
      finishedAt: '2026-01-12T09:00:00.000Z',
    });
    expect((await store.lastPosted(guildId))?.isoWeek).toBe('2026-W02');

    // Skipped at an earlier slot, reopened once for a later one.
    const skipped = { ...week, isoWeek: '2026-W03', scheduledFor: new Date('2026-01-19T09:00:00Z') };
    expect(await store.claim({ ...skipped, status: 'skipped', note: 'late' })).toBe(true);
    const later = { ...skipped, scheduledFor: new Date('2026-01-23T17:00:00Z') };
    expect(await store.reopenSkipped(later)).toBeDefined();
    expect(await store.reopenSkipped(later)).toBeUndefined();
    expect((await store.record(guildId, '2026-W03'))?.status).toBe('posting');
  });

  it('fences a claim: a take-over moves it on, and the replaced holder can neither renew nor finish', async () => {
    const db = engine.connect();
    const clock = new ManualClock(MONDAY_9);
    const store = new DigestStore(db, clock);
    const guildId = newGuild();
    const a = (await store.take({
      guildId,
      isoWeek: '2026-W02',
      channelId: 'c',
      scheduledFor: clock.now(),
    }))!;
    // The clock has not moved, and still every renewal is a new claim.
    const a2 = (await store.renewClaim(guildId, '2026-W02', a))!;
    expect(a2 > a).toBe(true);
    const b = await store.renewClaim(guildId, '2026-W02', a2);
    expect(b).toBeDefined();
    expect(await store.renewClaim(guildId, '2026-W02', a2)).toBeUndefined();
    expect(await store.finish(guildId, '2026-W02', { status: 'failed' }, a2)).toBe(false);
    expect(await store.finish(guildId, '2026-W02', { status: 'posted' }, b)).toBe(true);
    expect(await store.renewClaim(guildId, '2026-W02', b!)).toBeUndefined();
  });
});

describe('two bot processes on one PostgreSQL', () => {
  const engine = TEST_ENGINES[1][1]();

  it('claim a week exactly once, however many ask at the same moment', async () => {
    const pools = [engine.connect(), engine.connect()];
    const clock = new ManualClock(MONDAY_9);
    for (let round = 0; round < 10; round++) {
      const guildId = newGuild();
      const week = { guildId, isoWeek: '2026-W02', channelId: 'c', scheduledFor: clock.now() };
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) => new DigestStore(pools[i % 2]!, clock).claim(week)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    }
  });

  it('post the weekly digest once when both run the job at its time', async () => {
    const [a, b] = [engine.connect(), engine.connect()];
    const clock = new ManualClock(MONDAY_9);
    const guildId = newGuild();
    await seed(a, guildId);
    await scheduleDigest(a, guildId);
    // No nonce deduplication here: a second post of any message would show.
    const poster = new RecordingPoster(false);
    const [first, second] = await Promise.all([
      service(a, clock, poster).postDueDigests(),
      service(b, clock, poster).postDueDigests(),
    ]);
    const results = [...mine(first, guildId), ...mine(second, guildId)].map((o) => o.result).sort();
    expect(results[1]).toBe('posted');
    expect(['already-done', 'in-progress']).toContain(results[0]);
    const posted = poster.messages.filter((m) => m.channelId === `ch-${guildId}`);
    expect(posted.length).toBeGreaterThan(0);
    expect(new Set(posted.map((m) => m.nonce)).size).toBe(posted.length);
    const record = await new DigestStore(a, clock).record(guildId, '2026-W02');
    expect(record).toMatchObject({ status: 'posted', messageIds: posted.map((m) => m.id) });
  });

  it('leave a week being posted alone, and exactly one of them finishes a week whose poster died', async () => {
    const [a, b] = [engine.connect(), engine.connect()];
    const clock = new ManualClock(MONDAY_9);
    const guildId = newGuild();
    await seed(a, guildId);
    await scheduleDigest(a, guildId);
    const poster = new RecordingPoster(true);
    // A process claimed the week, posted the first message, and died.
    const dead = service(a, clock, poster);
    const messages = dead.render(await dead.build(guildId, previousWeek(clock.now(), 'UTC')));
    expect(messages.length).toBeGreaterThan(0);
    const store = new DigestStore(a, clock);
    expect(
      await store.claim({
        guildId,
        isoWeek: '2026-W02',
        channelId: `ch-${guildId}`,
        scheduledFor: clock.now(),
      }),
    ).toBe(true);
    await poster.post(`ch-${guildId}`, { ...messages[0]!, nonce: digestNonce(guildId, '2026-W02', 0) });

    clock.advance(CLAIM_STALE_MS - 1);
    const early = await Promise.all([
      service(a, clock, poster).postDueDigests(),
      service(b, clock, poster).postDueDigests(),
    ]);
    expect(early.flatMap((o) => mine(o, guildId)).map((o) => o.result)).toEqual([
      'in-progress',
      'in-progress',
    ]);

    clock.advance(1);
    const late = await Promise.all([
      service(a, clock, poster).postDueDigests(),
      service(b, clock, poster).postDueDigests(),
    ]);
    const results = late
      .flatMap((o) => mine(o, guildId))
      .map((o) => o.result)
      .sort();
    expect(results).toEqual(['in-progress', 'posted']);
    expect((await store.record(guildId, '2026-W02'))?.status).toBe('posted');
    // The first message came again under its nonce, and Discord handed back the one it had: each once.
    const nonces = poster.messages.filter((m) => m.channelId === `ch-${guildId}`).map((m) => m.nonce);
    expect(nonces).toEqual(messages.map((_, i) => digestNonce(guildId, '2026-W02', i)));
  });
});
