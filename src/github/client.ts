// The one place that builds the GitHub client: rate-limit policy, retries, timeouts and
// the rate-limit headers every answer carries.

import type { Octokit as CoreOctokit } from '@octokit/core';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import type { Logger } from '../log.ts';

/** What GitHub last said about the budget (from the `x-ratelimit-*` headers of any answer, 304s included). */
export interface RateLimitSnapshot {
  limit: number;
  remaining: number;
  used: number;
  /** When the window resets (GitHub sends epoch seconds). */
  resetAt: Date;
  resource: string;
}

export interface GitHubOptions {
  token?: string | undefined;
  /** REST base, e.g. https://api.github.com, a GitHub Enterprise base, or the emulator's. */
  baseUrl: string;
  log: Logger;
  userAgent?: string;
  /** Per-request timeout in ms (default 15 s). */
  timeoutMs?: number;
  /** Unit of the retry plugin's backoff (1,4,9… units) and of Retry-After; tests shrink it. Default 1000. */
  retryUnitMs?: number;
  /** Secondary-limit waits up to this many seconds are retried in place; longer ones fail so the caller reschedules. Default 10. */
  maxInlineRetryAfterSeconds?: number;
  /** The throttling plugin's Bottleneck key: instances with the same id share one queue. */
  throttleId?: string;
}

// The plugins' state (Bottleneck groups) is process-wide; this plugin adds what we need to
// see the budget without asking GitHub for it (GET /rate_limit is free but still a request).
function rateLimitWatch(octokit: CoreOctokit) {
  let last: RateLimitSnapshot | null = null;
  const read = (headers: Record<string, string | number | undefined> | undefined) => {
    const remaining = headers?.['x-ratelimit-remaining'];
    if (remaining === undefined) return;
    const resource = String(headers?.['x-ratelimit-resource'] ?? 'core');
    if (resource !== 'core') return;
    last = {
      limit: Number(headers?.['x-ratelimit-limit'] ?? 0),
      remaining: Number(remaining),
      used: Number(headers?.['x-ratelimit-used'] ?? 0),
      resetAt: new Date(Number(headers?.['x-ratelimit-reset'] ?? 0) * 1000),
      resource,
    };
  };
  octokit.hook.after('request', (response) => read(response.headers as Record<string, string>));
  octokit.hook.error('request', (error) => {
    read((error as { response?: { headers?: Record<string, string> } }).response?.headers);
    throw error;
  });
  return { rateLimit: { current: (): RateLimitSnapshot | null => last } };
}

const REQUEST_LOG_LINE = /^[A-Z]+ \S+ - \d{3} with id /;

const GitHubClient = Octokit.plugin(throttling, retry, rateLimitWatch);
export type GitHub = InstanceType<typeof GitHubClient>;

/** A small structural view of the client, for code that only reads repositories. */
export type GitHubLike = Pick<GitHub, 'request' | 'rateLimit'>;

export function createGitHub(options: GitHubOptions): GitHub {
  const { log } = options;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const unit = options.retryUnitMs ?? 1000;
  const maxInline = options.maxInlineRetryAfterSeconds ?? 10;
  const timedFetch: typeof fetch = (input, init) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    return fetch(input, { ...init, signal });
  };
  return new GitHubClient({
    ...(options.token ? { auth: options.token } : {}),
    baseUrl: options.baseUrl,
    userAgent: options.userAgent ?? 'open-model-hub',
    request: { fetch: timedFetch },
    log: {
      debug: () => undefined,
      info: () => undefined,
      warn: (message: string) => log.warn({ source: 'octokit' }, message),
      // The request-log plugin reports every failed request, 304s included; the callers log
      // failures that matter with a sentence of their own.
      error: (message: string) =>
        REQUEST_LOG_LINE.test(message)
          ? log.debug({ source: 'octokit' }, message)
          : log.error({ source: 'octokit' }, message),
    },
    retry: {
      retryAfterBaseValue: unit,
      // 429 and 403 belong to the throttling plugin's handlers below, not to blind retries.
      doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451],
    },
    throttle: {
      id: options.throttleId ?? 'open-model-hub',
      retryAfterBaseValue: unit,
      // The default would sleep until the hourly reset and hold the whole queue; instead the
      // request fails and the poller skips sources until the reset it read from the headers.
      onRateLimit: (retryAfter: number, request: { method: string; url: string }) => {
        log.warn(
          { method: request.method, url: request.url, retryAfterSeconds: retryAfter },
          `GitHub rate limit exhausted; polling pauses for ${retryAfter}s until the hourly reset (set GITHUB_TOKEN for 5,000 requests an hour)`,
        );
        return false;
      },
      onSecondaryRateLimit: (
        retryAfter: number,
        request: { method: string; url: string },
        _octokit: unknown,
        retryCount: number,
      ) => {
        const retryNow = retryCount < 1 && retryAfter <= maxInline;
        log.warn(
          { method: request.method, url: request.url, retryAfterSeconds: retryAfter, retryCount },
          retryNow
            ? `GitHub secondary rate limit hit; retrying once after ${retryAfter}s`
            : `GitHub secondary rate limit hit; this request is rescheduled after ${retryAfter}s`,
        );
        return retryNow;
      },
    },
  });
}

/** A 304 is thrown by octokit, not returned; this tells it apart from real failures. */
export function isNotModified(error: unknown): boolean {
  return (error as { status?: number })?.status === 304;
}

/** The status of an octokit RequestError, or undefined for network failures. */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown })?.status;
  return typeof status === 'number' ? status : undefined;
}

/** Response headers of a failed request (rate-limit answers carry retry-after and x-ratelimit-reset). */
export function headersOf(error: unknown): Record<string, string> {
  return ((error as { response?: { headers?: Record<string, string> } })?.response?.headers ?? {}) as Record<
    string,
    string
  >;
}
