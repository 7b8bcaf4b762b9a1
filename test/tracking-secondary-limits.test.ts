// GitHub's secondary limits at the promised scale: 9,000 repositories at a 5-minute interval is
// 1,800 requests a minute on one endpoint, twice what GitHub allows. The poller stretches the
// interval evenly instead of bursting into 403s, and says so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GitHubEmulator, endpointOf as githubEndpoint } from './support/github/emulator.ts';
import { startTrackingWorld, type TrackingWorld } from './support/github/tracking-hub.ts';

const REPOS = 9_000;
let w: TrackingWorld;
let github: GitHubEmulator;

beforeAll(async () => {
  w = await startTrackingWorld();
  github = w.github;
  const { store, tracker } = w.hub.tracking;
  const at = w.clock.now().toISOString();
  // Watches already running (baselines taken), as after a while in production; one request each.
  await store.transaction(async (store) => {
    for (let i = 0; i < REPOS; i++) {
      const target = `org${i % 50}/model-${i}`;
      github.addRepo(target);
      await store.insertWatch({
        guildId: w.guildId,
        channelId: w.channelId,
        source: 'github',
        target,
        targetKey: target.toLowerCase(),
        kinds: 'releases',
        prereleases: 'include',
        labels: [],
        preset: null,
        createdAt: at,
        createdBy: w.curatorId,
      });
      await store.ensureSource('github', target.toLowerCase(), 'releases', target, at);
    }
  });
  // Each source's next poll where the plan puts it, as if it was polled during the last interval.
  const from = w.clock.now().getTime();
  // The plan is read before the transaction: on SQLite, a query outside it would wait for it.
  await tracker.freshness();
  await store.transaction(async (store) => {
    for (const state of await store.dueSources(at))
      await store.updateSource(state, { baselineAt: at, nextPollAt: await tracker.nextSlot(state, from) });
  });
  // The first answer of each source is a charged 200 (no ETag yet): more than one hour's primary
  // budget at this scale, which is not what this test is about.
  github.setRateLimit({ limit: 1_000_000, remaining: 1_000_000 });
  github.enforceSecondaryLimits({ pointsPerMinute: 900, concurrency: 100 });
}, 120_000);
afterAll(() => w?.close());

describe('GitHub secondary limits', () => {
  it('9,000 repositories at 5 minutes: no secondary-limit answer, every source polled at the announced interval', async () => {
    const status = await w.hub.status.collect(w.guildId);
    const polling = status.find((l) => l.name === 'Polling')?.value;
    // 720 of GitHub's 900 points a minute (the default 80%): 9,000 sources need 12.5 minutes.
    expect(polling).toBe("every 13 minutes: 9,000 sources share one token's budget");
    const everyMinutes = 13;

    const pollsOf = new Map<string, number[]>();
    let seen = github.requestLog.length;
    let maxPerMinute = 0;
    const ticks = everyMinutes * 2;
    for (let tick = 1; tick <= ticks; tick++) {
      w.clock.advance(60_000);
      const report = await w.hub.tracking.tracker.pollDueSources();
      expect(report.overBudget).toBe(0);
      const releases = github.pointsInLastMinute()[githubEndpoint('GET', '/repos/o/r/releases')] ?? 0;
      maxPerMinute = Math.max(maxPerMinute, releases);
      for (const r of github.requestLog.slice(seen)) {
        const list = pollsOf.get(r.path) ?? [];
        list.push(tick);
        pollsOf.set(r.path, list);
      }
      seen = github.requestLog.length;
    }
    expect(github.secondaryLimited).toBe(0);
    expect(github.maxConcurrent).toBeLessThanOrEqual(100);
    expect(maxPerMinute).toBeLessThanOrEqual(720);
    // Every source, every announced interval: polled in each window of 13 ticks, never sooner
    // than a tick before its slot comes round again.
    expect(pollsOf.size).toBe(REPOS);
    for (const [path, polls] of pollsOf) {
      expect(polls, path).toHaveLength(2);
      expect(polls[1]! - polls[0]!, path).toBe(everyMinutes);
    }
  }, 180_000);

  it('a poll GitHub still refuses with a secondary limit waits for its retry-after, not the next burst', async () => {
    github.enforceSecondaryLimits({ pointsPerMinute: 1, concurrency: 100 });
    try {
      w.clock.advance(60_000);
      const report = await w.hub.tracking.tracker.pollDueSources();
      expect(github.secondaryLimited).toBeGreaterThan(0);
      expect(report.deferred).toBeGreaterThan(0);
      expect(w.hub.tracking.tracker.pausedUntil()).not.toBeNull();
    } finally {
      github.enforceSecondaryLimits({ pointsPerMinute: 900, concurrency: 100 });
    }
  });
});
