import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpServer } from '../src/http/server.ts';
import { createLogger, LogCollector } from '../src/log.ts';
import { Metrics } from '../src/metrics.ts';

let server: HttpServer | undefined;
afterEach(async () => {
  await server?.close();
});

describe('the HTTP server', () => {
  it('answers /healthz 503 with the reasons when a check fails, and routes added by features', async () => {
    let gatewayReady = false;
    server = new HttpServer({
      metrics: new Metrics(),
      log: createLogger({ destination: new LogCollector() }),
    });
    server.addHealthCheck('database', () => null);
    server.addHealthCheck('discord', () => (gatewayReady ? null : 'gateway not ready'));
    server.route('POST', '/echo', async (_req, body) => ({
      status: 202,
      body: body.toString().toUpperCase(),
    }));
    const port = await server.listen(0, '127.0.0.1');
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({ status: 'unavailable', problems: ['discord: gateway not ready'] });
    gatewayReady = true;
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    const echo = await fetch(`http://127.0.0.1:${port}/echo`, { method: 'POST', body: 'hi' });
    expect(echo.status).toBe(202);
    expect(await echo.text()).toBe('HI');
    expect((await fetch(`http://127.0.0.1:${port}/nope`)).status).toBe(404);
  });
});

describe('liveness, readiness and metrics', () => {
  async function serve(options: { metricsToken?: string } = {}) {
    server = new HttpServer({
      metrics: new Metrics(),
      log: createLogger({ destination: new LogCollector() }),
      ...options,
    });
    const port = await server.listen(0, '127.0.0.1');
    return { server, base: `http://127.0.0.1:${port}` };
  }

  it('answers /livez 200 while /readyz and its alias /healthz answer 503 with the reasons', async () => {
    let ready = false;
    const { server: s, base } = await serve();
    s.addHealthCheck('discord', () => (ready ? null : 'shard 0 reconnecting'));
    const live = await fetch(`${base}/livez`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok' });
    for (const path of ['/readyz', '/healthz']) {
      const answer = await fetch(`${base}${path}`);
      expect(answer.status).toBe(503);
      expect(await answer.json()).toEqual({
        status: 'unavailable',
        problems: ['discord: shard 0 reconnecting'],
      });
    }
    ready = true;
    const readyz = await fetch(`${base}/readyz`);
    expect(readyz.status).toBe(200);
    expect(await readyz.json()).toEqual({ status: 'ok', problems: [] });
  });

  it('answers /metrics 401 without the bearer token when METRICS_TOKEN is set, 200 with it', async () => {
    const token = 'a-metrics-token-of-some-length';
    const { base } = await serve({ metricsToken: token });
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    const wrong = await fetch(`${base}/metrics`, {
      headers: { authorization: 'Bearer a-metrics-token-of-some-lengtX' },
    });
    expect(wrong.status).toBe(401);
    const right = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(right.status).toBe(200);
    expect(right.headers.get('content-type')).toContain('text/plain');
  });

  it('serves /metrics to anyone without METRICS_TOKEN', async () => {
    const { base } = await serve();
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
  });

  it('mounts a Hono sub-application under a prefix, and refuses bodies over 5 MiB', async () => {
    const { server: s, base } = await serve();
    const board = new Hono();
    board.get('/', (c) => c.text('board home'));
    board.get('/ideas', (c) => c.text('board ideas'));
    s.mount('/board', board);
    s.route('POST', '/hook', async (_req, body) => ({ status: 200, body: String(body.length) }));
    expect(await (await fetch(`${base}/board/ideas`)).text()).toBe('board ideas');
    expect(await (await fetch(`${base}/board`)).text()).toBe('board home');
    const big = await fetch(`${base}/hook`, { method: 'POST', body: Buffer.alloc(5 * 1024 * 1024 + 1) });
    expect(big.status).toBe(413);
    expect((await fetch(`${base}/livez`)).status).toBe(200);
  });
});
