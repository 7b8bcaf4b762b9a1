// The board in a real headless Chromium (Debian's chromium with puppeteer-core): every page renders
// without JavaScript errors, nothing from user text runs, the layout holds on a phone and a desktop,
// in light and dark, and axe-core finds no serious or critical accessibility problem. Screenshots go
// to test/artifacts/ for a person to look at. Outside CI the file is skipped when Chromium is absent.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AxePuppeteer } from '@axe-core/puppeteer';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOSTILE, seedBoard, startWebWorld, type WebWorld } from './support/web-world.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const runnable = existsSync(CHROMIUM) || Boolean(process.env.CI);
if (!runnable)
  console.warn(
    `Skipping the web board browser tests: ${CHROMIUM} is not installed (apt-get install chromium; in CI they always run).`,
  );

// The page's globals as far as these tests use them (the project compiles without the DOM library;
// the casts vanish when puppeteer sends these functions to the page).
interface PageGlobals {
  innerWidth: number;
  __pwned?: number;
  document: { scrollingElement: { scrollWidth: number } | null; title: string };
  DOMParser: new () => { parseFromString(text: string, type: string): XmlDocument };
}
interface XmlElement {
  namespaceURI: string | null;
  localName: string;
  children: ArrayLike<XmlElement>;
  textContent: string | null;
  getAttribute(name: string): string | null;
}
interface XmlDocument {
  documentElement: XmlElement;
  getElementsByTagName(name: string): { length: number };
}

const ARTIFACTS = join(import.meta.dirname, 'artifacts');
const WIDTHS = [375, 1280] as const;

let w: WebWorld;
let browser: Browser | undefined;
let profile: string | undefined;
let seeded: Awaited<ReturnType<typeof seedBoard>>;

