// The board's serving rules on their own: conditional requests, change times, the search token
// bucket, whose address counts behind a proxy, query validation and the WEB_BASE_URL setting.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.ts';
import { ConfigError, loadConfig } from '../src/config.ts';
import { ChangeTimes, clientAddress, notModified, PageCache, TokenBuckets } from '../src/web/http.ts';
import { BadRequest, parseIdeaListParams, parseIdeaNumber } from '../src/web/params.ts';

describe('conditional requests', () => {
  const at = new Date('2026-11-23T09:00:00Z');
  it('If-None-Match matches the ETag (weak or strong, in a list, or *), and wins over If-Modified-Since', () => {
    expect(notModified({ ifNoneMatch: '"a"', ifModifiedSince: undefined }, '"a"', at)).toBe(true);
    expect(notModified({ ifNoneMatch: 'W/"a"', ifModifiedSince: undefined }, '"a"', at)).toBe(true);
    expect(notModified({ ifNoneMatch: '"x", "a"', ifModifiedSince: undefined }, '"a"', at)).toBe(true);
    expect(notModified({ ifNoneMatch: '*', ifModifiedSince: undefined }, '"a"', at)).toBe(true);
    expect(notModified({ ifNoneMatch: '"b"', ifModifiedSince: at.toUTCString() }, '"a"', at)).toBe(false);
  });
  it('If-Modified-Since compares to the second, and ignores a date it cannot read', () => {
    expect(notModified({ ifNoneMatch: undefined, ifModifiedSince: at.toUTCString() }, '"a"', at)).toBe(true);
    const before = new Date(at.getTime() - 1000).toUTCString();
    expect(notModified({ ifNoneMatch: undefined, ifModifiedSince: before }, '"a"', at)).toBe(false);
    expect(notModified({ ifNoneMatch: undefined, ifModifiedSince: 'yesterday' }, '"a"', at)).toBe(false);
  });
  it('Last-Modified is when the body last changed, in whole seconds', () => {
    const clock = new ManualClock('2026-11-23T09:00:00.700Z');
    const times = new ChangeTimes(clock, 2);
    expect(times.stamp('/a', '"1"').toISOString()).toBe('2026-11-23T09:00:00.000Z');
    clock.advance(5_000);
    expect(times.stamp('/a', '"1"').toISOString()).toBe('2026-11-23T09:00:00.000Z');
    expect(times.stamp('/a', '"2"').toISOString()).toBe('2026-11-23T09:00:05.000Z');
    times.stamp('/b', '"1"');
    times.stamp('/c', '"1"'); // forgets /a, the least recently asked
    clock.advance(5_000);
    expect(times.stamp('/a', '"2"').toISOString()).toBe('2026-11-23T09:00:10.000Z');
  });
});

describe('the page cache', () => {
  it('rebuilds a page only when the version changed', async () => {
    let version = 1;
    let builds = 0;
    const cache = new PageCache(() => String(version));
    const build = () => ({ body: `v${version} #${++builds}`, type: 'text/html' });
    expect((await cache.get('/x', build)).body).toBe('v1 #1');
    expect((await cache.get('/x', build)).body).toBe('v1 #1');
    version = 2;
    expect((await cache.get('/x', build)).body).toBe('v2 #2');
    expect((await cache.get('/y', build)).body).toBe('v2 #3');
  });
});

describe('the search token bucket', () => {
  it('lets a burst through, then one per refill, each client on its own, with the wait in seconds', () => {
    const clock = new ManualClock();
    const buckets = new TokenBuckets(clock, { capacity: 2, refillPerSecond: 0.5 });
    expect(buckets.take('a')).toEqual({ ok: true });
    expect(buckets.take('a')).toEqual({ ok: true });
    expect(buckets.take('a')).toEqual({ ok: false, retryAfterSeconds: 2 });
    expect(buckets.take('b')).toEqual({ ok: true });
    clock.advance(1_000);
    expect(buckets.take('a')).toEqual({ ok: false, retryAfterSeconds: 1 });
    clock.advance(1_000);
    expect(buckets.take('a')).toEqual({ ok: true });
    clock.advance(60_000);
    expect(buckets.take('a')).toEqual({ ok: true });
    expect(buckets.take('a')).toEqual({ ok: true });
    expect(buckets.take('a').ok).toBe(false);
  });
  it('forgets the longest idle clients past its bound', () => {
    const buckets = new TokenBuckets(new ManualClock(), {
      capacity: 1,
      refillPerSecond: 0.001,
      maxClients: 2,
    });
    buckets.take('a');
    buckets.take('b');
    buckets.take('c');
    expect(buckets.take('a').ok).toBe(true);
    expect(buckets.take('c').ok).toBe(false);
  });
  it('trusts X-Forwarded-For only from a proxy on a loopback or private address', () => {
    expect(clientAddress('127.0.0.1', '203.0.113.9')).toBe('203.0.113.9');
    expect(clientAddress('::ffff:127.0.0.1', '198.51.100.1, 203.0.113.9')).toBe('203.0.113.9');
    expect(clientAddress('10.1.2.3', '203.0.113.9')).toBe('203.0.113.9');
    expect(clientAddress('203.0.113.50', '1.2.3.4')).toBe('203.0.113.50');
    expect(clientAddress('127.0.0.1', undefined)).toBe('127.0.0.1');
    expect(clientAddress(undefined, undefined)).toBe('unknown');
  });
});

describe('parameters', () => {
  it('reads the defaults and treats empty values as not given', () => {
    expect(parseIdeaListParams({})).toEqual({
      status: undefined,
      family: undefined,
      sort: 'top',
      q: undefined,
      page: 1,
    });
    expect(parseIdeaListParams({ status: '', q: '  ', sort: 'new', page: '3' })).toMatchObject({
      sort: 'new',
      page: 3,
    });
  });
  it('refuses what is not a parameter value', () => {
    for (const q of [
      { status: 'NEW' },
      { sort: 'hot' },
      { page: '-1' },
      { page: '2.5' },
      { family: 'a'.repeat(41) },
      { q: 'é'.repeat(201) },
    ])
      expect(() => parseIdeaListParams(q), JSON.stringify(q)).toThrow(BadRequest);
    expect(parseIdeaListParams({ q: '日本語'.repeat(66) }).q).toHaveLength(198);
  });
  it('accepts idea numbers as plain positive integers only', () => {
    expect(parseIdeaNumber('12')).toBe(12);
    for (const v of ['0', '012', '-1', '1.0', '1e3', ' 1', '1234567890'])
      expect(parseIdeaNumber(v), v).toBeNull();
  });
});

describe('WEB_BASE_URL', () => {
  const base = { DISCORD_TOKEN: 't', DISCORD_APPLICATION_ID: '123456789012345678' };
  it('is optional, an http(s) origin, without a trailing slash', () => {
    expect(loadConfig(base).webBaseUrl).toBeUndefined();
    expect(loadConfig({ ...base, WEB_BASE_URL: 'https://hub.example.org/' }).webBaseUrl).toBe(
      'https://hub.example.org',
    );
  });
  it('explains what is wrong with a path or another scheme', () => {
    expect(() => loadConfig({ ...base, WEB_BASE_URL: 'https://hub.example.org/board' })).toThrow(
      /WEB_BASE_URL must be an address without a path/,
    );
    expect(() => loadConfig({ ...base, WEB_BASE_URL: 'ftp://hub.example.org' })).toThrow(ConfigError);
  });
});
