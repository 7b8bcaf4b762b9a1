// The inference gateway driving the real @huggingface/inference client against the emulator.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, LogCollector } from '../src/log.ts';
import { InferenceError, InferenceGateway, type StreamEvent } from '../src/models/inference.ts';
import { InferenceEmulator } from './support/inference/emulator.ts';

let emulator: InferenceEmulator;
const logs = new LogCollector();
const log = createLogger({ level: 'debug', destination: logs });

beforeAll(async () => {
  emulator = await InferenceEmulator.start();
});
afterAll(() => emulator.stop());

function gateway(overrides: Partial<ConstructorParameters<typeof InferenceGateway>[0]> = {}) {
  return new InferenceGateway({
    hfToken: 'hf_test_token',
    endpointUrl: emulator.endpointUrl,
    routerUrl: 'https://router.huggingface.co',
    hubUrl: 'https://huggingface.co',
    timeoutMs: 5000,
    firstTokenTimeoutMs: 5000,
    loadingRetries: 2,
    backoffMaxMs: 20,
    log,
    ...overrides,
  });
}

async function collect(stream: AsyncIterable<StreamEvent>) {
  const events: StreamEvent[] = [];
  let error: unknown;
  try {
    for await (const event of stream) events.push(event);
  } catch (e) {
    error = e;
  }
  const text = events.map((e) => (e.type === 'content' ? e.text : '')).join('');
  return { events, text, error: error as InferenceError | undefined };
}

const user = (content: string) => [{ role: 'user' as const, content }];

