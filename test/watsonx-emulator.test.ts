// The watsonx emulator answers the real @ibm-cloud/watsonx-ai SDK (with ibm-cloud-sdk-core's
// IamAuthenticator) the way IAM and watsonx.ai do: tokens, streams, faults and aborts.
import type { Readable } from 'node:stream';
import { WatsonXAI } from '@ibm-cloud/watsonx-ai';
import { IamAuthenticator } from '@ibm-cloud/watsonx-ai/authentication';
import { afterEach, expect, it, vi } from 'vitest';
import { ManualClock } from '../src/clock.ts';
import { WatsonxEmulator, type WatsonxEmulatorOptions } from './support/watsonx/index.ts';

const MODEL = 'ibm/granite-3-8b-instruct';
const started: WatsonxEmulator[] = [];

afterEach(async () => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  await Promise.all(started.splice(0).map((e) => e.stop()));
});

async function world(options: WatsonxEmulatorOptions = {}, apikey = 'test-apikey') {
  const emulator = await WatsonxEmulator.start(options);
  started.push(emulator);
  emulator.answerAlways(MODEL, 'Granite says hello to the hub.');
  const watsonx = new WatsonXAI({
    version: '2024-05-31',
    serviceUrl: emulator.serviceUrl,
    projectId: 'project-1',
    authenticator: new IamAuthenticator({ apikey, url: emulator.authUrl }),
  });
  return { emulator, watsonx };
}

interface Chunk {
  id: number;
  event: string;
  data: {
    choices: Array<{ delta: { content?: string }; finish_reason: string | null }>;
    usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  };
}

async function streamChat(watsonx: WatsonXAI, params: { modelId?: string; signal?: AbortSignal } = {}) {
  const stream = await watsonx.textChatStream({
    modelId: params.modelId ?? MODEL,
    messages: [{ role: 'user', content: 'Say hello' }],
    returnObject: true,
    signal: params.signal,
  });
  const chunks: Chunk[] = [];
  for await (const chunk of stream) chunks.push(chunk as unknown as Chunk);
  const text = chunks.map((c) => c.data.choices[0]?.delta.content ?? '').join('');
  const finish = chunks.map((c) => c.data.choices[0]?.finish_reason).find((f) => f);
  return { chunks, text, finish: finish ?? undefined, usage: chunks.at(-1)?.data.usage };
}

/** The SDK hands a streaming call's error body over unread, as the response stream. */
async function errorBody(error: unknown): Promise<{ errors: Array<{ code: string }>; status_code: number }> {
  const parts: Buffer[] = [];
  for await (const part of (error as { result: Readable }).result) parts.push(part as Buffer);
  return JSON.parse(Buffer.concat(parts).toString('utf8'));
}

async function caught(promise: Promise<unknown>): Promise<Error & { status?: number }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { status?: number };
  }
  throw new Error('expected the call to fail');
}

it('streams a chat answer as watsonx events, with finish_reason and usage last', async () => {
  const { emulator, watsonx } = await world();
  const answer = await streamChat(watsonx);
  expect(answer.text).toBe('Granite says hello to the hub.');
  expect(answer.finish).toBe('stop');
  expect(answer.usage).toMatchObject({ completion_tokens: 6, total_tokens: expect.any(Number) });
  expect(answer.chunks[0]).toMatchObject({ id: 1, event: 'message' });
  const [sent] = emulator.chatRequests;
  expect(sent).toMatchObject({
    path: '/ml/v1/text/chat_stream',
    query: { version: '2024-05-31' },
    model: MODEL,
    projectId: 'project-1',
    auth: 'valid',
    tokenSerial: 1,
    completed: true,
    aborted: false,
  });
  expect(sent!.messages).toEqual([{ role: 'user', content: 'Say hello' }]);
  expect(sent!.headers.authorization).toBe('Bearer <redacted>');
  expect(JSON.stringify(sent)).not.toContain('eyJ');
  expect(emulator.tokenRequests[0]).toMatchObject({
    grantType: 'urn:ibm:params:oauth:grant-type:apikey',
    apikeyKnown: true,
  });
  expect(JSON.stringify(emulator.tokenRequests)).not.toContain('test-apikey');
});