describe.skipIf(!runnable)('the web board in Chromium', () => {
  beforeAll(async () => {
    w = await startWebWorld();
    seeded = await seedBoard(w);
    profile = mkdtempSync(join(tmpdir(), 'omh-chromium-'));
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      userDataDir: profile,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await w?.stop();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  const pages = () => {
    const g = w.t.guildId;
    return {
      home: `/g/${g}`,
      ideas: `/g/${g}/ideas`,
      search: `/g/${g}/ideas?q=attention&status=accepted`,
      'idea-hostile': `/g/${g}/ideas/${seeded.hostile}`,
      'idea-long': `/g/${g}/ideas/${seeded.long}`,
      digests: `/g/${g}/digests`,
      digest: `/g/${g}/digests/${seeded.week}`,
      'bad-request': `/g/${g}/ideas?status=bogus`,
      'not-found': `/g/${g}/ideas/999`,
    };
  };

  /** Opens a page and records everything that should never happen there. */
  async function open(path: string, width: number, o: { dark?: boolean; bypassCsp?: boolean } = {}) {
    const page = await browser!.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${String(e)}`));
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    await page.setCacheEnabled(false);
    await page.setViewport({ width, height: 900 });
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: o.dark ? 'dark' : 'light' }]);
    if (o.bypassCsp) await page.setBypassCSP(true);
    const response = await page.goto(`${w.origin}${path}`, { waitUntil: 'load' });
    return { page, problems, status: response?.status() };
  }

  async function layout(page: Page) {
    return page.evaluate(() => {
      const g = globalThis as unknown as PageGlobals;
      return {
        scrollWidth: g.document.scrollingElement!.scrollWidth,
        innerWidth: g.innerWidth,
        pwned: g.__pwned,
        title: g.document.title,
      };
    });
  }

  async function seriousViolations(page: Page) {
    const results = await new AxePuppeteer(page).analyze();
    return results.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  }

  // Every page at both widths in both schemes; axe runs once per scheme (on the desktop in light,
  // on the phone in dark) because a full pass costs seconds on a shared CI machine.
  const PAGE_NAMES = [
    'home',
    'ideas',
    'search',
    'idea-hostile',
    'idea-long',
    'digests',
    'digest',
    'bad-request',
    'not-found',
  ] as const;
  for (const name of PAGE_NAMES) {
    it(`${name}: renders at 375 and 1280 px, light and dark, with no errors, no overflow, no serious axe finding`, async () => {
      const path = pages()[name];
      const expected = name === 'bad-request' ? 400 : name === 'not-found' ? 404 : 200;
      for (const dark of [false, true]) {
        for (const width of WIDTHS) {
          const at = `${name}@${width}${dark ? ' dark' : ''}`;
          const { page, problems, status } = await open(path, width, { dark });
          try {
            expect(status, at).toBe(expected);
            const l = await layout(page);
            expect(l.pwned, at).toBeUndefined();
            expect(l.scrollWidth, `${at} overflows`).toBeLessThanOrEqual(l.innerWidth);
            const t1 = Date.now();
            await page.screenshot({
              path: join(ARTIFACTS, `web-${name}-${width}${dark ? '-dark' : ''}.png`) as `${string}.png`,
              // A 10,000-character page is slow to paint whole in software; its top shows the layout.
              fullPage: name !== 'idea-long',
            });
            if (process.env.WEB_TIMING) console.log(at, 'shot', Date.now() - t1);
            // A 4xx page logs "Failed to load resource" for its own status; that is the point of it.
            const real = problems.filter((p) => expected === 200 || !/Failed to load resource/.test(p));
            expect(real, at).toEqual([]);
            const t0 = Date.now();
            if ((width === 1280) !== dark) expect(await seriousViolations(page), at).toEqual([]);
            if (process.env.WEB_TIMING) console.log(at, 'axe', Date.now() - t0);
          } finally {
            await page.close();
          }
        }
      }
    }, 120_000);
  }

  it('runs nothing from user text even with the Content-Security-Policy switched off', async () => {
    for (const path of [pages()['idea-hostile'], pages().ideas, pages().digest, pages().home]) {
      const { page, problems } = await open(path, 1280, { bypassCsp: true });
      try {
        const l = await layout(page);
        expect(l.pwned, path).toBeUndefined();
        expect(
          problems.filter((p) => p.startsWith('dialog')),
          path,
        ).toEqual([]);
        const injected = await page.$$eval(
          'img',
          (imgs) => imgs.filter((i) => i.getAttribute('src') === 'x').length,
        );
        expect(injected, path).toBe(0);
        if (path === pages()['idea-hostile']) {
          const heading = await page.$eval('h1', (h) => h.textContent);
          expect(heading).toContain(HOSTILE.title);
          const hrefs = await page.$$eval('main a', (as) => as.map((a) => a.getAttribute('href') ?? ''));
          expect(hrefs.filter((h) => /^\s*javascript:/i.test(h))).toEqual([]);
        }
      } finally {
        await page.close();
      }
    }
  });

  it('serves feeds that an XML parser reads as Atom 1.0 with the required elements', async () => {
    const page = await browser!.newPage();
    try {
      for (const name of ['ideas', 'releases', 'digests']) {
        const xml = await w.text(`/g/${w.t.guildId}/${name}.atom`);
        const check = await page.evaluate((text) => {
          const g = globalThis as unknown as PageGlobals;
          const doc = new g.DOMParser().parseFromString(text, 'application/xml');
          const ns = 'http://www.w3.org/2005/Atom';
          const feed = doc.documentElement;
          const child = (el: XmlElement, tag: string) =>
            Array.from(el.children).filter((c) => c.namespaceURI === ns && c.localName === tag);
          const entries = child(feed, 'entry');
          return {
            parseError: doc.getElementsByTagName('parsererror').length > 0,
            root: `${feed.namespaceURI} ${feed.localName}`,
            feed: ['id', 'title', 'updated'].map((t) => child(feed, t).length),
            self: child(feed, 'link').some((l) => l.getAttribute('rel') === 'self'),
            author: child(feed, 'author').length > 0,
            entries: entries.length,
            entryProblems: entries.flatMap((e) =>
              ['id', 'title', 'updated'].filter((t) => child(e, t).length !== 1).map((t) => `missing ${t}`),
            ),
            ids: entries.map((e) => child(e, 'id')[0]?.textContent ?? ''),
            updated: [feed, ...entries].map((e) => child(e, 'updated')[0]?.textContent ?? ''),
          };
        }, xml);
        expect(check.parseError, name).toBe(false);
        expect(check.root).toBe('http://www.w3.org/2005/Atom feed');
        expect(check.feed, name).toEqual([1, 1, 1]);
        expect(check.self && check.author, name).toBe(true);
        expect(check.entries, name).toBeGreaterThan(0);
        expect(check.entryProblems, name).toEqual([]);
        for (const id of check.ids) expect(id).toMatch(/^tag:hub\.example\.org,\d{4}-\d\d-\d\d:/);
        expect(new Set(check.ids).size).toBe(check.ids.length);
        for (const u of check.updated) expect(Number.isNaN(Date.parse(u)), u).toBe(false);
      }
    } finally {
      await page.close();
    }
  });
});
