// The tracking store on both engines: a real SQLite file and a real PostgreSQL server, with
// separate connections (pools) standing in for separate bot processes sharing the database.
import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.ts';
import type { DB } from '../src/db/schema.ts';
import type { OutgoingMessage, Poster } from '../src/discord/post.ts';
import { createLogger } from '../src/log.ts';
import { type TrackedItem, TrackingStore, type Watch } from '../src/tracking/store.ts';
import { Tracker } from '../src/tracking/tracker.ts';
import { TEST_ENGINES } from './support/both-engines.ts';

const silent = createLogger({ level: 'silent' });
let names = 0;

function release(tag: string, publishedAt: string, extra: Partial<TrackedItem> = {}): TrackedItem {
  return {
    externalId: tag,
    title: tag,
    url: `https://github.com/acme/x/releases/tag/${tag}`,
    author: 'octocat',
    body: `Notes of ${tag}`,
    prerelease: false,
    labels: [],
    details: {},
    publishedAt,
    ...extra,
  };
}

/** A poster that records every post (by nonce) and lets the other process run between posts. */
function recordingPoster(posts: string[]): Poster {
  let next = 0;
  return new Proxy({} as Poster, {
    get(_target, name) {
      if (name === 'post')
        return async (channelId: string, message: OutgoingMessage) => {
          await new Promise((resolve) => setImmediate(resolve));
          posts.push(message.nonce ?? '(no nonce)');
          return { id: `m${++next}`, channelId };
        };
      if (name === 'edit') return async () => {};
      throw new Error(`the tracker does not call poster.${String(name)} here`);
    },
  });
}