it('answers the non-streaming chat too', async () => {
  const { watsonx } = await world();
  const response = await watsonx.textChat({ modelId: MODEL, messages: [{ role: 'user', content: 'Hi' }] });
  expect(response.result.choices[0]?.message?.content).toBe('Granite says hello to the hub.');
  expect(response.result.choices[0]?.finish_reason).toBe('stop');
});

it('issues one token for many calls, and a new one once the SDK sees it expire', async () => {
  // ibm-cloud-sdk-core reads Date.now() for token expiry, so Date follows the emulator's clock.
  const clock = new ManualClock('2026-11-23T09:00:00Z');
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(clock.now());
  const { emulator, watsonx } = await world({ clock, tokenLifetimeS: 3600 });
  for (let i = 0; i < 3; i++) await streamChat(watsonx);
  expect(emulator.tokenRequests).toHaveLength(1);

  clock.advance(3601_000);
  vi.setSystemTime(clock.now());
  await streamChat(watsonx);
  expect(emulator.tokenRequests).toHaveLength(2);
  expect(emulator.chatRequests.map((r) => r.tokenSerial)).toEqual([1, 1, 1, 2]);
  expect(emulator.chatRequests.every((r) => r.auth === 'valid')).toBe(true);
});

it('refuses a token its clock says has expired, even when the client still trusts it', async () => {
  // Starts at the real time so the SDK (which reads Date.now()) keeps trusting its token.
  const clock = new ManualClock(new Date());
  const { emulator, watsonx } = await world({ clock, tokenLifetimeS: 3600 });
  await streamChat(watsonx);
  clock.advance(3600_000);
  const error = await caught(streamChat(watsonx));
  expect(error.status).toBe(401);
  expect((await errorBody(error)).errors[0]?.code).toBe('authentication_token_expired');
  expect(emulator.chatRequests.at(-1)).toMatchObject({ auth: 'expired', status: 401 });
});

it('fails one call with 401 when armed; the SDK neither refreshes nor retries by itself', async () => {
  const { emulator, watsonx } = await world();
  await streamChat(watsonx);
  emulator.fail({ kind: 'unauthorized' });
  const error = await caught(streamChat(watsonx));
  expect(error.status).toBe(401);
  expect(error.message).toBe('Access is denied due to invalid credentials.');
  expect(await errorBody(error)).toMatchObject({
    errors: [{ code: 'authentication_token_expired' }],
    status_code: 401,
  });
  expect(emulator.chatRequests).toHaveLength(2);
  expect(emulator.tokenRequests).toHaveLength(1);
  expect((await streamChat(watsonx)).finish).toBe('stop');
  expect(emulator.chatRequests.map((r) => r.status)).toEqual([200, 401, 200]);
});

it('surfaces 429 and 500 with their status and watsonx error body, once each', async () => {
  const { emulator, watsonx } = await world();
  emulator.fail({ kind: 'rate-limited' }).fail({ kind: 'server-error' }, { model: MODEL });
  const limited = await caught(streamChat(watsonx));
  expect(limited.status).toBe(429);
  expect(await errorBody(limited)).toMatchObject({
    errors: [{ code: 'too_many_requests' }],
    status_code: 429,
  });
  const broken = await caught(streamChat(watsonx));
  expect(broken.status).toBe(500);
  expect((await errorBody(broken)).status_code).toBe(500);
  expect((await streamChat(watsonx)).finish).toBe('stop');
  expect(emulator.chatRequests).toHaveLength(3);
});

it('answers an unknown model with 404 model_not_supported', async () => {
  const { watsonx } = await world();
  const streamed = await caught(streamChat(watsonx, { modelId: 'ibm/no-such-model' }));
  expect(streamed.status).toBe(404);
  expect((await errorBody(streamed)).errors[0]?.code).toBe('model_not_supported');
  const plain = await caught(
    watsonx.textChat({ modelId: 'ibm/no-such-model', messages: [{ role: 'user', content: 'Hi' }] }),
  );
  expect(plain.status).toBe(404);
  expect(plain.message).toContain("Model 'ibm/no-such-model' is not supported");
});

