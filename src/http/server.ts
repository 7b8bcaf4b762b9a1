// Health, metrics and (when features add them) webhook endpoints for the operator's infrastructure.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';

export type RouteHandler = (
  request: IncomingMessage,
  body: Buffer,
) => Promise<{ status: number; body?: string; headers?: Record<string, string> }>;

/** A health check returns null when fine, or a short reason. */
export type HealthCheck = () => string | null;

const MAX_BODY_BYTES = 5 * 1024 * 1024;

export class HttpServer {
  private readonly server: Server;
  private readonly routes = new Map<string, RouteHandler>();
  private readonly checks: Array<[string, HealthCheck]> = [];

  constructor(private readonly deps: { metrics: Metrics; log: Logger }) {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  addHealthCheck(name: string, check: HealthCheck): void {
    this.checks.push([name, check]);
  }

  route(method: string, path: string, handler: RouteHandler): void {
    this.routes.set(`${method.toUpperCase()} ${path}`, handler);
  }

  async listen(port: number, host = '0.0.0.0'): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    if (!this.server.listening) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    try {
      if (req.method === 'GET' && path === '/healthz') return this.health(res);
      if (req.method === 'GET' && path === '/metrics') {
        res.writeHead(200, { 'content-type': this.deps.metrics.registry.contentType });
        res.end(await this.deps.metrics.registry.metrics());
        return;
      }
      const handler = this.routes.get(`${req.method} ${path}`);
      if (!handler) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found\n');
        return;
      }
      const body = await readBody(req);
      const answer = await handler(req, body);
      res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
      res.end(answer.body ?? '');
    } catch (error) {
      this.deps.log.error({ err: error, path }, 'HTTP request failed');
      if (!res.headersSent) res.writeHead((error as { status?: number }).status ?? 500);
      res.end();
    }
  }

  private health(res: ServerResponse): void {
    const problems: string[] = [];
    for (const [name, check] of this.checks) {
      const problem = check();
      if (problem) problems.push(`${name}: ${problem}`);
    }
    const ok = problems.length === 0;
    res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: ok ? 'ok' : 'unavailable', problems }));
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(Object.assign(new Error('request body too large'), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
