// What goes wrong in production: GitHub's budget spent, Discord rate limits and outages, a
// deleted channel, a restart, a long downtime.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTrackingWorld, type TrackingWorld } from './support/github/tracking-hub.ts';
import { get, run } from './support/sql.ts';

let w: TrackingWorld;
beforeAll(async () => {
  w = await startTrackingWorld();
});
afterAll(() => w.close());

const tags = (channelId: string) =>
  w.discord
    .messagesIn(channelId)
    .map((m) => /Release (\S+)/.exec(m.embeds[0]?.title ?? '')?.[1] ?? m.content);

async function watched(repo: string, name: string, options: Record<string, string> = {}) {
  w.github.addRepo(repo);
  const channel = w.addChannel(name);
  const answer = await w.watch({ source: 'github', target: repo, channel, ...options });
  expect(answer).toMatch(/^Watch #/);
  return channel;
}

describe('GitHub rate limits', () => {
  it('backs off when the budget is spent and later delivers everything once', async () => {
    const channel = await watched('acme/budget', 'budget');
    const resetAt = new Date(w.clock.now().getTime() + 12 * 60_000);
    w.github.setRateLimit({ remaining: 0, resetAt });
    w.github.publishRelease('acme/budget', { tag: 'v1' });
    w.github.publishRelease('acme/budget', { tag: 'v2' });

    const spent = await w.nextCycle();
    expect(spent.deferred).toBeGreaterThan(0);
    expect(w.discord.messagesIn(channel)).toEqual([]);
    expect(w.hub.tracking.tracker.pausedUntil()?.getTime()).toBe(Math.ceil(resetAt.getTime() / 1000) * 1000);
    const requestsWhilePaused = w.github.requests;
    await w.nextCycle();
    expect(w.github.requests).toBe(requestsWhilePaused);
    const status = await w.hub.status.collect(w.guildId);
    expect(status.find((l) => l.name === 'GitHub polling')?.value).toMatch(/^paused until <t:\d+:R>$/);

    await w.nextCycle(); // 15 minutes in: past the reset, GitHub refilled the budget
    expect(tags(channel)).toEqual(['v1', 'v2']);
    await w.nextCycle();
    expect(tags(channel)).toEqual(['v1', 'v2']);
    expect(w.hub.tracking.tracker.pausedUntil()).toBeNull();
  });

  it('slows down when the budget runs low instead of spending the last requests', async () => {
    await watched('acme/low-1', 'low-1');
    await watched('acme/low-2', 'low-2');
    w.github.setRateLimit({ remaining: 60, resetAt: new Date(w.clock.now().getTime() + 60 * 60_000) });
    await w.nextCycle(); // the answers reveal how little is left
    const before = w.github.chargedRequests;
    const low = await w.nextCycle();
    // 60 left, a reserve of 20, an hour to go: less than one repository a minute.
    expect(low.deferred).toBeGreaterThan(0);
    expect(w.github.chargedRequests).toBe(before);
    expect(w.github.rateLimit().remaining).toBeGreaterThan(20);
    w.github.setRateLimit({ remaining: 5000 });
    const refilled = await w.nextCycle();
    expect(refilled.deferred).toBe(0);
  });

  it('pauses for the Retry-After of a secondary rate limit', async () => {
    const channel = await watched('acme/secondary', 'secondary');
    w.github.publishRelease('acme/secondary', { tag: 'v9' });
    w.github.failNext('GET', /^\/repos\/acme\/secondary\/releases$/, {
      status: 403,
      secondary: true,
      retryAfter: 420,
    });
    await w.nextCycle();
    expect(w.discord.messagesIn(channel)).toEqual([]);
    expect(w.logs.messages()).toContain(
      'GitHub secondary rate limit: polling pauses for the Retry-After it asked for',
    );
    await w.nextCycle(); // 5 minutes: still inside the 7 asked for
    expect(w.discord.messagesIn(channel)).toEqual([]);
    await w.nextCycle();
    expect(tags(channel)).toEqual(['v9']);
  });
});

describe('Discord failures', () => {
  it('retries a 429 from Discord and posts once', async () => {
    const channel = await watched('acme/ratelimited', 'ratelimited');
    w.github.publishRelease('acme/ratelimited', { tag: 'v1' });
    w.discord.failNext('POST', new RegExp(`^/channels/${channel}/messages$`), {
      status: 429,
      retryAfter: 0.05,
    });
    await w.nextCycle();
    expect(tags(channel)).toEqual(['v1']);
  });

  it('keeps a delivery through a Discord outage and posts it at the next poll', async () => {
    const channel = await watched('acme/outage', 'outage');
    w.github.publishRelease('acme/outage', { tag: 'v1' });
    w.discord.failNext('POST', new RegExp(`^/channels/${channel}/messages$`), { status: 503 }, 4);
    const first = await w.nextCycle();
    expect(first.delivered).toBe(0);
    expect(w.discord.messagesIn(channel)).toEqual([]);
    expect(w.logs.messages()).toContain(
      'Discord did not take the post of acme/outage v1; it is retried at the next poll',
    );
    await w.nextCycle();
    expect(tags(channel)).toEqual(['v1']);
  });

  it('flags the watch of a deleted channel in /watch list while the others continue', async () => {
    const gone = await watched('acme/shared', 'doomed');
    const kept = w.addChannel('kept');
    await w.watch({ source: 'github', target: 'acme/shared', channel: kept });
    w.discord.deleteChannel(gone);
    w.github.publishRelease('acme/shared', { tag: 'v2.0' });
    await w.nextCycle();
    expect(tags(kept)).toEqual(['v2.0']);
    const list = await w.discord
      .command({
        guildId: w.guildId,
        channelId: w.channelId,
        userId: w.memberId,
        name: 'watch',
        subcommand: 'list',
      })
      .reply();
    expect(list.embeds[0].description).toMatch(/⚠️ failing since <t:\d+:R>: the channel no longer exists/);
    expect(
      w.logs
        .messages()
        .some((m) => /^Watch \d+ of acme\/shared is failing: the channel no longer exists/.test(m)),
    ).toBe(true);
  });
});

describe('missing permissions', () => {
  it('flags a watch whose channel the bot may not post in, and keeps its delivery for later', async () => {
    const channel = await watched('acme/locked', 'locked');
    w.discord.denyBot(channel, 'send');
    w.github.publishRelease('acme/locked', { tag: 'v1' });
    await w.nextCycle();
    expect(w.discord.messagesIn(channel)).toEqual([]);
    const watch = (await w.hub.tracking.watches.list(w.guildId)).find((x) => x.target === 'acme/locked')!;
    expect(watch.lastError).toBe(
      'the bot may not post there (it needs View Channel, Send Messages and Embed Links)',
    );
    const pending = (await w.hub.tracking.store.pendingDeliveries()).filter((d) => d.watchId === watch.id);
    expect(pending.map((d) => d.event.externalId)).toEqual(['v1']);
  });
});

describe('restarts and downtime', () => {
  it('posts nothing twice across a restart', async () => {
    const channel = await watched('acme/restart', 'restart');
    w.github.publishRelease('acme/restart', { tag: 'v1' });
    await w.nextCycle();
    w.github.publishRelease('acme/restart', { tag: 'v2' });
    // A cycle found v2 but Discord was down: the delivery waits in the database.
    w.discord.failNext('POST', new RegExp(`^/channels/${channel}/messages$`), { status: 503 }, 4);
    await w.nextCycle();
    await w.restart();
    await w.nextCycle();
    await w.nextCycle();
    expect(tags(channel)).toEqual(['v1', 'v2']);
  });

  it('posts once when the process died after Discord took the post but before the database said so', async () => {
    const channel = await watched('acme/crash', 'crash');
    w.github.publishRelease('acme/crash', { tag: 'v1' });
    await w.nextCycle();
    expect(tags(channel)).toEqual(['v1']);
    // What a crash between Discord's 200 and the UPDATE leaves behind: a delivery still pending.
    const lost = await run(
      w.hub,
      "UPDATE deliveries SET status = 'pending', message_id = NULL, sent_at = NULL WHERE status = 'sent' AND message_id = ?",
      w.discord.messagesIn(channel)[0]!.id,
    );
    expect(lost).toBe(1);
    await w.restart();
    await w.nextCycle();
    expect(tags(channel)).toEqual(['v1']);
    const row = await get(
      w.hub,
      'SELECT status, message_id FROM deliveries WHERE message_id = ?',
      w.discord.messagesIn(channel)[0]!.id,
    );
    expect(row).toEqual({ status: 'sent', message_id: w.discord.messagesIn(channel)[0]!.id });
  });

  it('after downtime posts at most 10 per watch, oldest first, then one "and N more" line', async () => {
    const channel = await watched('acme/busy', 'busy');
    for (let i = 1; i <= 14; i++) {
      w.clock.advance(60_000);
      w.github.publishRelease('acme/busy', { tag: `v0.${i}` });
    }
    await w.nextCycle();
    const posted = tags(channel);
    expect(posted.slice(0, 10)).toEqual(Array.from({ length: 10 }, (_, i) => `v0.${i + 1}`));
    expect(posted).toHaveLength(11);
    expect(posted[10]).toBe(
      '…and 4 more releases of acme/busy while the bot was away: <https://github.com/acme/busy/releases>',
    );
    await w.nextCycle();
    expect(tags(channel)).toHaveLength(11);
  });

  it('after a long downtime reads back to the last release seen and counts every one it did not post', async () => {
    const channel = await watched('acme/flood', 'flood');
    for (let i = 1; i <= 150; i++) {
      w.clock.advance(1_000);
      w.github.publishRelease('acme/flood', { tag: `v1.${i}` });
    }
    w.github.resetCounters();
    await w.nextCycle();
    const posted = tags(channel);
    expect(posted.slice(0, 10)).toEqual(Array.from({ length: 10 }, (_, i) => `v1.${i + 1}`));
    expect(posted[10]).toBe(
      '…and 140 more releases of acme/flood while the bot was away: <https://github.com/acme/flood/releases>',
    );
    expect(posted).toHaveLength(11);
    // Two pages of 100, both charged: the price of the read-back, counted like any request.
    const reads = w.github.requestLog.filter((r) => r.path === '/repos/acme/flood/releases');
    expect(reads.map((r) => [r.query.page ?? '1', r.status])).toEqual([
      ['1', 200],
      ['2', 200],
    ]);
    expect(await get(w.hub, "SELECT COUNT(*) AS n FROM events WHERE target_key = 'acme/flood'")).toEqual({
      n: 150,
    });
  });

  it('reads no second page when the first reaches back to what was seen, and none on a 304', async () => {
    const channel = await watched('acme/steady', 'steady');
    for (let i = 1; i <= 120; i++) {
      w.clock.advance(1_000);
      w.github.publishRelease('acme/steady', { tag: `v2.${i}` });
    }
    await w.nextCycle();
    w.github.publishRelease('acme/steady', { tag: 'v3.0' });
    w.github.resetCounters();
    await w.nextCycle();
    await w.nextCycle();
    const reads = w.github.requestLog.filter((r) => r.path === '/repos/acme/steady/releases');
    expect(reads.map((r) => [r.query.page ?? '1', r.status])).toEqual([
      ['1', 200],
      ['1', 304],
    ]);
    expect(tags(channel).at(-1)).toBe('v3.0');
  });

  it('stops at the page whose last release is the newest one seen', async () => {
    const channel = await watched('acme/exact', 'exact');
    w.github.publishRelease('acme/exact', { tag: 'v0' });
    await w.nextCycle();
    for (let i = 1; i <= 99; i++) {
      w.clock.advance(1_000);
      w.github.publishRelease('acme/exact', { tag: `v4.${i}` });
    }
    w.github.resetCounters();
    await w.nextCycle();
    const reads = w.github.requestLog.filter((r) => r.path === '/repos/acme/exact/releases');
    expect(reads).toHaveLength(1);
    expect(tags(channel).at(-1)).toBe(
      '…and 89 more releases of acme/exact while the bot was away: <https://github.com/acme/exact/releases>',
    );
  });

  it('the first poll of a new watch reads one page and announces nothing, however long the list', async () => {
    w.github.addRepo('acme/old');
    for (let i = 1; i <= 250; i++) {
      w.clock.advance(1_000);
      w.github.publishRelease('acme/old', { tag: `v0.${i}` });
    }
    w.github.resetCounters();
    const channel = await watched('acme/old', 'old');
    const reads = w.github.requestLog.filter((r) => r.path === '/repos/acme/old/releases');
    expect(reads).toHaveLength(1);
    await w.nextCycle();
    expect(tags(channel)).toEqual([]);
  });

  it('says "more than" when the read-back stops at its bound of 10 pages', async () => {
    const channel = await watched('acme/torrent', 'torrent');
    for (let i = 1; i <= 1050; i++) {
      w.clock.advance(1_000);
      w.github.publishRelease('acme/torrent', { tag: `v9.${i}` });
    }
    w.github.resetCounters();
    await w.nextCycle();
    const reads = w.github.requestLog.filter((r) => r.path === '/repos/acme/torrent/releases');
    expect(reads).toHaveLength(10);
    const posted = tags(channel);
    // The newest 1,000 were read; the 10 oldest of those are posted, oldest first.
    expect(posted.slice(0, 10)).toEqual(Array.from({ length: 10 }, (_, i) => `v9.${i + 51}`));
    expect(posted[10]).toBe(
      '…and more than 990 more releases of acme/torrent while the bot was away (too many to read back): <https://github.com/acme/torrent/releases>',
    );
    expect(posted).toHaveLength(11);
  });

  it('the same for issues: every new issue counted, "more than" past the bound', async () => {
    const channel = await watched('acme/swamp', 'swamp', { kinds: 'issues' });
    for (let i = 1; i <= 150; i++) {
      w.clock.advance(1_000);
      w.github.openIssue('acme/swamp', { title: `Issue ${i}` });
    }
    await w.nextCycle();
    const issues = () => w.discord.messagesIn(channel).map((m) => m.embeds[0]?.title ?? m.content);
    expect(issues()[10]).toBe(
      '…and 140 more issues of acme/swamp while the bot was away: <https://github.com/acme/swamp/issues?q=is%3Aissue+sort%3Acreated-desc>',
    );
    for (let i = 151; i <= 1200; i++) {
      w.clock.advance(1_000);
      w.github.openIssue('acme/swamp', { title: `Issue ${i}` });
    }
    w.github.resetCounters();
    await w.nextCycle();
    const reads = w.github.requestLog.filter((r) => r.path === '/repos/acme/swamp/issues');
    expect(reads).toHaveLength(10);
    expect(issues().at(-1)).toMatch(/^…and more than 990 more issues of acme\/swamp while the bot was away/);
  });
});
