// What the board shows of hostile text, releases and posted digests, and its Atom feeds: everything
// escaped, markdown rendered with raw HTML off and safe links only, digests exactly as posted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderMarkdown } from '../src/web/markdown.ts';
import { startTestHub } from './support/harness.ts';
import { BASE_URL, startWebWorld, type WebWorld } from './support/web-world.ts';

const XSS_TITLE = '<img src=x onerror=alert(1)>';
const ATTR_BREAK = '"><img src=x onerror="window.__pwned=1">';
const RTL = 'Evil \u202Egnp.exe\u202C title';

let w: WebWorld;
let g: string;
let hostile: number;
let long: number;

beforeAll(async () => {
  w = await startWebWorld();
  g = w.t.guildId;
  await w.setWeb('public');
  w.t.clock.set('2026-11-18T10:00:00Z');
  hostile = await w.idea({
    title: XSS_TITLE,
    problem: `<script>window.__pwned=1</script> and ${ATTR_BREAK}`,
    proposal:
      '[click me](javascript:alert(1)) [data](data:text/html,<script>alert(1)</script>) [ok](https://example.org/paper)',
    evidence: RTL,
    family: 'granite',
  });
  long = await w.idea({ title: RTL, proposal: 'A'.repeat(10_000), problem: `${'word '.repeat(2_000)}` });
  await w.t.hub.ideas.lifecycle.vote(g, hostile, w.t.memberId, 1);
  await w.t.hub.ideas.lifecycle.changeStatus(g, hostile, w.t.curatorId, 'rejected', `Reason ${ATTR_BREAK}`);
  const { store } = w.t.hub.tracking;
  await store.insertWatch({
    guildId: g,
    channelId: w.t.channelId,
    source: 'github',
    target: 'ibm-granite/granite-4.0',
    targetKey: 'ibm-granite/granite-4.0',
    kinds: 'releases',
    prereleases: 'exclude',
    labels: [],
    preset: null,
    createdAt: '2026-11-01T00:00:00.000Z',
    createdBy: w.t.curatorId,
  });
  const key = {
    source: 'github' as const,
    targetKey: 'ibm-granite/granite-4.0',
    kind: 'releases' as const,
    target: 'ibm-granite/granite-4.0',
  };
  const release = (tag: string, at: string, body: string, prerelease = false) =>
    store.insertEvent(
      key,
      {
        externalId: tag,
        title: tag,
        url: `https://github.com/ibm-granite/granite-4.0/releases/tag/${tag}`,
        author: 'granite-bot',
        body,
        prerelease,
        labels: [],
        details: {},
        publishedAt: at,
      },
      at,
      false,
    );
  await release(
    'v4.0.0',
    '2026-11-17T12:00:00Z',
    '## Notes\n<script>alert(1)</script> & <b>bold</b> [x](javascript:alert(1))',
  );
  await release('v4.1.0-rc1', '2026-11-19T12:00:00Z', 'a pre-release', true);
  await w.t.hub.ideas.settled();
  const digestChannelId = w.t.discord.addChannel(g, { name: 'digest' });
  await w.t.hub.settings.update(g, { digestChannelId }, w.t.curatorId);
  w.t.clock.set('2026-11-23T09:00:30Z');
  const outcomes = await w.t.hub.digest.service.postDueDigests();
  expect(outcomes).toEqual([{ guildId: g, week: '2026-W47', result: 'posted' }]);
});
afterAll(async () => {
  await w?.stop();
});

describe('hostile text', () => {
  it('shows a title made of HTML as text, everywhere it appears', async () => {
    for (const path of [`/g/${g}/ideas`, `/g/${g}/ideas/${hostile}`, `/g/${g}/digests/2026-W47`]) {
      const html = await w.text(path);
      expect(html, path).toContain('&lt;img src=x onerror=alert(1)&gt;');
      expect(html, path).not.toMatch(/<img[^>]*onerror/i);
      expect(html, path).not.toMatch(/<script/i);
    }
  });

  it('renders markdown with raw HTML as text and refuses javascript: and data: links', async () => {
    const html = await w.text(`/g/${g}/ideas/${hostile}`);
    expect(html).toContain('&lt;script&gt;window.__pwned=1&lt;/script&gt;');
    expect(html).not.toMatch(/href="\s*(javascript|data):/i);
    expect(html).toContain('<a href="https://example.org/paper" rel="nofollow ugc noopener">ok</a>');
    expect(html).toContain('Reason &quot;&gt;&lt;img');
  });

  it('wraps user text in dir="auto" and drops bidi overrides, so U+202E cannot spoof a title or reorder the page', async () => {
    const html = await w.text(`/g/${g}/ideas/${long}`);
    expect(html).toContain('<span dir="auto">Evil gnp.exe title</span>');
    expect(html).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/);
    const list = await w.text(`/g/${g}/ideas`);
    expect(list).toContain('<span dir="auto">Evil gnp.exe title</span>');
    expect(list).not.toContain('\u202E');
  });

  it('serves a 10,000-character body whole', async () => {
    const html = await w.text(`/g/${g}/ideas/${long}`);
    expect(html).toContain('A'.repeat(10_000));
  });

  it('markdown-it refuses dangerous links in every spelling and marks the rest nofollow ugc', () => {
    for (const link of [
      'javascript:alert(1)',
      'JaVaScRiPt:alert(1)',
      'java%0ascript:alert(1)',
      'data:text/html,x',
      'vbscript:x',
      'file:///etc/passwd',
      '/relative',
    ]) {
      expect(renderMarkdown(`[x](${link})`), link).not.toContain('<a ');
    }
    const raw = renderMarkdown('<a href="https://e.org" onclick="x()">y</a>');
    expect(raw).toContain('&lt;a href=&quot;');
    expect(raw).not.toMatch(/<a [^>]*onclick/);
    expect(renderMarkdown('see https://example.org')).toContain('rel="nofollow ugc noopener"');
    expect(renderMarkdown('![t](https://tracker.example/p.png)')).not.toContain('<img');
  });
});

