// /livez says the process is alive; /readyz (and its alias /healthz) says whether it can serve,
// from each shard's WebSocket status: discord.js's isReady() stays true while reconnecting.
import { once } from 'node:events';
import { Events } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from './support/harness.ts';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({
    env: { HTTP_HOST: '127.0.0.1', METRICS_TOKEN: 'metrics-token-for-readiness-test' },
  });
});
afterAll(async () => {
  await t?.stop();
});

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`http://127.0.0.1:${t.app.httpPort}${path}`, { headers });

describe('liveness and readiness of the running bot', () => {
  it('answers both 200 when ready, with the body the README shows', async () => {
    expect((await get('/livez')).status).toBe(200);
    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ok', problems: [] });
    expect(await (await get('/healthz')).json()).toEqual({ status: 'ok', problems: [] });
  });

  it('answers /livez 200 and /readyz 503 with the reason while the gateway is down, although isReady() stays true', async () => {
    const client = t.app.discord.client!;
    const reconnecting = once(client, Events.ShardReconnecting);
    t.discord.goOffline();
    await reconnecting;
    expect(client.isReady()).toBe(true);
    expect((await get('/livez')).status).toBe(200);
    const ready = await get('/readyz');
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { problems: string[] };
    expect(body.problems).toEqual([
      expect.stringMatching(/^discord: shard 0 (connecting|reconnecting|resuming|identifying)/),
    ]);
    expect((await get('/healthz')).status).toBe(503);

    const resumed = once(client, Events.ShardResume);
    t.discord.goOnline();
    await resumed;
    expect((await get('/readyz')).status).toBe(200);
    expect((await get('/livez')).status).toBe(200);
  });

  it('answers /metrics 401 without the METRICS_TOKEN bearer, 200 with it', async () => {
    expect((await get('/metrics')).status).toBe(401);
    expect((await get('/metrics', { authorization: 'Bearer metrics-token-for-readiness-test' })).status).toBe(
      200,
    );
  });
});

describe('a start while Discord answers 5xx', () => {
  it('retries in words after the REST client gave up, then becomes ready', async () => {
    const { DiscordEmulator } = await import('./support/discord/index.ts');
    const discord = await DiscordEmulator.start();
    // @discordjs/rest tries a 5xx four times itself; the fifth answer is a good one.
    discord.failNext('GET', /^\/gateway\/bot$/, { status: 503 }, 4);
    const started = await startTestHub({ discord });
    try {
      const retry = started.logs.messages().find((m) => m.startsWith('could not reach Discord'));
      expect(retry).toBe(`could not reach Discord at ${discord.apiUrl} (HTTP 503); retrying in 1 s`);
      expect(started.hub.gateway.ready()).toBe(true);
      expect(started.logs.text()).not.toContain('"stack"');
    } finally {
      await started.stop();
      await discord.stop();
    }
  });
});