describe.each(TEST_ENGINES)('the tracking store on %s', (_label, makeEngine) => {
  const engine = makeEngine();
  const clock = new ManualClock('2026-03-02T10:00:00Z');

  /** A fresh target and guild per test: the database is shared by the file's tests. */
  async function world(store: TrackingStore, channels = 1) {
    const n = ++names;
    const target = `Acme/Model-${n}`;
    const guildId = `g${n}`;
    const at = clock.now().toISOString();
    const watches: Watch[] = [];
    for (let c = 0; c < channels; c++)
      watches.push(
        await store.insertWatch({
          guildId,
          channelId: `c${n}-${c}`,
          source: 'github',
          target,
          targetKey: target.toLowerCase(),
          kinds: 'both',
          prereleases: 'include',
          labels: c === 0 ? [] : ['bug'],
          preset: null,
          createdAt: at,
          createdBy: 'u1',
        }),
      );
    for (const kind of ['releases', 'issues'] as const)
      await store.ensureSource('github', target.toLowerCase(), kind, target, at);
    const key = {
      source: 'github' as const,
      targetKey: target.toLowerCase(),
      kind: 'releases' as const,
      target,
    };
    return { target, guildId, watches, key, at };
  }

  function tracker(db: Kysely<DB>, posts: string[], claimant: string): Tracker {
    return new Tracker({
      store: new TrackingStore(db),
      github: undefined as never,
      hubSource: undefined as never,
      poster: recordingPoster(posts),
      clock,
      log: silent,
      intervalMinutes: 5,
      hubWebUrl: 'https://huggingface.co',
      claimant,
    });
  }

  it('keeps watches, their sources and confirmations', async () => {
    const store = new TrackingStore(engine.connect());
    const { target, guildId, watches, key, at } = await world(store, 2);
    const [a, b] = watches as [Watch, Watch];
    expect(b).toMatchObject({ guildId, target, kinds: 'both', labels: ['bug'], failingSinceAt: null });
    expect(await store.watch(a.id)).toEqual(a);
    expect((await store.watchesInGuild(guildId)).map((w) => w.id)).toEqual([a.id, b.id]);
    expect(await store.watchesInChannel(b.channelId, 'github', key.targetKey)).toEqual([b]);
    expect((await store.watchesOf('github', key.targetKey, 'issues')).map((w) => w.id)).toEqual([a.id, b.id]);
    expect(await store.countWatches(guildId)).toBe(2);
    expect(await store.countWatches(null)).toBeGreaterThanOrEqual(2);

    await store.markWatchFailing(a.id, 'gone', at);
    clock.advance(1000);
    await store.markWatchFailing(a.id, 'still gone', clock.now().toISOString());
    expect(await store.watch(a.id)).toMatchObject({ failingSinceAt: at, lastError: 'still gone' });
    await store.clearWatchFailing(a.id);
    expect(await store.watch(a.id)).toMatchObject({ failingSinceAt: null, lastError: null });

    // A source stays while any watch covers it; the last one's removal stops its polling.
    await store.deleteWatch(a.id);
    expect(await store.source('github', key.targetKey, 'releases')).toBeDefined();
    await store.deleteWatch(b.id);
    expect(await store.source('github', key.targetKey, 'releases')).toBeUndefined();
    expect(await store.source('github', key.targetKey, 'issues')).toBeUndefined();

    const confirmation = {
      token: `t${names}`,
      guildId,
      userId: 'u1',
      target,
      request: '{}',
      createdAt: clock.now().toISOString(),
    };
    await store.insertConfirmation(confirmation);
    const other = new TrackingStore(engine.connect());
    // One click takes it, whichever process handles it; the second gets nothing.
    const taken = await Promise.all([
      store.takeConfirmation(confirmation.token, guildId, 'u1', at),
      other.takeConfirmation(confirmation.token, guildId, 'u1', at),
    ]);
    expect(taken.filter(Boolean)).toEqual([confirmation]);
  });

  it('records poll state, and drops a poll answer when another process polled the source meanwhile', async () => {
    const store = new TrackingStore(engine.connect());
    const { guildId, key, at } = await world(store);
    await store.ensureSource('github', key.targetKey, 'releases', key.target, '2000-01-01T00:00:00Z');
    const read = (await store.source('github', key.targetKey, 'releases'))!;
    expect(read).toMatchObject({ etag: null, cursor: null, nextPollAt: at, baselineAt: null });
    expect((await store.dueSources(at)).some((s) => s.targetKey === key.targetKey)).toBe(true);
    expect((await store.sourceCounts()).get('github:releases')).toBeGreaterThanOrEqual(1);

    // Two processes polled from the same read: the first answer written wins.
    const other = new TrackingStore(engine.connect());
    const version = { etag: read.etag, cursor: read.cursor, lastPollAt: read.lastPollAt };
    const t1 = '2026-03-02T10:01:00.000Z';
    expect(await other.updateSource(read, { etag: '"e1"', lastPollAt: t1, baselineAt: t1 }, version)).toBe(
      true,
    );
    expect(await store.updateSource(read, { etag: '"e0"', lastPollAt: t1, baselineAt: t1 }, version)).toBe(
      false,
    );
    const now = (await store.source('github', key.targetKey, 'releases'))!;
    expect(now).toMatchObject({ etag: '"e1"', lastPollAt: t1, baselineAt: t1 });
    // The next poll starts from what is stored, and applies.
    const t2 = '2026-03-02T10:06:00.000Z';
    await store.updateSources([
      [
        now,
        { lastPollAt: t2, nextPollAt: t2, lastError: null },
        { etag: '"e1"', cursor: null, lastPollAt: t1 },
      ],
    ]);
    expect(await store.source('github', key.targetKey, 'releases')).toMatchObject({
      lastPollAt: t2,
      nextPollAt: t2,
    });
    expect(await store.lastPollAt(guildId)).toBe(t2);
  });

  it('stores an event once, with its deliveries once, and finds the newest first', async () => {
    const store = new TrackingStore(engine.connect());
    const { watches, key, at } = await world(store);
    const id = await store.insertEvent(
      key,
      release('v1', '2026-03-01T00:00:00Z', { labels: ['x'] }),
      at,
      false,
    );
    expect(id).toBeTypeOf('number');
    expect(await store.insertEvent(key, release('v1', '2026-03-01T00:00:00Z'), at, false)).toBeUndefined();
    await store.insertEvent(key, release('v2', '2026-03-02T00:00:00Z', { prerelease: true }), at, true);
    expect(
      (await store.latestEvents('github', key.targetKey, 'releases', 5)).map((e) => e.externalId),
    ).toEqual(['v2', 'v1']);
    const v1 = (await store.event('github', key.targetKey, 'releases', 'v1'))!;
    expect(v1).toMatchObject({ id, labels: ['x'], prerelease: false, baseline: false, details: {} });
    expect((await store.events(key, ['v1', 'v2', 'v3'])).size).toBe(2);
    await store.updateEvent(id!, release('v1', v1.publishedAt, { body: 'edited', prerelease: true }), at);
    expect(await store.eventById(id!)).toMatchObject({ body: 'edited', prerelease: true });

    const watch = watches[0]!;
    expect(await store.createDelivery(id!, watch, at, true)).toBe(true);
    expect(await store.createDelivery(id!, watch, at)).toBe(false);
    expect(await store.hasDelivery(id!, watch.id)).toBe(true);
    const pending = (await store.pendingDeliveries()).filter((d) => d.watchId === watch.id);
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({ channelId: watch.channelId, attempts: 0, afterGap: true });
    await store.markSent(pending[0]!.id, 'm1', at);
    expect(await store.sentDeliveries(id!)).toEqual([
      { id: pending[0]!.id, watchId: watch.id, channelId: watch.channelId, messageId: 'm1' },
    ]);
  });

  it('lets one process claim a delivery; a claim it gives back or lets lapse is free again', async () => {
    const store = new TrackingStore(engine.connect());
    const { watches, key, at } = await world(store);
    const id = (await store.insertEvent(key, release('v1', at), at, false))!;
    await store.createDelivery(id, watches[0]!, at);
    const [d] = (await store.pendingDeliveries(at)).filter((p) => p.watchId === watches[0]!.id);
    const until = new Date(clock.now().getTime() + 60_000).toISOString();
    expect(await store.claimDeliveries([d!.id], 'a', at, until)).toEqual(new Set([d!.id]));
    expect(await store.claimDeliveries([d!.id], 'b', at, until)).toEqual(new Set());
    // Claimed: not offered to a delivery pass, but still pending (nothing lost).
    expect((await store.pendingDeliveries(at)).some((p) => p.id === d!.id)).toBe(false);
    expect((await store.pendingDeliveries()).some((p) => p.id === d!.id)).toBe(true);
    await store.releaseClaims([d!.id], 'b');
    expect(await store.claimDeliveries([d!.id], 'b', at, until)).toEqual(new Set());
    await store.releaseClaims([d!.id], 'a');
    expect(await store.claimDeliveries([d!.id], 'b', at, until)).toEqual(new Set([d!.id]));
    // b dies holding it: at its claim's lapse, a takes it.
    expect(await store.claimDeliveries([d!.id], 'a', until, until)).toEqual(new Set([d!.id]));
    await store.markSkipped([d!.id]);
    expect(await store.claimDeliveries([d!.id], 'b', until, until)).toEqual(new Set());
  });

  it('posts each delivery once when two processes deliver at the same time', async () => {
    const store = new TrackingStore(engine.connect());
    const { watches, key, at } = await world(store, 3);
    for (let i = 0; i < 8; i++) {
      const id = (await store.insertEvent(key, release(`v${i}`, `2026-03-01T00:0${i}:00Z`), at, false))!;
      for (const watch of watches) await store.createDelivery(id, watch, at);
    }
    const posts: string[] = [];
    const reports = await Promise.all([
      tracker(engine.connect(), posts, 'process-a').deliverPending(),
      tracker(engine.connect(), posts, 'process-b').deliverPending(),
    ]);
    expect(posts).toHaveLength(24);
    expect(new Set(posts).size).toBe(24);
    expect(reports[0]!.sent + reports[1]!.sent).toBe(24);
    expect((await store.pendingDeliveries()).filter((d) => d.event.targetKey === key.targetKey)).toEqual([]);
  });

  it('posts what a process that died mid-post had claimed, with the same nonce, once its claim lapses', async () => {
    const store = new TrackingStore(engine.connect());
    const { watches, key, at } = await world(store);
    const id = (await store.insertEvent(key, release('v9', at), at, false))!;
    await store.createDelivery(id, watches[0]!, at);
    const [d] = (await store.pendingDeliveries(at)).filter((p) => p.watchId === watches[0]!.id);
    // The dead process claimed it (and maybe posted it) but never marked it sent.
    await store.claimDeliveries([d!.id], 'dead', at, new Date(clock.now().getTime() + 120_000).toISOString());
    const posts: string[] = [];
    const survivor = tracker(engine.connect(), posts, 'survivor');
    expect((await survivor.deliverPending()).sent).toBe(0);
    clock.advance(120_000);
    expect((await survivor.deliverPending()).sent).toBe(1);
    expect(posts).toEqual([`omh-delivery-${d!.id}`]);
    expect(await store.sentDeliveries(id)).toHaveLength(1);
  });

  it.runIf(engine.kind === 'postgres')(
    'stores an event seen by two processes at once once, with one delivery per watch',
    async () => {
      const store = new TrackingStore(engine.connect());
      const { watches, key } = await world(store, 2);
      const items = Array.from({ length: 20 }, (_, i) =>
        release(`r${i}`, `2026-03-01T00:${String(i).padStart(2, '0')}:00Z`),
      );
      const posts: string[] = [];
      const a = tracker(engine.connect(), posts, 'a');
      const b = tracker(engine.connect(), posts, 'b');
      const created = await Promise.all([
        a.ingest(key, items, { baseline: false }),
        b.ingest(key, [...items].reverse(), { baseline: false }),
      ]);
      expect(created[0]! + created[1]!).toBe(20);
      const pending = (await store.pendingDeliveries()).filter((d) => d.event.targetKey === key.targetKey);
      // Labels filter issues only: both watches want every release.
      expect(pending).toHaveLength(20 * watches.length);
    },
  );

  it.runIf(engine.kind === 'postgres')(
    'gives each delivery to exactly one of two pools claiming the same rows',
    async () => {
      const store = new TrackingStore(engine.connect());
      const { watches, key, at } = await world(store);
      const ids: number[] = [];
      for (let i = 0; i < 200; i++) {
        const eventId = (await store.insertEvent(key, release(`c${i}`, at), at, false))!;
        await store.createDelivery(eventId, watches[0]!, at);
      }
      for (const d of await store.pendingDeliveries(at)) if (d.watchId === watches[0]!.id) ids.push(d.id);
      expect(ids).toHaveLength(200);
      const pools = [new TrackingStore(engine.connect()), new TrackingStore(engine.connect())];
      const until = new Date(clock.now().getTime() + 60_000).toISOString();
      // Each pool claims in several overlapping slices at once, in opposite orders.
      const slices = (reverse: boolean) =>
        Array.from({ length: 8 }, (_, i) => {
          const slice = ids.slice(i * 20, i * 20 + 60);
          return reverse ? slice.reverse() : slice;
        });
      const claims = await Promise.all([
        ...slices(false).map((s) => pools[0]!.claimDeliveries(s, 'a', at, until)),
        ...slices(true).map((s) => pools[1]!.claimDeliveries(s, 'b', at, until)),
      ]);
      const all = claims.flatMap((c) => [...c]);
      expect(all).toHaveLength(200);
      expect(new Set(all).size).toBe(200);
      const owners = await store.db
        .selectFrom('deliveries')
        .select(['claimed_by'])
        .where('id', 'in', ids)
        .execute();
      expect(owners.every((o) => o.claimed_by === 'a' || o.claimed_by === 'b')).toBe(true);
    },
  );
});
