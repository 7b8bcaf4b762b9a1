// A local OpenAI-compatible inference server (TGI/vLLM/router shaped) for tests and benchmarks:
// scripted answers per model streamed as server-sent events, with the faults real providers show.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedAnswer {
  /** The answer's content, streamed token by token. */
  text: string;
  /** Sent first as `delta.reasoning_content`, as vLLM and DeepSeek-style servers do. */
  reasoning?: string;
  /** Defaults to 'stop' ('length' when max_tokens cut the text). */
  finishReason?: 'stop' | 'length';
}

export type Responder = (request: RecordedRequest) => string | ScriptedAnswer;

export type InferenceFault =
  /** 503 with Hugging Face's `{ error, estimated_time }` while a model loads. */
  | { kind: 'loading'; estimatedTimeS: number }
  /** 429 without Retry-After, as the router sends it. */
  | { kind: 'rate-limited' }
  | { kind: 'server-error' }
  /** 404 `{ error: 'Model … does not exist' }`. */
  | { kind: 'unknown-model' }
  /** The stream ends cleanly after `afterTokens` tokens, without finish_reason or [DONE]. */
  | { kind: 'cut'; afterTokens: number }
  /** The connection is dropped after `afterTokens` tokens (fetch fails with "terminated"). */
  | { kind: 'drop'; afterTokens: number }
  /** An `{ error }` event in the middle of the stream. */
  | { kind: 'stream-error'; afterTokens: number; message: string };

export interface RecordedRequest {
  /** Path as received: `/v1/chat/completions` (endpoint, auto router) or `/<provider>/v1/chat/completions`. */
  path: string;
  /** Provider from the router path, `auto` for the auto router, undefined for `/v1/...` on an endpoint. */
  provider: string | undefined;
  model: string;
  /** As sent; `content` is a string, or content parts for images (see `imageUrls`). */
  messages: Array<{ role: string; content: string }>;
  /** Every `image_url.url` in the messages' content parts, in order. */
  imageUrls: string[];
  body: Record<string, unknown>;
  authorization: string | undefined;
  stream: boolean;
  /** performance.now() when the request arrived. */
  at: number;
  /** The client went away before the answer ended (Stop, timeout). */
  aborted: boolean;
  /** The server finished sending the whole answer. */
  completed: boolean;
  /** Tokens of content sent so far. */
  tokensSent: number;
  /** performance.now() when the first content token was written. */
  firstTokenAt: number | undefined;
}

interface ModelState {
  queue: Array<string | ScriptedAnswer | Responder>;
  fallback: string | ScriptedAnswer | Responder | undefined;
  faults: InferenceFault[];
  tokenDelayMs: number | undefined;
  firstTokenDelayMs: number;
  held: Array<{ released: Promise<void>; arrived: (r: RecordedRequest) => void }>;
  providers: string[];
}

/** Splits text into word-sized tokens whose concatenation is the text again. */
export function tokenize(text: string): string[] {
  return text.match(/\s*\S+|\s+/g) ?? [];
}

export class InferenceEmulator {
  readonly requests: RecordedRequest[] = [];
  /** Hub model search (`/api/models?search=`) answers from this list. */
  readonly hubModels: Array<{ id: string; pipeline_tag?: string; downloads?: number; likes?: number }> = [];
  private readonly models = new Map<string, ModelState>();
  private readonly waiters = new Set<() => void>();
  private readonly sockets = new Set<import('node:net').Socket>();
  private constructor(
    private readonly server: Server,
    readonly url: string,
    private tokenDelayMs: number,
  ) {}

  static async start(options: { tokenDelayMs?: number } = {}): Promise<InferenceEmulator> {
    let emulator: InferenceEmulator | undefined;
    const server = createServer((req, res) => void emulator!.handle(req, res));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    emulator = new InferenceEmulator(server, `http://127.0.0.1:${port}`, options.tokenDelayMs ?? 0);
    server.on('connection', (socket) => {
      emulator!.sockets.add(socket);
      socket.on('close', () => emulator!.sockets.delete(socket));
    });
    return emulator;
  }

