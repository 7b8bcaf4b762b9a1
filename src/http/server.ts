// Liveness, readiness, metrics and (when features add them) webhook endpoints for the operator's
// infrastructure, and the mount point of sub-applications such as the web board.
//
// Hono rather than a hand-written router: the web board (issue 14) is a Hono app with many routes,
// and one router for everything means one place for body limits, errors and mounting.
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener, type HttpBindings } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';

export type RouteHandler = (
  request: IncomingMessage,
  body: Buffer,
) => Promise<{ status: number; body?: string; headers?: Record<string, string> }>;

/** A health check returns null when fine, or a short reason. */
export type HealthCheck = () => string | null | Promise<string | null>;

const MAX_BODY_BYTES = 5 * 1024 * 1024;

export interface HttpServerOptions {
  metrics: Metrics;
  log: Logger;
  /** When set, /metrics answers 401 unless the request carries `Authorization: Bearer <token>`. */
  metricsToken?: string | undefined;
}

export class HttpServer {
  private readonly app = new Hono<{ Bindings: HttpBindings }>();
  private readonly checks: Array<[string, HealthCheck]> = [];
  private server: Server | undefined;

  constructor(deps: HttpServerOptions) {
    const app = this.app;
    // The process answers, so it is alive: a supervisor must not restart it for a Discord outage.
    app.get('/livez', (c) => c.json({ status: 'ok' }));
    app.get('/readyz', (c) => this.readiness(c));
    app.get('/healthz', (c) => this.readiness(c));
    app.get('/metrics', async (c) => {
      if (deps.metricsToken && !bearerMatches(c.req.header('authorization'), deps.metricsToken)) {
        return c.text('unauthorized: send Authorization: Bearer <METRICS_TOKEN>\n', 401, {
          'www-authenticate': 'Bearer',
        });
      }
      return c.body(await deps.metrics.registry.metrics(), 200, {
        'content-type': deps.metrics.registry.contentType,
      });
    });
    app.notFound((c) => c.text('not found\n', 404));
    app.onError((error, c) => {
      deps.log.error({ err: error, path: c.req.path }, 'HTTP request failed');
      return c.body(null, ((error as { status?: number }).status ?? 500) as 500);
    });
  }

  addHealthCheck(name: string, check: HealthCheck): void {
    this.checks.push([name, check]);
  }

  route(method: string, path: string, handler: RouteHandler): void {
    this.app.on(
      method.toUpperCase(),
      path,
      bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => c.text('request body too large\n', 413) }),
      async (c) => {
        const body = Buffer.from(await c.req.arrayBuffer());
        const answer = await handler(c.env.incoming, body);
        return c.body(answer.body ?? '', answer.status as 200, {
          'content-type': 'text/plain',
          ...answer.headers,
        });
      },
    );
  }

  /** Serves a sub-application under `prefix` (e.g. the web board under `/`), before the 404. */
  // biome-ignore lint/suspicious/noExplicitAny: any Hono app, whatever its bindings
  mount(prefix: string, app: Hono<any>): void {
    this.app.route(prefix, app);
  }

  async listen(port: number, host = '0.0.0.0'): Promise<number> {
    const listener = getRequestListener(this.app.fetch, { autoCleanupIncoming: true });
    const server = createServer((req, res) => void listener(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server?.listening) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The reasons the bot cannot serve now; empty when ready. */
  async problems(): Promise<string[]> {
    const problems: string[] = [];
    for (const [name, check] of this.checks) {
      const problem = await check();
      if (problem) problems.push(`${name}: ${problem}`);
    }
    return problems;
  }

  private async readiness(c: Context): Promise<Response> {
    const problems = await this.problems();
    const ok = problems.length === 0;
    return c.json({ status: ok ? 'ok' : 'unavailable', problems }, ok ? 200 : 503);
  }
}

/** Constant-time comparison, so response timing does not reveal how much of a guess was right. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!match) return false;
  const given = Buffer.from(match[1]!.trim());
  const wanted = Buffer.from(token);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}
