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