  /** The OpenAI-compatible base a self-hosted server would have, e.g. TGI's `http://host/v1`. */
  get endpointUrl(): string {
    return `${this.url}/v1`;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The next request to `model` gets this answer (answers queue up; then the fallback is used). */
  script(model: string, answer: string | ScriptedAnswer | Responder): this {
    this.state(model).queue.push(answer);
    return this;
  }

  /** What `model` answers once its queue is empty (default: "Hello from <model>."). */
  answerAlways(model: string, answer: string | ScriptedAnswer | Responder): this {
    this.state(model).fallback = answer;
    return this;
  }

  /** The next `times` requests to `model` fail this way. */
  fail(model: string, fault: InferenceFault, times = 1): this {
    for (let i = 0; i < times; i++) this.state(model).faults.push(fault);
    return this;
  }

  /** Delay between tokens, for one model or (without model) for all. */
  setTokenDelay(ms: number, model?: string): this {
    if (model) this.state(model).tokenDelayMs = ms;
    else this.tokenDelayMs = ms;
    return this;
  }

  setFirstTokenDelay(model: string, ms: number): this {
    this.state(model).firstTokenDelayMs = ms;
    return this;
  }

  /** The next request to `model` sends headers, then waits before its first token until release(). */
  holdFirstToken(model: string): { arrived: Promise<RecordedRequest>; release: () => void } {
    let release!: () => void;
    let arrived!: (r: RecordedRequest) => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const arrival = new Promise<RecordedRequest>((resolve) => (arrived = resolve));
    this.state(model).held.push({ released, arrived });
    return { arrived: arrival, release };
  }

  /** Which router providers serve `model` (the Hub's inferenceProviderMapping). */
  serveWith(model: string, providers: string[]): this {
    this.state(model).providers = providers;
    return this;
  }

  requestsFor(model: string): RecordedRequest[] {
    return this.requests.filter((r) => r.model === model);
  }

  /** Resolves when a request matching `pred` exists (or arrives); rejects after timeoutMs. */
  waitForRequest(pred: (r: RecordedRequest) => boolean, timeoutMs = 5000): Promise<RecordedRequest> {
    return this.waitFor(() => this.requests.find(pred), timeoutMs, 'for a matching request');
  }

  /** Resolves when a request to `model` was abandoned by the client. */
  waitForAbort(model: string, timeoutMs = 5000): Promise<RecordedRequest> {
    return this.waitFor(
      () => this.requests.find((r) => r.model === model && r.aborted),
      timeoutMs,
      `for the client to abort its request to ${model}`,
    );
  }

  private waitFor<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const tryNow = () => {
        const found = check();
        if (found === undefined) return false;
        clearTimeout(timer);
        this.waiters.delete(waiter);
        resolve(found);
        return true;
      };
      const waiter = () => void tryNow();
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`Inference emulator: timed out after ${timeoutMs} ms waiting ${what}`));
      }, timeoutMs);
      if (!tryNow()) this.waiters.add(waiter);
    });
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  private state(model: string): ModelState {
    let s = this.models.get(model);
    if (!s) {
      s = {
        queue: [],
        fallback: undefined,
        faults: [],
        tokenDelayMs: undefined,
        firstTokenDelayMs: 0,
        held: [],
        providers: ['hf-inference'],
      };
      this.models.set(model, s);
    }
    return s;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    if (req.method === 'GET' && url.pathname.startsWith('/api/models')) return this.hubApi(url, res);
    if (req.method === 'GET' && url.pathname === '/v1/models')
      return json(res, 200, {
        object: 'list',
        data: [...this.models.keys()].map((id) => ({ id, object: 'model' })),
      });
    const match = /^(?:\/([a-z0-9-]+))?\/v1\/chat\/completions$/.exec(url.pathname);
    if (req.method !== 'POST' || !match) return json(res, 404, { error: 'Not Found' });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return json(res, 400, { error: 'Invalid JSON body' });
    }
    const record: RecordedRequest = {
      path: url.pathname,
      provider: match[1] ?? (url.pathname === '/v1/chat/completions' ? undefined : 'auto'),
      model: String(body.model ?? ''),
      messages: (body.messages as RecordedRequest['messages']) ?? [],
      imageUrls: imageUrlsOf(body.messages),
      body,
      authorization: req.headers.authorization,
      stream: body.stream === true,
      at: performance.now(),
      aborted: false,
      completed: false,
      tokensSent: 0,
      firstTokenAt: undefined,
    };
    this.requests.push(record);
    res.on('close', () => {
      if (!record.completed && !res.writableFinished) record.aborted = true;
      this.notify();
    });
    this.notify();
    const state = this.state(record.model);
    const fault = state.faults.shift();
    if (fault?.kind === 'loading')
      return json(res, 503, {
        error: `Model ${record.model} is currently loading`,
        estimated_time: fault.estimatedTimeS,
      });
    if (fault?.kind === 'rate-limited') return json(res, 429, { error: 'Too many requests, slow down' });
    if (fault?.kind === 'server-error') return json(res, 500, { error: 'Internal server error' });
    if (fault?.kind === 'unknown-model')
      return json(res, 404, { error: `Model ${record.model} does not exist` });

    const answer = this.answerFor(state, record);
    const maxTokens = typeof body.max_tokens === 'number' ? body.max_tokens : Number.POSITIVE_INFINITY;
    let tokens = tokenize(answer.text);
    let finish = answer.finishReason ?? 'stop';
    if (tokens.length > maxTokens) {
      tokens = tokens.slice(0, maxTokens);
      finish = 'length';
    }
    if (!record.stream) {
      record.completed = true;
      return json(res, 200, {
        id: `chatcmpl-${this.requests.length}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: record.model,
        choices: [
          { index: 0, message: { role: 'assistant', content: tokens.join('') }, finish_reason: finish },
        ],
        usage: { prompt_tokens: 10, completion_tokens: tokens.length, total_tokens: 10 + tokens.length },
      });
    }
    await this.stream(res, record, state, answer, tokens, finish, fault);
  }

  private answerFor(state: ModelState, record: RecordedRequest): ScriptedAnswer {
    const next = state.queue.shift() ?? state.fallback ?? `Hello from ${record.model}.`;
    const value = typeof next === 'function' ? next(record) : next;
    return typeof value === 'string' ? { text: value } : value;
  }

  private async stream(
    res: ServerResponse,
    record: RecordedRequest,
    state: ModelState,
    answer: ScriptedAnswer,
    tokens: string[],
    finish: string,
    fault: InferenceFault | undefined,
  ): Promise<void> {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.flushHeaders();
    const id = `chatcmpl-${this.requests.length}`;
    const created = Math.floor(Date.now() / 1000);
    const chunk = (delta: Record<string, unknown>, finishReason: string | null, extra = {}) =>
      `data: ${JSON.stringify({
        id,
        object: 'chat.completion.chunk',
        created,
        model: record.model,
        choices: [{ index: 0, delta, finish_reason: finishReason }],
        ...extra,
      })}\n\n`;
    const delay = state.tokenDelayMs ?? this.tokenDelayMs;
    const held = state.held.shift();
    if (held) {
      held.arrived(record);
      await held.released;
    }
    if (state.firstTokenDelayMs > 0) await sleep(state.firstTokenDelayMs);
    const alive = () => !res.destroyed && !record.aborted;
    const reasoning = answer.reasoning ? tokenize(answer.reasoning) : [];
    for (const [i, token] of reasoning.entries()) {
      if (!alive()) return;
      res.write(
        chunk(i === 0 ? { role: 'assistant', reasoning_content: token } : { reasoning_content: token }, null),
      );
      if (delay > 0) await sleep(delay);
    }
    for (const [i, token] of tokens.entries()) {
      if (!alive()) return;
      if (fault?.kind === 'cut' && i >= fault.afterTokens) return void res.end();
      if (fault?.kind === 'drop' && i >= fault.afterTokens) return void res.destroy();
      if (fault?.kind === 'stream-error' && i >= fault.afterTokens) {
        res.write(`data: ${JSON.stringify({ error: { message: fault.message } })}\n\n`);
        return void res.end();
      }
      res.write(
        chunk(
          i === 0 && reasoning.length === 0 ? { role: 'assistant', content: token } : { content: token },
          null,
        ),
      );
      record.tokensSent++;
      record.firstTokenAt ??= performance.now();
      if (delay > 0 && i < tokens.length - 1) await sleep(delay);
    }
    if (!alive()) return;
    if (fault?.kind === 'cut') return void res.end();
    if (fault?.kind === 'drop') return void res.destroy();
    res.write(
      chunk({}, finish, {
        usage: { prompt_tokens: 10, completion_tokens: tokens.length, total_tokens: 10 + tokens.length },
      }),
    );
    res.write('data: [DONE]\n\n');
    record.completed = true;
    res.end();
    this.notify();
  }

  private hubApi(url: URL, res: ServerResponse): void {
    const id = decodeURIComponent(url.pathname.replace(/^\/api\/models\/?/, ''));
    if (id) {
      const state = this.models.get(id);
      if (!state) {
        json(res, 404, { error: 'Repository not found' });
        return;
      }
      json(res, 200, {
        id,
        _id: id,
        inferenceProviderMapping: Object.fromEntries(
          state.providers.map((p) => [p, { status: 'live', providerId: id, task: 'conversational' }]),
        ),
      });
      return;
    }
    const search = (url.searchParams.get('search') ?? '').toLowerCase();
    const tag = url.searchParams.get('pipeline_tag') ?? url.searchParams.get('filter');
    const limit = Number(url.searchParams.get('limit') ?? 20);
    const found = this.hubModels
      .filter((m) => m.id.toLowerCase().includes(search) && (!tag || m.pipeline_tag === tag))
      .slice(0, limit)
      .map((m) => ({ _id: m.id, modelId: m.id, private: false, ...m }));
    json(res, 200, found);
  }
}

/** OpenAI-style content parts: `{ type: 'image_url', image_url: { url } }` beside text parts. */
function imageUrlsOf(messages: unknown): string[] {
  if (!Array.isArray(messages)) return [];
  return messages.flatMap((m) =>
    Array.isArray(m?.content)
      ? m.content
          .filter((p: { type?: string }) => p?.type === 'image_url')
          .map((p: { image_url?: { url?: string } }) => String(p.image_url?.url ?? ''))
      : [],
  );
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