describe('the overview', () => {
  it('shows the projects with their latest release (as the watch filters them), top ideas and the latest digest', async () => {
    const html = await w.text(`/g/${g}`);
    expect(html).toContain('ibm-granite/granite-4.0');
    expect(html).toContain('v4.0.0');
    expect(html).not.toContain('v4.1.0-rc1');
    expect(html).toContain(`/g/${g}/ideas/${hostile}`);
    expect(html).toContain('Week 2026-W47');
  });
});

describe('digests', () => {
  it('lists and shows each digest as it was posted, with its chart', async () => {
    const list = await w.text(`/g/${g}/digests`);
    expect(list).toContain(`/g/${g}/digests/2026-W47`);
    const page = await w.text(`/g/${g}/digests/2026-W47`);
    expect(page).toContain('2 ideas submitted');
    expect(page).toContain('v4.0.0');
    expect(page).toContain(`/g/${g}/digests/2026-W47/chart.png`);
    // Later activity does not rewrite a posted week.
    w.t.clock.set('2026-11-24T10:00:00Z');
    await w.t.hub.ideas.lifecycle.vote(g, long, w.t.curatorId, 1);
    expect(await w.text(`/g/${g}/digests/2026-W47`)).toBe(page);
    const chart = await w.get(`/g/${g}/digests/2026-W47/chart.png`);
    expect(chart.status).toBe(200);
    expect(chart.headers.get('content-type')).toBe('image/png');
    const png = Buffer.from(await chart.arrayBuffer());
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    const posted = w.t.discord.messagesIn((await w.t.hub.settings.get(g)).digestChannelId!);
    expect(posted.length).toBeGreaterThan(0);
  });
});

describe('feeds', () => {
  it('ideas.atom has the Atom elements, stable tag: ids, updated dates and a self link, all escaped', async () => {
    const res = await w.get(`/g/${g}/ideas.atom`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    const xml = await res.text();
    expect(
      xml.startsWith('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'),
    ).toBe(true);
    expect(xml).toContain(
      `<link rel="self" type="application/atom+xml" href="${BASE_URL}/g/${g}/ideas.atom"/>`,
    );
    expect(xml).toMatch(/<feed[^>]*>\n<id>tag:hub\.example\.org,\d{4}-\d\d-\d\d:g\/\d+\/ideas<\/id>/);
    expect(xml).toContain(`<id>tag:hub.example.org,2026-11-18:g/${g}/ideas/${hostile}</id>`);
    expect(xml).toContain('<title type="text">#1 &lt;img src=x onerror=alert(1)&gt;</title>');
    expect(xml).not.toMatch(/<(img|script)/i);
    expect(xml.match(/<entry>/g)).toHaveLength(2);
    expect(xml.match(/<updated>\d{4}-\d\d-\d\dT[\d:.]+Z<\/updated>/g)!.length).toBe(3);
    expect(await w.text(`/g/${g}/ideas.atom`)).toBe(xml);
  });

  it('releases.atom carries release notes as escaped HTML and honours the pre-release filter', async () => {
    const xml = await w.text(`/g/${g}/releases.atom`);
    expect(xml).toContain('<title type="text">ibm-granite/granite-4.0 v4.0.0</title>');
    expect(xml).not.toContain('v4.1.0-rc1');
    expect(xml).toContain('&lt;p&gt;&amp;lt;script&amp;gt;');
    expect(xml).not.toMatch(/<script|href=(&quot;|")javascript:/i);
    expect(xml).toMatch(
      /<id>tag:hub\.example\.org,\d{4}-\d\d-\d\d:releases\/ibm-granite\/granite-4\.0\/v4\.0\.0<\/id>/,
    );
  });

  it('digests.atom has one entry per posted week', async () => {
    const xml = await w.text(`/g/${g}/digests.atom`);
    expect(xml).toContain(`<id>tag:hub.example.org,2026-11-16:g/${g}/digests/2026-W47</id>`);
    expect(xml).toContain(`href="${BASE_URL}/g/${g}/digests/2026-W47"`);
  });
});

describe('without WEB_BASE_URL', () => {
  it('/hub config web says why the board is off and changes nothing; the board answers 404', async () => {
    const t = await startTestHub();
    try {
      const reply = await t.discord
        .command({
          guildId: t.guildId,
          channelId: t.channelId,
          userId: t.curatorId,
          name: 'hub',
          subcommand: 'config',
          options: { web: 'public' },
        })
        .reply();
      expect(JSON.stringify(reply)).toContain('WEB_BASE_URL');
      const shown = await t.discord
        .command({
          guildId: t.guildId,
          channelId: t.channelId,
          userId: t.memberId,
          name: 'hub',
          subcommand: 'config',
        })
        .reply();
      expect(JSON.stringify(shown)).toContain('off on this bot (the operator has not set WEB_BASE_URL)');
      const { setupWeb } = await import('../src/web/setup.ts');
      const { webBoards } = await import('../src/web/boards.ts');
      expect(await webBoards(t.hub).isPublic(t.guildId)).toBe(false);
      await webBoards(t.hub).setVisibility(t.guildId, 'public', t.curatorId);
      const web = setupWeb(t.hub, t.hub, { guild: () => ({ name: 'Open Models', iconUrl: null }) });
      expect((await web.app.request(`/g/${t.guildId}`)).status).toBe(404);
    } finally {
      await t.stop();
    }
  });
});
