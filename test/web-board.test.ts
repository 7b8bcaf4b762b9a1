// The public web board: opt-in per server, the pages and what they show, bad input, caching and
// the search limit — served over real HTTP from the bot's own services.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE_URL, startWebWorld, type WebWorld } from './support/web-world.ts';

let w: WebWorld;
let g: string;

beforeAll(async () => {
  w = await startWebWorld({ searchLimit: { capacity: 3, refillPerSecond: 1 } });
  g = w.t.guildId;
});
afterAll(async () => {
  await w?.stop();
});

const HIDDEN_PATHS = (guild: string) => [
  `/g/${guild}`,
  `/g/${guild}/ideas`,
  `/g/${guild}/ideas?status=bogus&page=0`,
  `/g/${guild}/ideas/1`,
  `/g/${guild}/ideas/abc`,
  `/g/${guild}/digests`,
  `/g/${guild}/digests/2026-W47`,
  `/g/${guild}/digests/2026-W47/chart.png`,
  `/g/${guild}/ideas.atom`,
  `/g/${guild}/releases.atom`,
  `/g/${guild}/digests.atom`,
  `/g/${guild}/nothing/here`,
];

describe('opt-in', () => {
  it('answers 404 for every path of a server whose board is off, exactly as for an unknown server', async () => {
    const unknown = await w.get('/g/123456789012345678/ideas');
    expect(unknown.status).toBe(404);
    const reference = await unknown.text();
    expect(reference).toContain('There is no public board at this address.');
    for (const path of [...HIDDEN_PATHS(g), ...HIDDEN_PATHS('not-a-guild')]) {
      const res = await w.get(path);
      expect(res.status, path).toBe(404);
      expect(await res.text(), path).toBe(reference);
      expect(res.headers.get('content-type')).toContain('text/html');
    }
    expect(reference).not.toContain('Open Models');
  });

  it('lets a curator make the board public, and only a curator', async () => {
    const refused = await w.setWeb('public', w.t.memberId);
    expect(refused).toMatch(/curator|Manage Server/i);
    expect((await w.get(`/g/${g}`)).status).toBe(404);

    const saved = await w.setWeb('public');
    expect(saved).toContain('Saved');
    expect(saved).toContain(`${BASE_URL}/g/${g}`);
    const home = await w.get(`/g/${g}`);
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('Open Models');

    await w.setWeb('off');
    for (const path of HIDDEN_PATHS(g)) expect((await w.get(path)).status, path).toBe(404);
    await w.setWeb('public');
  });

  it('clear:web returns the board to its default, off', async () => {
    await w.setWeb('public');
    const reply = await w.t.discord
      .command({
        guildId: g,
        channelId: w.t.channelId,
        userId: w.t.curatorId,
        name: 'hub',
        subcommand: 'config',
        options: { clear: 'web' },
      })
      .reply();
    expect(JSON.stringify(reply)).toContain('Saved: web');
    expect((await w.get(`/g/${g}`)).status).toBe(404);
    await w.setWeb('public');
  });
});

