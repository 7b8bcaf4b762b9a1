import { createCanvas, loadImage } from '@napi-rs/canvas';
import type { APIEmbed } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.ts';
import { CHART_COLORS, CHART_HEIGHT, CHART_WIDTH, renderActivityChart } from '../src/digest/chart.ts';
import { MAX_MESSAGES, renderDigest } from '../src/digest/render.ts';
import type { Digest } from '../src/digest/types.ts';
import { previousWeek } from '../src/digest/week.ts';
import { LIMITS } from '../src/discord/format.ts';
import { buildDigestOf, DigestFixtures, openDigestDb } from './digest-fixtures.ts';

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

function longDigest(): Promise<Digest> {
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
  return buildDigestOf(db, clock, { guildId: G, timeZone: 'UTC' }, week);
}

describe('renderDigest', () => {
  it('keeps a long digest within Discord’s limits, in several messages, with every link whole', async () => {
    const digest = await longDigest();
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

  it('turns a quiet week into one short line, never an empty embed', async () => {
    const db = openDigestDb();
    const digest = await buildDigestOf(db, clock, { guildId: G, timeZone: 'UTC' }, week);
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

  // Discord shows an image as it is, on #313338 (dark theme) or #ffffff (light theme).
  it('has its own opaque background, with text that reads on it whatever Discord’s theme', async () => {
    const png = renderActivityChart(weekOf([1, 0, 2, 0, 0, 1, 0], [40, 52, 61, 44, 27, 12, 9]));
    const pixels = await pixelsOf(png);
    let transparent = 0;
    for (let i = 3; i < pixels.data.length; i += 4) if (pixels.data[i]! < 255) transparent++;
    expect(transparent).toBe(0);
    const background = pixelAt(pixels, 2, 2);
    expect(background).toEqual(hexToRgb(CHART_COLORS.background));
    expect(contrast(CHART_COLORS.text, CHART_COLORS.background)).toBeGreaterThanOrEqual(7);
    expect(contrast(CHART_COLORS.mutedText, CHART_COLORS.background)).toBeGreaterThanOrEqual(4.5);
    for (const color of Object.values(CHART_COLORS.series))
      expect(contrast(color, CHART_COLORS.background), color).toBeGreaterThanOrEqual(3);
    // The card stands out from both themes' backgrounds, so it reads as one image in either.
    for (const theme of ['#313338', '#ffffff'])
      expect(contrast(CHART_COLORS.background, theme), theme).toBeGreaterThanOrEqual(1.15);
  });

  it('gives each series its own scale: a week of few releases and many model runs shows both', async () => {
    const png = renderActivityChart(weekOf([1, 0, 2, 0, 0, 1, 0], [40, 52, 61, 44, 27, 12, 9]));
    const pixels = await pixelsOf(png);
    for (const color of [CHART_COLORS.series.releases, CHART_COLORS.series.modelRuns]) {
      // The tallest bar of each series fills most of its plot (~90 px; the old shared axis drew releases ~9 px).
      expect(tallestRun(pixels, hexToRgb(color)), color).toBeGreaterThan(CHART_HEIGHT * 0.12);
    }
  });
});

function weekOf(releases: number[], modelRuns: number[]) {
  return releases.map((r, i) => ({
    date: `2026-01-${String(5 + i).padStart(2, '0')}`,
    releases: r,
    issues: i % 3,
    ideas: (i * 2) % 5,
    modelRuns: modelRuns[i]!,
  }));
}

async function pixelsOf(png: Buffer) {
  const image = await loadImage(png);
  const canvas = createCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0);
  return {
    width: image.width,
    height: image.height,
    data: ctx.getImageData(0, 0, image.width, image.height).data,
  };
}

type Pixels = Awaited<ReturnType<typeof pixelsOf>>;

function pixelAt(p: Pixels, x: number, y: number): [number, number, number] {
  const i = (y * p.width + x) * 4;
  return [p.data[i]!, p.data[i + 1]!, p.data[i + 2]!];
}

/** The longest vertical run of exactly `rgb` in any column: the height of the tallest bar of that colour. */
function tallestRun(p: Pixels, rgb: [number, number, number]): number {
  let best = 0;
  for (let x = 0; x < p.width; x++) {
    let run = 0;
    for (let y = 0; y < p.height; y++) {
      const [r, g, b] = pixelAt(p, x, y);
      run = r === rgb[0] && g === rgb[1] && b === rgb[2] ? run + 1 : 0;
      best = Math.max(best, run);
    }
  }
  return best;
}

function hexToRgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** WCAG 2 contrast ratio of two colours. */
function contrast(a: string, b: string): number {
  const lum = (hex: string) => {
    const [r, g, bl] = hexToRgb(hex).map((c) => {
      const s = c / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    }) as [number, number, number];
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}
