import { loadImage } from '@napi-rs/canvas';
import type { APIEmbed } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.ts';
import { buildWeeklyDigest } from '../src/digest/build.ts';
import { CHART_HEIGHT, CHART_WIDTH, renderActivityChart } from '../src/digest/chart.ts';
import { MAX_MESSAGES, renderDigest } from '../src/digest/render.ts';
import type { Digest } from '../src/digest/types.ts';
import { previousWeek } from '../src/digest/week.ts';
import { LIMITS } from '../src/discord/format.ts';
import { DigestFixtures, openDigestDb } from './digest-fixtures.ts';

const G = 'guild-1';
const clock = new ManualClock('2026-01-12T09:00:00Z');
const week = previousWeek(clock.now(), 'UTC');

function embedChars(e: APIEmbed): number {
  return (
    (e.title?.length ?? 0) +
    (e.description?.length ?? 0) +
    (e.footer?.text.length ?? 0) +
    (e.author?.name.length ?? 0) +
    (e.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0)
  );
}

function expectWithinDiscordLimits(messages: ReturnType<typeof renderDigest>) {
  for (const m of messages) {
    expect((m.content ?? '').length).toBeLessThanOrEqual(LIMITS.content);
    const embeds = m.embeds ?? [];
    expect(embeds.length).toBeLessThanOrEqual(LIMITS.embedsPerMessage);
    expect(embeds.reduce((n, e) => n + embedChars(e), 0)).toBeLessThanOrEqual(LIMITS.embedsTotal);
    for (const e of embeds) {
      expect(e.title?.length ?? 0).toBeLessThanOrEqual(LIMITS.embedTitle);
      expect(e.description?.length ?? 0).toBeLessThanOrEqual(LIMITS.embedDescription);
      expect(e.fields?.length ?? 0).toBeLessThanOrEqual(LIMITS.embedFields);
    }
    expect(m.content || embeds.length > 0).toBeTruthy();
  }
}

/** Every markdown link is whole: label, and a URL up to its closing parenthesis. */
function brokenLinks(messages: ReturnType<typeof renderDigest>): string[] {
  const text = messages.flatMap((m) => [
    m.content ?? '',
    ...(m.embeds ?? []).map((e) => e.description ?? ''),
  ]);
  return text.flatMap((t) =>
    [...t.matchAll(/\]\(([^)\s]*)(\)?)/g)]
      .filter((x) => x[2] !== ')' || !/^https:\/\/\S+$/.test(x[1]!))
      .map((x) => x[0]),
  );
}

function longDigest(): Digest {
  const db = openDigestDb();
  const f = new DigestFixtures(db, G);
  for (let p = 0; p < 120; p++) {
    const repo = `org-${p}/a-model-repository-with-a-rather-long-name-${p}`;
    f.watch(repo);
    for (let r = 0; r < 8; r++)
      f.event({
        kind: 'releases',
        target: repo,
        id: `v${p}.${r}.0`,
        title: `Release ${r} with a title that goes on [and on] *and* on for a while`,
        at: `2026-01-0${5 + (r % 7)}T10:00:00.000Z`,
      });
    for (let i = 0; i < 3; i++)
      f.event({ kind: 'issues', target: repo, id: String(i), at: '2026-01-06T10:00:00.000Z' });
  }
  for (let o = 0; o < 30; o++) {
    f.watch(`hf-org-${o}`, { source: 'huggingface' });
    for (let m = 0; m < 7; m++)
      f.event({
        kind: 'models',
        target: `hf-org-${o}`,
        id: `hf-org-${o}/model-${m}`,
        at: '2026-01-07T10:00:00.000Z',
      });
  }
  for (let i = 0; i < 60; i++) {
    const idea = f.idea({
      authorId: `u${i}`,
      authorName: `Person ${i}`,
      title: `Idea ${i} `.repeat(20),
      at: '2026-01-06T10:00:00.000Z',
    });
    f.vote(idea.id, 'voter', 1, '2026-01-07T10:00:00.000Z');
    f.decide(idea.id, i % 2 ? 'accepted' : 'rejected', '2026-01-08T10:00:00.000Z');
  }
  for (let m = 0; m < 40; m++)
    f.run({ userId: `u${m}`, model: `model-${m}`, at: '2026-01-08T10:00:00.000Z' });
  return buildWeeklyDigest(db, clock, { guildId: G, timeZone: 'UTC' }, week);
}

describe('renderDigest', () => {
  it('keeps a long digest within Discord’s limits, in several messages, with every link whole', () => {
    const digest = longDigest();
    const png = renderActivityChart(digest.days);
    const messages = renderDigest(digest, png);
    expect(messages.length).toBeGreaterThan(1);
    expect(messages.length).toBeLessThanOrEqual(MAX_MESSAGES);
    expectWithinDiscordLimits(messages);
    expect(brokenLinks(messages)).toEqual([]);
    expect(messages[0]?.files?.[0]?.name).toBe('activity-2026-W02.png');
    expect(messages[0]?.embeds?.[0]?.image?.url).toBe('attachment://activity-2026-W02.png');
    expect(messages.slice(1).every((m) => !m.files)).toBe(true);
    const all = JSON.stringify(messages);
    expect(all).toContain('more projects with');
    expect(all).toContain('Models tried');
    expect(all).toContain('First-time contributors');
    expect(all).toContain('Top ideas this week');
    expect(all).not.toContain('*and*'); // user text is escaped
    expect(all).not.toContain('not shown'); // each section kept to its share, nothing dropped
  });

  it('turns a quiet week into one short line, never an empty embed', () => {
    const db = openDigestDb();
    const digest = buildWeeklyDigest(db, clock, { guildId: G, timeZone: 'UTC' }, week);
    expect(digest.quiet).toBe(true);
    const messages = renderDigest(digest);
    expect(messages).toHaveLength(1);
    expect(messages[0]?.embeds).toBeUndefined();
    expect(messages[0]?.content).toContain('a quiet week');
    expect(messages[0]?.content).toContain('2026-W02');
  });
});

describe('the activity chart', () => {
  it('is a PNG that decodes to the expected size', async () => {
    const days = previousWeek(clock.now(), 'UTC').days.map((d, i) => ({
      date: `2026-01-${String(d.date.day).padStart(2, '0')}`,
      releases: i,
      issues: 2,
      ideas: 7 - i,
      modelRuns: 3,
    }));
    const png = renderActivityChart(days);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const image = await loadImage(png);
    expect([image.width, image.height]).toEqual([CHART_WIDTH, CHART_HEIGHT]);
    // Bars were drawn: a chart of all zeros compresses to far fewer bytes.
    const empty = renderActivityChart(
      days.map((d) => ({ ...d, releases: 0, issues: 0, ideas: 0, modelRuns: 0 })),
    );
    expect(png.length).toBeGreaterThan(empty.length);
  });
});