describe('pages', () => {
  let top: number;
  let rejected: number;
  beforeAll(async () => {
    const { lifecycle } = w.t.hub.ideas;
    top = await w.idea({ title: 'Sliding window attention for long contexts', family: 'granite' });
    rejected = await w.idea({ title: 'Quantise everything to one bit', family: 'llama' });
    await w.idea({ title: 'Mixture of experts routing by entropy', family: 'granite' });
    await lifecycle.vote(g, top, w.t.memberId, 1);
    await lifecycle.vote(g, top, w.t.curatorId, 1);
    await lifecycle.vote(g, rejected, w.t.memberId, -1);
    await lifecycle.changeStatus(g, rejected, w.t.curatorId, 'rejected', 'Accuracy collapses below 2 bits.');
    await lifecycle.changeStatus(g, top, w.t.curatorId, 'accepted', 'Clear and measured.');
    await w.t.hub.ideas.settled();
  });

  it('lists every idea with its status and votes, rejected ones with the curators’ reason', async () => {
    const html = await w.text(`/g/${g}/ideas`);
    expect(html).toContain('Sliding window attention for long contexts');
    expect(html).toContain('Quantise everything to one bit');
    expect(html).toContain('Accuracy collapses below 2 bits.');
    expect(html).toMatch(/2 up<\/span> · <span class="down">0 down/);
    expect(html).toMatch(/0 up<\/span> · <span class="down">1 down/);
  });

  it('filters by status and family and sorts as /idea list does', async () => {
    const onlyRejected = await w.text(`/g/${g}/ideas?status=rejected`);
    expect(onlyRejected).toContain('Quantise everything');
    expect(onlyRejected).not.toContain('Sliding window');
    const llama = await w.text(`/g/${g}/ideas?family=llama`);
    expect(llama).toContain('Quantise everything');
    expect(llama).not.toContain('Mixture of experts');

    const order = (html: string) =>
      [...html.matchAll(/href="\/g\/\d+\/ideas\/(\d+)"/g)].map((m) => Number(m[1]));
    for (const sort of ['top', 'new', 'trending'] as const) {
      const expected = (await w.t.hub.ideas.lifecycle.list(g, { sort }, 20, 0)).map((i) => i.number);
      expect(order(await w.text(`/g/${g}/ideas?sort=${sort}`)), sort).toEqual(expected);
    }
  });

  it('searches with the same index and ranking as /idea search', async () => {
    const html = await w.text(`/g/${g}/ideas?q=${encodeURIComponent('attention windows')}`);
    const expected = (await w.t.hub.ideas.lifecycle.search(g, 'attention windows', 20)).map((i) => i.number);
    expect(expected).toContain(top);
    const shown = [...html.matchAll(/href="\/g\/\d+\/ideas\/(\d+)"/g)].map((m) => Number(m[1]));
    expect(shown).toEqual(expected);
    expect(html).toContain('value="attention windows"');
  });

  it('shows one idea with its votes apart, its history with reasons and curators by name, never ids', async () => {
    const html = await w.text(`/g/${g}/ideas/${rejected}`);
    expect(html).toContain('Quantise everything to one bit');
    expect(html).toMatch(/0 up.*1 down/s);
    expect(html).toContain('Accuracy collapses below 2 bits.');
    expect(html).toContain('Cora Curator');
    expect(html).toContain('Mo Member');
    expect(html).not.toContain(w.t.curatorId);
    expect(html).not.toContain(w.t.memberId);
  });

  it('pages through many ideas with links that keep the filters', async () => {
    for (let i = 0; i < 22; i++) await w.idea({ title: `Paged idea number ${i}`, family: 'paging' });
    const first = await w.text(`/g/${g}/ideas?family=paging&sort=new`);
    expect(first).toContain(`href="/g/${g}/ideas?family=paging&amp;sort=new&amp;page=2"`);
    const second = await w.text(`/g/${g}/ideas?family=paging&sort=new&page=2`);
    expect(second).toContain('Paged idea number 1<');
    expect(second).toContain('Paged idea number 0<');
    expect(second).not.toContain('Paged idea number 5<');
    expect(second).toContain('rel="prev"');
    const beyond = await w.get(`/g/${g}/ideas?family=paging&page=40`);
    expect(beyond.status).toBe(200);
    expect(await beyond.text()).toContain('No more ideas on this page.');
  });
});

