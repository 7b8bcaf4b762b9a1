// What keeps the board safe and cheap to serve: security headers, validators for 304 answers,
// and a per-client token bucket for search (the one request that costs more than an index read).
import { createHash } from 'node:crypto';
import type { Clock } from '../clock.ts';

/**
 * No script at all, styles only from our own stylesheet, images from us or over https (server
 * icons live on Discord's CDN), nothing may frame the board, forms only post back to it.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "style-src 'self'",
  "img-src 'self' https:",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'permissions-policy': 'interest-cohort=()',
};

export function strongEtag(body: string | Uint8Array): string {
  return `"${createHash('sha1').update(body).digest('base64url')}"`;
}

/**
 * Remembers when each URL's body last changed, so Last-Modified is the moment the content really
 * changed (not a guess from row timestamps, which vote counts do not move). Bounded: the least
 * recently asked URLs are forgotten, and a forgotten or restarted one counts as changed now.
 */
export class ChangeTimes {
  private readonly seen = new Map<string, { etag: string; since: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly max = 10_000,
  ) {}

  stamp(key: string, etag: string): Date {
    const now = Math.floor(this.clock.now().getTime() / 1000) * 1000;
    const known = this.seen.get(key);
    const since = known && known.etag === etag ? known.since : now;
    this.seen.delete(key);
    this.seen.set(key, { etag, since });
    if (this.seen.size > this.max) this.seen.delete(this.seen.keys().next().value!);
    return new Date(since);
  }
}

/** RFC 9110 §13.1: If-None-Match wins over If-Modified-Since; ETags compare weakly for GET. */
export function notModified(
  headers: { ifNoneMatch: string | undefined; ifModifiedSince: string | undefined },
  etag: string,
  lastModified: Date,
): boolean {
  if (headers.ifNoneMatch !== undefined) {
    const strip = (t: string) => t.trim().replace(/^W\//, '');
    return headers.ifNoneMatch.split(',').some((t) => t.trim() === '*' || strip(t) === strip(etag));
  }
  if (headers.ifModifiedSince !== undefined) {
    const since = Date.parse(headers.ifModifiedSince);
    return Number.isFinite(since) && lastModified.getTime() <= since;
  }
  return false;
}

export interface BucketOptions {
  /** Requests a client may make at once. */
  capacity: number;
  /** Tokens given back per second. */
  refillPerSecond: number;
  /** Clients remembered at most; the longest idle are forgotten first (they would be full anyway). */
  maxClients?: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly o: BucketOptions,
  ) {}

  /** Takes one token; when there is none, says how many whole seconds until there is. */
  take(key: string): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const now = this.clock.now().getTime();
    const bucket = this.buckets.get(key) ?? { tokens: this.o.capacity, at: now };
    const tokens = Math.min(
      this.o.capacity,
      bucket.tokens + ((now - bucket.at) / 1000) * this.o.refillPerSecond,
    );
    this.buckets.delete(key);
    if (tokens < 1) {
      this.buckets.set(key, { tokens, at: now });
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / this.o.refillPerSecond)) };
    }
    this.buckets.set(key, { tokens: tokens - 1, at: now });
    const max = this.o.maxClients ?? 10_000;
    if (this.buckets.size > max) this.buckets.delete(this.buckets.keys().next().value!);
    return { ok: true };
  }
}

const LOOPBACK_OR_PRIVATE = /^(127\.|10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|::1$|::ffff:127\.|fc|fd)/i;

/**
 * The client's address for rate limiting. Behind a reverse proxy on the same host or network the
 * socket is the proxy's, so its X-Forwarded-For (the last entry, the one it appended) is trusted
 * then, and only then: a client on the open internet cannot pick its own bucket.
 */
export function clientAddress(socketAddress: string | undefined, forwardedFor: string | undefined): string {
  const socket = socketAddress ?? 'unknown';
  if (forwardedFor && LOOPBACK_OR_PRIVATE.test(socket)) {
    const last = forwardedFor.split(',').at(-1)?.trim();
    if (last) return last;
  }
  return socket;
}

/**
 * Built pages by URL, valid while the database has not changed (`version`: any write, by this
 * process or another) and within the same minute (trending and "this month" move with time
 * alone). A board is read far more than it is written, so most views skip the queries and the
 * rendering; a vote anywhere makes the next view of every page fresh.
 */
export class PageCache {
  private readonly pages = new Map<string, { version: string; body: string; type: string }>();

  constructor(
    private readonly version: () => string,
    private readonly max = 1_000,
  ) {}

  /**
   * The stores are async, so a build may await its queries. The version is read before them: a
   * write landing meanwhile leaves the page filed under the older version, rebuilt on the next view.
   */
  async get(
    key: string,
    build: () => { body: string; type: string } | Promise<{ body: string; type: string }>,
  ): Promise<{ body: string; type: string }> {
    const version = this.version();
    const hit = this.pages.get(key);
    if (hit && hit.version === version) {
      this.pages.delete(key);
      this.pages.set(key, hit);
      return hit;
    }
    const built = await build();
    this.pages.delete(key);
    this.pages.set(key, { version, ...built });
    if (this.pages.size > this.max) this.pages.delete(this.pages.keys().next().value!);
    return built;
  }
}
