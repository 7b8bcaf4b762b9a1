// A local IBM Cloud IAM token service and watsonx.ai chat API for tests and benchmarks: API keys
// exchanged for JWT bearer tokens that expire by an injected clock, scripted answers per model
// streamed as watsonx sends them (`id:` / `event: message` / `data:` events), and the faults the
// real services show (expired token, 429, 500, unknown model, cut streams, slow first token).
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type Clock, systemClock } from '../../../src/clock.ts';

export interface ScriptedAnswer {
  /** The answer's content, streamed token by token. */
  text: string;
  /** Defaults to 'stop' ('length' when max_tokens cut the text). */
  finishReason?: 'stop' | 'length';
}

export type Responder = (request: RecordedChatRequest) => string | ScriptedAnswer;

export type WatsonxFault =
  /** 401 `authentication_token_expired`, even when the bearer token is valid. */
  | { kind: 'unauthorized' }
  /** 429 with watsonx's error body. */
  | { kind: 'rate-limited' }
  | { kind: 'server-error' }
  /** The stream ends cleanly after `afterTokens` tokens, without a finish_reason. */
  | { kind: 'cut'; afterTokens: number }
  /** The connection is destroyed after `afterTokens` tokens. */
  | { kind: 'drop'; afterTokens: number };

export interface RecordedChatRequest {
  path: string;
  query: Record<string, string>;
  /** Request headers, with `authorization` replaced by `Bearer <redacted>` when present. */
  headers: Record<string, string>;
  /** What the bearer token was when it arrived; the token itself is never recorded. */
  auth: 'valid' | 'expired' | 'unknown' | 'missing';
  /** Which issued token was used (1 = the first token IAM handed out), when it was one of ours. */
  tokenSerial: number | undefined;
  body: Record<string, unknown>;
  model: string;
  projectId: string | undefined;
  spaceId: string | undefined;
  messages: ChatMessage[];
  /** Every `image_url.url` in the messages' content parts, in order. */
  imageUrls: string[];
  stream: boolean;
  /** The HTTP status the emulator answered with. */
  status: number;
  at: Date;
  /** The client went away before the answer ended (Stop, abort, timeout). */
  aborted: boolean;
  completed: boolean;
  tokensSent: number;
  /** performance.now() when the first content token was written (benchmarks). */
  firstTokenAt?: number | undefined;
}

export interface ChatMessage {
  role: string;
  content?: string | Array<{ type: string; text?: string; image_url?: { url: string; detail?: string } }>;
  [key: string]: unknown;
}

export interface RecordedTokenRequest {
  at: Date;
  grantType: string | undefined;
  /** Whether the API key was one the emulator knows; the key itself is never recorded. */
  apikeyKnown: boolean;
  status: number;
}

export interface WatsonxEmulatorOptions {
  /** Decides when tokens expire (ManualClock in tests). Default: the system clock. */
  clock?: Clock;
  /** API keys IAM accepts. Default: ['test-apikey']. */
  apiKeys?: string[];
  /** Token lifetime in seconds (IAM's is 3600). */
  tokenLifetimeS?: number;
  /** Delay between streamed tokens, for benchmarks (tests use holdFirstToken instead). */
  tokenDelayMs?: number;
}

interface ModelState {
  queue: Array<string | ScriptedAnswer | Responder>;
  fallback: string | ScriptedAnswer | Responder | undefined;
  tokenDelayMs: number | undefined;
  firstTokenDelayMs: number;
  held: Array<{ afterTokens: number; released: Promise<void>; arrived: (r: RecordedChatRequest) => void }>;
}

interface IssuedToken {
  serial: number;
  expiresAtMs: number;
}

const CHAT_PATHS = new Set(['/ml/v1/text/chat', '/ml/v1/text/chat_stream']);

/** Splits text into word-sized tokens whose concatenation is the text again. */
export function tokenize(text: string): string[] {
  return text.match(/\s*\S+|\s+/g) ?? [];
}

