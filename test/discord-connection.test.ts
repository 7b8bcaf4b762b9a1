import { describe, expect, it } from 'vitest';
import { backoffMs, transientReason } from '../src/discord/connection.ts';

describe('start-up back-off', () => {
  it('starts at 1 s, doubles, and never waits more than 5 minutes (±20% jitter)', () => {
    const mid = (attempt: number) => backoffMs(attempt, () => 0.5);
    expect([0, 1, 2, 3, 4].map(mid)).toEqual([1000, 2000, 4000, 8000, 16000]);
    expect(mid(9)).toBe(300_000);
    expect(mid(50)).toBe(300_000);
    expect(backoffMs(50, () => 0)).toBe(240_000);
    expect(backoffMs(50, () => 0.999999)).toBeLessThanOrEqual(360_000);
    expect(backoffMs(0, () => 0)).toBe(800);
  });
});

describe('what will pass', () => {
  it('names network failures in words, through undici-style causes', () => {
    const dns = Object.assign(new Error('getaddrinfo ENOTFOUND discord.com'), {
      code: 'ENOTFOUND',
      hostname: 'discord.com',
    });
    expect(transientReason(new TypeError('fetch failed', { cause: dns }))).toBe(
      'DNS lookup failed for discord.com',
    );
    expect(transientReason(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(
      'connection refused',
    );
    expect(transientReason(Object.assign(new Error('aborted'), { name: 'AbortError' }))).toBe('timed out');
  });

  it('leaves bugs and refusals alone', () => {
    expect(transientReason(new TypeError('undefined is not a function'))).toBeUndefined();
    expect(transientReason(Object.assign(new Error('401: Unauthorized'), { status: 401 }))).toBeUndefined();
  });
});