describe('inference gateway', () => {
  it('streams from a self-hosted endpoint ending in /v1 and reports how it finished', async () => {
    emulator.script('m/endpoint', 'Granite says hello.');
    const { text, events, error } = await collect(
      gateway().stream({ model: 'm/endpoint', provider: 'auto', messages: user('hi'), maxTokens: 50 }),
    );
    expect(error).toBeUndefined();
    expect(text).toBe('Granite says hello.');
    expect(events.at(-1)).toMatchObject({ type: 'end', finishReason: 'stop' });
    const request = emulator.requestsFor('m/endpoint')[0]!;
    expect(request.path).toBe('/v1/chat/completions');
    expect(request.body.max_tokens).toBe(50);
    expect(request.body.provider).toBeUndefined();
  });

  it('goes through the router with the chosen provider when no endpoint is set', async () => {
    emulator.serveWith('m/routed', ['together']).script('m/routed', 'Routed answer.');
    const routed = gateway({ endpointUrl: undefined, routerUrl: emulator.url, hubUrl: emulator.url });
    const { text } = await collect(
      routed.stream({ model: 'm/routed', provider: 'together', messages: user('hi') }),
    );
    expect(text).toBe('Routed answer.');
    const request = emulator.requestsFor('m/routed')[0]!;
    expect(request.path).toBe('/together/v1/chat/completions');
    expect(request.authorization).toBe('Bearer hf_test_token');
  });

  it('backs off a bounded number of times on 503 and then says the model is loading', async () => {
    emulator.fail('m/loading', { kind: 'loading', estimatedTimeS: 42 }, 5);
    const { error } = await collect(
      gateway().stream({ model: 'm/loading', provider: 'auto', messages: user('hi') }),
    );
    expect(error).toBeInstanceOf(InferenceError);
    expect(error!.failure).toBe('loading');
    expect(error!.details.estimatedTimeS).toBe(42);
    // One try and two retries, not the library's endless immediate loop.
    expect(emulator.requestsFor('m/loading')).toHaveLength(3);
  });

  it('does not count the back-off for a loading model against the first-token timeout', async () => {
    // Two waits of 120 ms each outlast a 100 ms first-token timeout, yet no token was late:
    // the model was loading, and the timer measures how long a running model takes to start.
    emulator
      .fail('m/slow-load', { kind: 'loading', estimatedTimeS: 0.12 }, 2)
      .script('m/slow-load', 'Loaded.');
    const { text, error } = await collect(
      gateway({ firstTokenTimeoutMs: 100, backoffMaxMs: 120 }).stream({
        model: 'm/slow-load',
        provider: 'auto',
        messages: user('hi'),
      }),
    );
    expect(error).toBeUndefined();
    expect(text).toBe('Loaded.');
  });

  it('reports a model still loading after every retry as loading, not as a first token that never came', async () => {
    emulator.fail('m/never-loads', { kind: 'loading', estimatedTimeS: 0.12 }, 5);
    const { error } = await collect(
      gateway({ firstTokenTimeoutMs: 100, backoffMaxMs: 120 }).stream({
        model: 'm/never-loads',
        provider: 'auto',
        messages: user('hi'),
      }),
    );
    expect(error?.failure).toBe('loading');
  });

  it('logs sizes and ids of a failed request, never the prompt', async () => {
    emulator.fail('m/logged', { kind: 'server-error' });
    const before = logs.lines.length;
    const { error } = await collect(
      gateway().stream({
        model: 'm/logged',
        provider: 'auto',
        messages: [
          { role: 'system', content: 'SYSTEM-SECRET-TEXT' },
          { role: 'user', content: 'PROMPT-SECRET-TEXT' },
        ],
      }),
    );
    expect(error?.failure).toBe('provider_error');
    const lines = logs.lines.slice(before);
    const warning = lines.find((l) => /Inference request failed/.test(String(l.msg)))!;
    expect(warning).toMatchObject({ model: 'm/logged', status: 500, messages: 2, promptChars: 36 });
    expect(JSON.stringify(lines)).not.toMatch(/SECRET-TEXT/);
  });

  it('recovers when the model finishes loading within the retries', async () => {
    emulator.fail('m/warming', { kind: 'loading', estimatedTimeS: 1 }).script('m/warming', 'Warm now.');
    const { text, error } = await collect(
      gateway().stream({ model: 'm/warming', provider: 'auto', messages: user('hi') }),
    );
    expect(error).toBeUndefined();
    expect(text).toBe('Warm now.');
  });

  it.each([
    [{ kind: 'rate-limited' } as const, 'busy'],
    [{ kind: 'unknown-model' } as const, 'unknown_model'],
    [{ kind: 'server-error' } as const, 'provider_error'],
  ])('sorts %o into %s', async (fault, failure) => {
    const model = `m/fault-${failure}`;
    emulator.fail(model, fault);
    const { error } = await collect(gateway().stream({ model, provider: 'auto', messages: user('hi') }));
    expect(error?.failure).toBe(failure);
    expect(emulator.requestsFor(model)).toHaveLength(1);
  });

  it('treats a stream that ends without finish_reason as cut, keeping what arrived', async () => {
    emulator.fail('m/cut', { kind: 'cut', afterTokens: 2 }).script('m/cut', 'one two three four');
    const { text, error } = await collect(
      gateway().stream({ model: 'm/cut', provider: 'auto', messages: user('hi') }),
    );
    expect(text).toBe('one two');
    expect(error?.failure).toBe('cut');
  });

  it('treats a dropped connection mid-answer as cut too', async () => {
    // A token delay lets the first token reach the client before the socket is torn down.
    emulator
      .setTokenDelay(10, 'm/drop')
      .fail('m/drop', { kind: 'drop', afterTokens: 1 })
      .script('m/drop', 'one two three');
    const { text, error } = await collect(
      gateway().stream({ model: 'm/drop', provider: 'auto', messages: user('hi') }),
    );
    expect(text).toBe('one');
    expect(error?.failure).toBe('cut');
  });

  it('times out a first token that never comes and cancels the request upstream', async () => {
    const held = emulator.holdFirstToken('m/slow');
    const { error } = await collect(
      gateway({ firstTokenTimeoutMs: 100 }).stream({
        model: 'm/slow',
        provider: 'auto',
        messages: user('hi'),
      }),
    );
    expect(error?.failure).toBe('timeout');
    await emulator.waitForAbort('m/slow');
    held.release();
  });

  it('stops when the caller aborts and cancels the request upstream', async () => {
    emulator.setTokenDelay(20, 'm/long').script('m/long', 'word '.repeat(200));
    const controller = new AbortController();
    const events: StreamEvent[] = [];
    let error: InferenceError | undefined;
    try {
      for await (const event of gateway().stream({
        model: 'm/long',
        provider: 'auto',
        messages: user('hi'),
        signal: controller.signal,
      })) {
        events.push(event);
        if (events.length === 3) controller.abort();
      }
    } catch (e) {
      error = e as InferenceError;
    }
    expect(error?.failure).toBe('aborted');
    const aborted = await emulator.waitForAbort('m/long');
    expect(aborted.tokensSent).toBeLessThan(200);
  });

  it('uses only the configured providers PROVIDER_ORDER names, in its order', () => {
    expect(gateway().order).toEqual(['self-hosted', 'huggingface']);
    expect(gateway({ providerOrder: ['huggingface', 'self-hosted'] }).order).toEqual([
      'huggingface',
      'self-hosted',
    ]);
    // HF_TOKEN may be there for the Hub alone.
    expect(gateway({ providerOrder: ['self-hosted'] }).order).toEqual(['self-hosted']);
    expect(gateway({ providerOrder: ['watsonx', 'self-hosted'] }).order).toEqual(['self-hosted']);
  });

  it('says plainly when no provider is configured', async () => {
    const { error } = await collect(
      gateway({ endpointUrl: undefined, hfToken: undefined }).stream({
        model: 'm/x',
        provider: 'auto',
        messages: user('hi'),
      }),
    );
    expect(error?.failure).toBe('not_configured');
    expect(error?.message).toMatch(/HF_TOKEN/);
  });
});