export class WatsonxEmulator {
  readonly chatRequests: RecordedChatRequest[] = [];
  readonly tokenRequests: RecordedTokenRequest[] = [];
  private readonly apiKeys: Set<string>;
  private readonly tokens = new Map<string, IssuedToken>();
  private readonly models = new Map<string, ModelState>();
  private readonly faults: Array<{ fault: WatsonxFault; model: string | undefined }> = [];
  private tokenFaults: number[] = [];
  private readonly waiters = new Set<() => void>();
  private readonly sockets = new Set<Socket>();
  private readonly clock: Clock;
  private tokenLifetimeS: number;
  private tokenDelayMs: number;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    options: WatsonxEmulatorOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.apiKeys = new Set(options.apiKeys ?? ['test-apikey']);
    this.tokenLifetimeS = options.tokenLifetimeS ?? 3600;
    this.tokenDelayMs = options.tokenDelayMs ?? 0;
  }

  static async start(options: WatsonxEmulatorOptions = {}): Promise<WatsonxEmulator> {
    let emulator: WatsonxEmulator | undefined;
    const server = createServer((req, res) => void emulator!.handle(req, res));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    emulator = new WatsonxEmulator(server, `http://127.0.0.1:${port}`, options);
    server.on('connection', (socket) => {
      emulator!.sockets.add(socket);
      socket.on('close', () => emulator!.sockets.delete(socket));
    });
    return emulator;
  }

  /** What WATSONX_AI_URL points at (the region's service URL). */
  get serviceUrl(): string {
    return this.url;
  }

  /** What WATSONX_AI_AUTH_URL points at (IAM's base; the token operation is `/identity/token`). */
  get authUrl(): string {
    return this.url;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  addApiKey(key: string): this {
    this.apiKeys.add(key);
    return this;
  }

  /** Tokens issued from now on live this long. */
  setTokenLifetime(seconds: number): this {
    this.tokenLifetimeS = seconds;
    return this;
  }

  /** Every token issued so far is refused as expired from now on (IAM key rotation, clock skew). */
  expireAllTokens(): this {
    for (const token of this.tokens.values()) token.expiresAtMs = Number.NEGATIVE_INFINITY;
    return this;
  }

  /** The next `times` token requests fail with this status (500: IAM down; 400: as for a bad key). */
  failTokenRequests(status: number, times = 1): this {
    for (let i = 0; i < times; i++) this.tokenFaults.push(status);
    return this;
  }

  /** Makes `model` known; the next request to it gets this answer (answers queue up). */
  script(model: string, answer: string | ScriptedAnswer | Responder): this {
    this.state(model).queue.push(answer);
    return this;
  }

  /** Makes `model` known with the answer it gives once its queue is empty. */
  answerAlways(model: string, answer: string | ScriptedAnswer | Responder): this {
    this.state(model).fallback = answer;
    return this;
  }

  /** Makes `model` known, answering "Hello from <model>." unless scripted. */
  addModel(model: string): this {
    this.state(model);
    return this;
  }

  /** The next `times` chat requests (to `model`, or to any model) fail this way. */
  fail(fault: WatsonxFault, options: { model?: string; times?: number } = {}): this {
    for (let i = 0; i < (options.times ?? 1); i++) this.faults.push({ fault, model: options.model });
    return this;
  }

  setTokenDelay(ms: number, model?: string): this {
    if (model) this.state(model).tokenDelayMs = ms;
    else this.tokenDelayMs = ms;
    return this;
  }

  /** A timed first-token delay, for benchmarks; tests should prefer holdFirstToken. */
  setFirstTokenDelay(model: string, ms: number): this {
    this.state(model).firstTokenDelayMs = ms;
    return this;
  }

  /** The next stream for `model` sends its headers, then waits before its first token until release(). */
  holdFirstToken(model: string): { arrived: Promise<RecordedChatRequest>; release: () => void } {
    return this.holdAfter(model, 0);
  }

  /**
   * The next stream for `model` pauses after `tokens` content tokens until release(); `arrived`
   * resolves once those tokens are written, so a test can act mid-stream without timers.
   */
  holdAfter(model: string, tokens: number): { arrived: Promise<RecordedChatRequest>; release: () => void } {
    let release!: () => void;
    let arrived!: (r: RecordedChatRequest) => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const arrival = new Promise<RecordedChatRequest>((resolve) => (arrived = resolve));
    this.state(model).held.push({ afterTokens: tokens, released, arrived });
    return { arrived: arrival, release };
  }

  requestsFor(model: string): RecordedChatRequest[] {
    return this.chatRequests.filter((r) => r.model === model);
  }

  /** Resolves when a chat request matching `pred` exists (or arrives); rejects after timeoutMs. */
  waitForRequest(pred: (r: RecordedChatRequest) => boolean, timeoutMs = 5000): Promise<RecordedChatRequest> {
    return this.waitFor(() => this.chatRequests.find(pred), timeoutMs, 'for a matching chat request');
  }

  /** Resolves when a chat request to `model` was abandoned by the client. */
  waitForAbort(model: string, timeoutMs = 5000): Promise<RecordedChatRequest> {
    return this.waitFor(
      () => this.chatRequests.find((r) => r.model === model && r.aborted),
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
        reject(new Error(`watsonx emulator: timed out after ${timeoutMs} ms waiting ${what}`));
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
      s = { queue: [], fallback: undefined, tokenDelayMs: undefined, firstTokenDelayMs: 0, held: [] };
      this.models.set(model, s);
    }
    return s;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const raw = await readBody(req);
    if (req.method === 'POST' && url.pathname === '/identity/token') return this.issueToken(raw, res);
    if (req.method === 'POST' && CHAT_PATHS.has(url.pathname)) return this.chat(req, url, raw, res);
    return watsonxError(res, 404, 'not_found', `Route ${req.method} ${url.pathname} not found`);
  }

  // IAM: https://cloud.ibm.com/apidocs/iam-identity-token-api#gettoken-apikey
  private issueToken(raw: string, res: ServerResponse): void {
    const form = new URLSearchParams(raw);
    const grantType = form.get('grant_type') ?? undefined;
    const apikey = form.get('apikey');
    const known = apikey !== null && this.apiKeys.has(apikey);
    const record: RecordedTokenRequest = { at: this.clock.now(), grantType, apikeyKnown: known, status: 200 };
    this.tokenRequests.push(record);
    this.notify();
    const refusal = this.tokenRefusal(grantType, apikey, known);
    if (refusal) {
      record.status = refusal.status;
      iamError(res, refusal.status, refusal.code, refusal.message);
      return;
    }
    const nowS = Math.floor(this.clock.now().getTime() / 1000);
    const exp = nowS + this.tokenLifetimeS;
    const serial = this.tokens.size + 1;
    const accessToken = jwt({
      iam_id: 'iam-ServiceId-emulator',
      sub: 'ServiceId-emulator',
      grant_type: 'urn:ibm:params:oauth:grant-type:apikey',
      scope: 'ibm openid',
      iat: nowS,
      exp,
      jti: randomBytes(8).toString('hex'),
    });
    this.tokens.set(accessToken, { serial, expiresAtMs: exp * 1000 });
    json(res, 200, {
      access_token: accessToken,
      refresh_token: 'not_supported',
      ims_user_id: 1,
      token_type: 'Bearer',
      expires_in: this.tokenLifetimeS,
      expiration: exp,
      scope: 'ibm openid',
    });
  }

  private tokenRefusal(
    grantType: string | undefined,
    apikey: string | null,
    known: boolean,
  ): { status: number; code: string; message: string } | undefined {
    const forced = this.tokenFaults.shift();
    if (forced !== undefined)
      return { status: forced, code: 'BXNIM0001E', message: 'Internal server error.' };
    if (grantType !== 'urn:ibm:params:oauth:grant-type:apikey')
      return {
        status: 400,
        code: 'BXNIM0109E',
        message: 'Property missing or empty. Property name(s): grant_type',
      };
    if (!apikey)
      return {
        status: 400,
        code: 'BXNIM0109E',
        message: 'Property missing or empty. Property name(s): apikey',
      };
    if (!known) return { status: 400, code: 'BXNIM0415E', message: 'Provided API key could not be found.' };
    return undefined;
  }

  private checkBearer(header: string | undefined): Pick<RecordedChatRequest, 'auth' | 'tokenSerial'> {
    const match = /^Bearer (.+)$/i.exec(header ?? '');
    if (!match) return { auth: 'missing', tokenSerial: undefined };
    const token = this.tokens.get(match[1]!);
    if (!token) return { auth: 'unknown', tokenSerial: undefined };
    const expired = this.clock.now().getTime() >= token.expiresAtMs;
    return { auth: expired ? 'expired' : 'valid', tokenSerial: token.serial };
  }

  private async chat(req: IncomingMessage, url: URL, raw: string, res: ServerResponse): Promise<void> {
    let body: Record<string, unknown> = {};
    let parsed = true;
    try {
      const value: unknown = JSON.parse(raw);
      if (value && typeof value === 'object' && !Array.isArray(value))
        body = value as Record<string, unknown>;
      else parsed = false;
    } catch {
      parsed = false;
    }
    const messages = Array.isArray(body.messages) ? (body.messages as ChatMessage[]) : [];
    const record: RecordedChatRequest = {
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: redactHeaders(req),
      ...this.checkBearer(req.headers.authorization),
      body,
      model: typeof body.model_id === 'string' ? body.model_id : '',
      projectId: typeof body.project_id === 'string' ? body.project_id : undefined,
      spaceId: typeof body.space_id === 'string' ? body.space_id : undefined,
      messages,
      imageUrls: imageUrlsOf(messages),
      stream: url.pathname.endsWith('_stream'),
      status: 200,
      at: this.clock.now(),
      aborted: false,
      completed: false,
      tokensSent: 0,
    };
    this.chatRequests.push(record);
    res.on('close', () => {
      if (!record.completed && !res.writableFinished) record.aborted = true;
      this.notify();
    });
    this.notify();
    const fail = (status: number, code: string, message: string) => {
      record.status = status;
      record.completed = true;
      watsonxError(res, status, code, message);
    };

    if (record.auth === 'missing')
      return fail(401, 'authorization_rejected', 'Failed to authenticate the request due to missing token');
    if (record.auth === 'unknown')
      return fail(
        401,
        'authentication_token_invalid',
        'Failed to authenticate the request due to invalid token',
      );
    if (record.auth === 'expired')
      return fail(
        401,
        'authentication_token_expired',
        'Failed to authenticate the request due to an expired token',
      );
    if (!parsed) return fail(400, 'json_type_error', 'Json document parsing failed');
    if (!record.query.version)
      return fail(400, 'missing_version', 'Missing version parameter, please add `version=YYYY-MM-DD`');
    if (!record.model)
      return fail(400, 'json_validation_error', "Json field validation failed: 'model_id' is required");
    if (!record.projectId && !record.spaceId)
      return fail(400, 'json_validation_error', "Either 'space_id' or 'project_id' has to be provided");
    if (messages.length === 0)
      return fail(400, 'json_validation_error', "Json field validation failed: 'messages' must not be empty");
    const state = this.models.get(record.model);
    if (!state)
      return fail(
        404,
        'model_not_supported',
        `Model '${record.model}' is not supported for this environment`,
      );

    const faultAt = this.faults.findIndex((f) => f.model === undefined || f.model === record.model);
    const fault = faultAt >= 0 ? this.faults.splice(faultAt, 1)[0]!.fault : undefined;
    if (fault?.kind === 'unauthorized')
      return fail(
        401,
        'authentication_token_expired',
        'Failed to authenticate the request due to an expired token',
      );
    if (fault?.kind === 'rate-limited')
      return fail(429, 'too_many_requests', 'Too many requests, please slow down and retry later');
    if (fault?.kind === 'server-error') return fail(500, 'internal_error', 'An internal error occurred');

    const answer = this.answerFor(state, record);
    const maxTokens = numberOr(body.max_tokens ?? body.max_completion_tokens, Number.POSITIVE_INFINITY);
    let tokens = tokenize(answer.text);
    let finish = answer.finishReason ?? 'stop';
    if (tokens.length > maxTokens) {
      tokens = tokens.slice(0, maxTokens);
      finish = 'length';
    }
    const usage = {
      completion_tokens: tokens.length,
      prompt_tokens: promptTokens(messages),
      total_tokens: tokens.length + promptTokens(messages),
    };
    if (!record.stream) {
      record.completed = true;
      return json(res, 200, {
        ...this.envelope(record),
        choices: [
          { index: 0, message: { role: 'assistant', content: tokens.join('') }, finish_reason: finish },
        ],
        usage,
      });
    }
    await this.stream(res, record, state, tokens, finish, usage, fault);
  }

  private envelope(record: RecordedChatRequest) {
    const now = this.clock.now();
    return {
      id: `chatcmpl-emulator-${this.chatRequests.indexOf(record) + 1}`,
      model_id: record.model,
      model: record.model,
      created: Math.floor(now.getTime() / 1000),
      model_version: '1.0.0',
      created_at: now.toISOString(),
    };
  }

  private answerFor(state: ModelState, record: RecordedChatRequest): ScriptedAnswer {
    const next = state.queue.shift() ?? state.fallback ?? `Hello from ${record.model}.`;
    const value = typeof next === 'function' ? next(record) : next;
    return typeof value === 'string' ? { text: value } : value;
  }

  private async stream(
    res: ServerResponse,
    record: RecordedChatRequest,
    state: ModelState,
    tokens: string[],
    finish: string,
    usage: Record<string, number>,
    fault: WatsonxFault | undefined,
  ): Promise<void> {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.flushHeaders();
    const envelope = this.envelope(record);
    let eventId = 0;
    const event = (choice: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      `id: ${++eventId}\nevent: message\ndata: ${JSON.stringify({ ...envelope, choices: [{ index: 0, ...choice }], ...extra })}\n\n`;
    const held = state.held.shift();
    const pauseAt = async (i: number) => {
      if (held?.afterTokens !== i) return;
      held.arrived(record);
      await held.released;
    };
    await pauseAt(0);
    if (state.firstTokenDelayMs > 0) await sleep(state.firstTokenDelayMs);
    const delay = state.tokenDelayMs ?? this.tokenDelayMs;
    const alive = () => !res.destroyed && !record.aborted;
    if (!alive()) return;
    // watsonx opens with the role and an empty content before the first real token.
    res.write(event({ finish_reason: null, delta: { role: 'assistant', content: '' } }));
    for (const [i, token] of tokens.entries()) {
      if (i > 0) await pauseAt(i);
      if (!alive()) return;
      if (fault?.kind === 'cut' && i >= fault.afterTokens) return this.endCut(res, record);
      if (fault?.kind === 'drop' && i >= fault.afterTokens) return void res.destroy();
      res.write(event({ finish_reason: null, delta: { content: token } }));
      record.tokensSent++;
      record.firstTokenAt ??= performance.now();
      this.notify();
      if (delay > 0 && i < tokens.length - 1) await sleep(delay);
    }
    if (tokens.length > 0) await pauseAt(tokens.length);
    if (!alive()) return;
    if (fault?.kind === 'cut') return this.endCut(res, record);
    if (fault?.kind === 'drop') return void res.destroy();
    res.write(event({ finish_reason: finish, delta: { content: '' } }, { usage }));
    record.completed = true;
    res.end();
    this.notify();
  }

  private endCut(res: ServerResponse, record: RecordedChatRequest): void {
    record.completed = true;
    res.end();
    this.notify();
  }
}

function jwt(payload: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  // Clients only decode IAM tokens (for exp/iat); nobody verifies the emulator's signature.
  return `${part({ kid: 'emulator', alg: 'RS256' })}.${part(payload)}.${randomBytes(32).toString('base64url')}`;
}

function imageUrlsOf(messages: ChatMessage[]): string[] {
  const urls: string[] = [];
  for (const message of messages) {
    if (!Array.isArray(message?.content)) continue;
    for (const part of message.content)
      if (part?.type === 'image_url' && typeof part.image_url?.url === 'string')
        urls.push(part.image_url.url);
  }
  return urls;
}

function promptTokens(messages: ChatMessage[]): number {
  let chars = 0;
  for (const m of messages) {
    if (typeof m.content === 'string') chars += m.content.length;
    else if (Array.isArray(m.content)) for (const p of m.content) chars += p.text?.length ?? 0;
  }
  return Math.max(1, Math.ceil(chars / 4));
}

function redactHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    out[name] = name === 'authorization' ? 'Bearer <redacted>' : String(value);
  }
  return out;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

// watsonx.ai's error body: { errors: [{ code, message, more_info }], trace, status_code }.
function watsonxError(res: ServerResponse, status: number, code: string, message: string): void {
  json(res, status, {
    errors: [{ code, message, more_info: 'https://cloud.ibm.com/apidocs/watsonx-ai' }],
    trace: randomBytes(16).toString('hex'),
    status_code: status,
  });
}

// IAM's error body; context.url lets ibm-cloud-sdk-core recognise it as an IAM error.
function iamError(res: ServerResponse, status: number, errorCode: string, errorMessage: string): void {
  json(res, status, {
    errorCode,
    errorMessage,
    context: {
      requestId: randomBytes(8).toString('hex'),
      requestType: 'incoming.Identity_Token',
      url: 'https://iam.cloud.ibm.com',
      instanceId: 'iamid-emulator',
    },
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
