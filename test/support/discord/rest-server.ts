// The HTTP side: Discord's /api/v10 routes behind token checks, rate-limit headers, recorded
// calls, and the faults and holds a test arranges.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseBody, type UploadedFile } from './body.ts';
import type { Core } from './core.ts';
import { ApiError, notFound, unauthorized } from './errors.ts';
import { optionAttachment } from './interaction-payloads.ts';
import type { Fault, RestCall } from './types.ts';

export interface RouteContext {
  params: Record<string, string>;
  query: Record<string, string>;
  // biome-ignore lint/suspicious/noExplicitAny: raw API JSON from the bot
  body: any;
  files: UploadedFile[];
  call: RestCall;
}

export interface RouteResult {
  status?: number;
  /** Undefined answers 204 No Content. */
  body?: unknown;
}

export interface Route {
  method: string;
  /** Discord's route with `:params`, e.g. `/channels/:channelId/messages`. */
  pattern: string;
  /** Interaction callbacks and token-bearing webhook routes are sent without the bot token. */
  auth?: boolean;
  handle(ctx: RouteContext): RouteResult | Promise<RouteResult>;
}

interface CompiledRoute extends Route {
  regex: RegExp;
  names: string[];
}

interface PendingFault {
  method: string;
  path: RegExp;
  fault: Fault;
  remaining: number;
}

interface Hold {
  method: string;
  path: RegExp;
  arrive(call: RestCall): void;
  released: Promise<void>;
}

const API_PREFIX = '/api/v10';