it('refuses an unknown API key the way IAM does', async () => {
  const { emulator, watsonx } = await world({}, 'not-a-key');
  const error = await caught(streamChat(watsonx));
  expect(error.status).toBe(400);
  expect(JSON.parse(String((error as { body?: string }).body))).toMatchObject({
    errorCode: 'BXNIM0415E',
    errorMessage: 'Provided API key could not be found.',
  });
  expect(emulator.tokenRequests).toMatchObject([{ apikeyKnown: false, status: 400 }]);
  expect(emulator.chatRequests).toHaveLength(0);
});

it('requires a project or space id', async () => {
  const emulator = await WatsonxEmulator.start();
  started.push(emulator);
  emulator.addModel(MODEL);
  const watsonx = new WatsonXAI({
    version: '2024-05-31',
    serviceUrl: emulator.serviceUrl,
    authenticator: new IamAuthenticator({ apikey: 'test-apikey', url: emulator.authUrl }),
  });
  const error = await caught(streamChat(watsonx));
  expect(error.status).toBe(400);
  expect((await errorBody(error)).errors[0]?.code).toBe('json_validation_error');
  const inSpace = await watsonx.textChat({
    modelId: MODEL,
    spaceId: 'space-1',
    messages: [{ role: 'user', content: 'Hi' }],
  });
  expect(inSpace.status).toBe(200);
  expect(emulator.chatRequests.at(-1)).toMatchObject({ spaceId: 'space-1', projectId: undefined });
});

it('shows a cut stream as an answer that ends without finish_reason', async () => {
  const { emulator, watsonx } = await world();
  emulator.fail({ kind: 'cut', afterTokens: 2 });
  const answer = await streamChat(watsonx);
  expect(answer.text).toBe('Granite says');
  expect(answer.finish).toBeUndefined();
  expect(answer.usage).toBeUndefined();
  expect(emulator.chatRequests[0]).toMatchObject({ tokensSent: 2, aborted: false });
});

it('holds the first token until the test releases it', async () => {
  const { emulator, watsonx } = await world();
  const hold = emulator.holdFirstToken(MODEL);
  const answer = streamChat(watsonx);
  const held = await hold.arrived;
  expect(held.tokensSent).toBe(0);
  hold.release();
  expect((await answer).text).toBe('Granite says hello to the hub.');
});

it('stops streaming when the AbortSignal fires, and records the abort; the SDK prints about it', async () => {
  const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
  const { emulator, watsonx } = await world();
  const hold = emulator.holdAfter(MODEL, 2);
  const controller = new AbortController();
  const stream = await watsonx.textChatStream({
    modelId: MODEL,
    messages: [{ role: 'user', content: 'Say hello' }],
    returnObject: true,
    signal: controller.signal,
  });
  const received: string[] = [];
  const error = await caught(
    (async () => {
      for await (const chunk of stream) {
        const content = (chunk as unknown as Chunk).data.choices[0]?.delta.content;
        if (content) received.push(content);
        // Stop after the tokens the emulator sent before pausing, as a member's Stop would.
        if (received.length === 2) controller.abort();
      }
    })(),
  );
  expect(received).toEqual(['Granite', ' says']);
  expect(error.message).toBe('canceled');
  const aborted = await emulator.waitForAbort(MODEL);
  hold.release();
  expect(aborted).toMatchObject({ tokensSent: 2, completed: false });
  // Library fact the bot must keep out of its output: the SDK prints this on an aborted stream.
  await vi.waitFor(() => expect(errors).toHaveBeenCalledWith('Stream pipeline error'));
});

it('records image_url content parts', async () => {
  const { emulator, watsonx } = await world();
  const image = 'data:image/png;base64,iVBORw0KGgo=';
  const stream = await watsonx.textChatStream({
    modelId: MODEL,
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in this picture?' },
          { type: 'image_url', image_url: { url: image } },
        ],
      },
    ],
    returnObject: true,
  });
  for await (const _ of stream);
  expect(emulator.chatRequests[0]!.imageUrls).toEqual([image]);
  expect(emulator.chatRequests[0]!.messages[0]!.content).toEqual([
    { type: 'text', text: 'What is in this picture?' },
    { type: 'image_url', image_url: { url: image } },
  ]);
});