describe('bad input', () => {
  it.each([
    ['status=bogus', /no status “bogus”/],
    ['sort=loudest', /top, new or trending/],
    ['page=0', /from 1 to 500/],
    ['page=abc', /from 1 to 500/],
    ['page=501', /from 1 to 500/],
    ['page=1e3', /from 1 to 500/],
    [`q=${'x'.repeat(201)}`, /at most 200 characters/],
    ['q=the', /at least one word/],
    ['family=%3Cscript%3E', /family is a name/],
  ])('answers 400 in HTML for %s', async (query, message) => {
    const res = await w.get(`/g/${g}/ideas?${query}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).toMatch(message);
    expect(html).not.toContain('<script>');
  });

  it('checks idea numbers and weeks in paths', async () => {
    expect((await w.get(`/g/${g}/ideas/abc`)).status).toBe(400);
    expect((await w.get(`/g/${g}/ideas/0`)).status).toBe(400);
    expect((await w.get(`/g/${g}/ideas/01`)).status).toBe(400);
    expect((await w.get(`/g/${g}/ideas/99999999999999999999`)).status).toBe(400);
    const missing = await w.get(`/g/${g}/ideas/99999`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('There is no idea #99999');
    expect((await w.get(`/g/${g}/digests/2026-W99`)).status).toBe(400);
    expect((await w.get(`/g/${g}/digests/last-week`)).status).toBe(400);
    expect((await w.get(`/g/${g}/digests/2026-W01`)).status).toBe(404);
  });
});

describe('serving', () => {
  it('sends a strict CSP and the other security headers, and the stylesheet it allows', async () => {
    const res = await w.get(`/g/${g}`);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toMatch(/script-src/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
    const html = await res.text();
    expect(html).not.toMatch(/<script|<style|style=/i);
    const href = /<link rel="stylesheet" href="([^"]+)"/.exec(html)![1]!;
    const css = await w.get(href);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toContain('text/css');
    expect(css.headers.get('cache-control')).toContain('immutable');
    expect(await css.text()).toContain('prefers-color-scheme: dark');
  });

  it('answers 304 to If-None-Match and If-Modified-Since while the page is unchanged, 200 once it changed', async () => {
    const path = `/g/${g}/ideas?sort=new`;
    const first = await w.get(path);
    const etag = first.headers.get('etag')!;
    const lastModified = first.headers.get('last-modified')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(Date.parse(lastModified)).not.toBeNaN();
    const again = await w.get(path, { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect((await w.get(path, { 'if-modified-since': lastModified })).status).toBe(304);
    expect((await w.get(path, { 'if-none-match': '"other"' })).status).toBe(200);

    w.t.clock.advance(5_000);
    const newest = (await w.t.hub.ideas.lifecycle.list(g, { sort: 'new' }, 1, 0))[0]!;
    await w.t.hub.ideas.lifecycle.vote(g, newest.number, w.t.curatorId, 1);
    const changed = await w.get(path, { 'if-none-match': etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect((await w.get(path, { 'if-modified-since': lastModified })).status).toBe(200);
  });

  it('answers HEAD like GET without a body, and refuses writes with 405 (404 while the board is hidden)', async () => {
    const head = await fetch(`${w.origin}/g/${g}/ideas`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('etag')).toMatch(/^"/);
    expect(await head.text()).toBe('');
    const post = await fetch(`${w.origin}/g/${g}/ideas`, { method: 'POST', body: 'x=1' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(post.headers.get('content-security-policy')).toContain("default-src 'none'");
    const hidden = await fetch(`${w.origin}/g/123456789012345678/ideas`, { method: 'POST' });
    expect(hidden.status).toBe(404);
  });

  // SQLite's own change counters; on PostgreSQL the version is the server's WAL position, which any
  // write of any database on the server moves (test/multi-process.test.ts runs two processes there).
  const sqliteOnly = process.env.TEST_DATABASE === 'postgres' ? it.skip : it;

  sqliteOnly('serves a fresh page after a write from another process on the same database file', async () => {
    const path = `/g/${g}/ideas?sort=new`;
    const before = await w.text(path);
    expect(await w.text(path)).toBe(before);
    const newest = (await w.t.hub.ideas.lifecycle.list(g, { sort: 'new' }, 1, 0))[0]!;
    expect(before).toContain(`/ideas/${newest.number}"`);
    const other = new Database(w.t.dbPath);
    try {
      other
        .prepare("UPDATE ideas SET title = 'Renamed by another process' WHERE guild_id = ? AND number = ?")
        .run(g, newest.number);
    } finally {
      other.close();
    }
    expect(await w.text(path)).toContain('Renamed by another process');
  });

  sqliteOnly('counts no search as a change, so searches leave cached pages cached', async () => {
    const { trackChanges } = await import('../src/web/setup.ts');
    const { dataVersion } = trackChanges(w.t.hub.database);
    const before = await dataVersion();
    // Stemming runs in a private in-memory database (src/ideas/search-sqlite.ts): nothing is written.
    await w.t.hub.ideas.lifecycle.search(g, 'sliding attention mixture', 20);
    await w.t.hub.ideas.lifecycle.search(g, 'grouped query kernels', 20);
    expect(await dataVersion()).toBe(before);
    const newest = (await w.t.hub.ideas.lifecycle.list(g, { sort: 'new' }, 1, 0))[0]!;
    await w.t.hub.ideas.lifecycle.vote(g, newest.number, w.t.memberId, -1);
    expect(await dataVersion()).not.toBe(before);
  });

  it('limits searches per visitor with a 429 page and Retry-After, and lists not at all', async () => {
    const search = () => w.get(`/g/${g}/ideas?q=attention`);
    w.t.clock.advance(60_000); // a full bucket
    for (let i = 0; i < 3; i++) expect((await search()).status).toBe(200);
    const limited = await search();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(await limited.text()).toContain('Too many searches');
    expect((await w.get(`/g/${g}/ideas`)).status).toBe(200);
    w.t.clock.advance(1_000);
    expect((await search()).status).toBe(200);
    expect((await search()).status).toBe(429);
  });
});