function compile(route: Route): CompiledRoute {
  const names: string[] = [];
  const source = route.pattern.replace(/:(\w+)/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { ...route, regex: new RegExp(`^${source}$`), names };
}

export class RestServer {
  readonly calls: RestCall[] = [];
  private readonly routes: CompiledRoute[];
  private readonly faults: PendingFault[] = [];
  private readonly holds: Hold[] = [];
  private readonly releases = new Set<() => void>();
  /** Bot-authenticated requests in the current global window. */
  private globalWindow = { startedAt: 0, count: 0 };

  constructor(
    private readonly core: Core,
    routes: Route[],
  ) {
    this.routes = routes.map(compile);
  }

  failNext(method: string, path: RegExp, fault: Fault, times = 1): void {
    this.faults.push({ method: method.toUpperCase(), path, fault, remaining: times });
  }

  hold(method: string, path: RegExp): { arrived: Promise<RestCall>; release(): void } {
    let arrive!: (call: RestCall) => void;
    let release!: () => void;
    const arrived = new Promise<RestCall>((resolve) => {
      arrive = resolve;
    });
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.releases.add(release);
    this.holds.push({ method: method.toUpperCase(), path, arrive, released });
    return { arrived, release };
  }

  /** Lets held requests go so stop() does not leave the bot's requests hanging. */
  releaseAll(): void {
    for (const release of this.releases) release();
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    if (method === 'GET' && url.pathname.startsWith('/attachments/'))
      return this.serveAttachment(url.pathname, res);
    const path = url.pathname.startsWith(API_PREFIX) ? url.pathname.slice(API_PREFIX.length) : url.pathname;
    const call: RestCall = {
      method,
      path,
      query: Object.fromEntries(url.searchParams),
      body: undefined,
      status: 0,
      at: performance.now(),
    };
    let status = 500;
    let route: CompiledRoute | undefined;
    try {
      const parsed = await parseBody(req);
      call.body = parsed.json;
      if (parsed.files.length > 0)
        call.files = parsed.files.map((f) => ({ name: f.name, size: f.data.length }));
      await this.waitIfHeld(call);
      const fault = this.takeFault(method, path);
      if (fault) {
        status = this.sendFault(res, fault);
        return;
      }
      const match = url.pathname.startsWith(API_PREFIX) ? this.match(method, path) : undefined;
      if (!match) throw notFound();
      route = match.route;
      if (route.auth !== false && req.headers.authorization !== `Bot ${this.core.options.token}`)
        throw unauthorized();
      if (route.auth !== false && this.overGlobalLimit()) {
        status = this.sendGlobalLimit(res);
        return;
      }
      const result = await route.handle({
        params: match.params,
        query: call.query,
        body: parsed.json,
        files: parsed.files,
        call,
      });
      status = result.status ?? (result.body === undefined ? 204 : 200);
      this.send(res, status, result.body, route, match.params);
    } catch (error) {
      if (error instanceof ApiError) {
        status = error.status;
        this.send(res, status, error.toJSON(), route);
      } else {
        status = 500;
        console.error('Discord emulator: route failed', method, path, error);
        this.send(res, 500, { message: '500: Internal Server Error', code: 0 }, route);
      }
    } finally {
      call.status = status;
      this.calls.push(call);
      this.core.waiters.notify();
    }
  }

  private match(
    method: string,
    path: string,
  ): { route: CompiledRoute; params: Record<string, string> } | undefined {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const m = route.regex.exec(path);
      if (!m) continue;
      const params = Object.fromEntries(route.names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)]));
      return { route, params };
    }
    return undefined;
  }

  private async waitIfHeld(call: RestCall): Promise<void> {
    const index = this.holds.findIndex((h) => h.method === call.method && h.path.test(call.path));
    if (index < 0) return;
    const [hold] = this.holds.splice(index, 1);
    hold!.arrive(call);
    await hold!.released;
  }

  private takeFault(method: string, path: string): Fault | undefined {
    const pending = this.faults.find((f) => f.method === method && f.path.test(path));
    if (!pending) return undefined;
    pending.remaining -= 1;
    if (pending.remaining <= 0) this.faults.splice(this.faults.indexOf(pending), 1);
    return pending.fault;
  }

  /**
   * Discord's global limit counts the bot token's requests; the interaction endpoints (callbacks,
   * and the webhooks an interaction token authenticates) are not bound by it.
   */
  private overGlobalLimit(): boolean {
    const limit = this.core.options.globalRateLimit;
    if (!limit) return false;
    const now = Date.now();
    const perMs = limit.perMs ?? 1000;
    if (now - this.globalWindow.startedAt >= perMs) this.globalWindow = { startedAt: now, count: 0 };
    this.globalWindow.count++;
    return this.globalWindow.count > limit.requests;
  }

  private sendGlobalLimit(res: ServerResponse): number {
    const perMs = this.core.options.globalRateLimit?.perMs ?? 1000;
    const retryAfter = Math.max(0.001, (this.globalWindow.startedAt + perMs - Date.now()) / 1000);
    res.writeHead(429, {
      'content-type': 'application/json',
      'retry-after': retryAfter.toFixed(3),
      'x-ratelimit-global': 'true',
      'x-ratelimit-scope': 'global',
    });
    res.end(
      JSON.stringify({ message: 'You are being rate limited.', retry_after: retryAfter, global: true }),
    );
    return 429;
  }

  private sendFault(res: ServerResponse, fault: Fault): number {
    if (fault.status !== 429) {
      res.writeHead(fault.status, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify('body' in fault ? fault.body : { message: `${fault.status}: Server Error`, code: 0 }),
      );
      return fault.status;
    }
    const global = fault.global ?? false;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'retry-after': String(fault.retryAfter),
      'x-ratelimit-scope': global ? 'global' : 'user',
    };
    if (global) headers['x-ratelimit-global'] = 'true';
    else {
      headers['x-ratelimit-limit'] = '5';
      headers['x-ratelimit-remaining'] = '0';
      headers['x-ratelimit-reset-after'] = String(fault.retryAfter);
      headers['x-ratelimit-reset'] = String((Date.now() / 1000 + fault.retryAfter).toFixed(3));
    }
    res.writeHead(429, headers);
    res.end(
      JSON.stringify({ message: 'You are being rate limited.', retry_after: fault.retryAfter, global }),
    );
    return 429;
  }

  private send(
    res: ServerResponse,
    status: number,
    body: unknown,
    route?: CompiledRoute,
    params?: Record<string, string>,
  ): void {
    const headers: Record<string, string> = { ...this.rateLimitHeaders(route, params) };
    if (body !== undefined) headers['content-type'] = 'application/json';
    res.writeHead(status, headers);
    res.end(body === undefined ? undefined : JSON.stringify(body));
  }

  /** Plausible bucket headers that never make discord.js wait: a test asks for 429s explicitly. */
  private rateLimitHeaders(route?: CompiledRoute, params?: Record<string, string>): Record<string, string> {
    if (!route) return {};
    const major = params?.channelId ?? params?.guildId ?? params?.token ?? '';
    const bucket = createHash('sha1')
      .update(`${route.method} ${route.pattern} ${major}`)
      .digest('hex')
      .slice(0, 16);
    return {
      'x-ratelimit-bucket': bucket,
      'x-ratelimit-limit': '50',
      'x-ratelimit-remaining': '49',
      'x-ratelimit-reset': (Date.now() / 1000 + 1).toFixed(3),
      'x-ratelimit-reset-after': '1.000',
    };
  }

  private serveAttachment(pathname: string, res: ServerResponse): void {
    const [, , channelId, attachmentId] = pathname.split('/');
    const messages = this.core.world.channelHistory(channelId ?? '');
    const attachment =
      messages.flatMap((m) => m.attachments).find((a) => a.id === attachmentId) ??
      optionAttachment(this.core, attachmentId ?? '');
    if (!attachment) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': attachment.contentType ?? 'application/octet-stream' });
    res.end(attachment.data);
  }
}
