// IBM watsonx.ai: an IBM Cloud API key exchanged for an IAM bearer token (cached, renewed before
// it expires and once more on a 401), answers streamed from the documented REST chat_stream API.
//
// Why not @ibm-cloud/watsonx-ai (1.7.16), read in node_modules: it prints "Stream pipeline error"
// to the console from a module-private callback on every aborted stream (no option turns it off);
// its errors are axios errors whose config carries the Authorization header and the request body
// (one logged `err` would leak the bearer token and the member's prompt); after a 401 it neither
// renews nor exposes a way to drop the cached token; and its token cache reads Date.now(), not
// our injected clock. The REST API is one POST and server-sent events, so we speak it directly.
import type { Clock } from '../clock.ts';
import { type Logger, registerSecret } from '../log.ts';
import {
  type ChatProvider,
  type ProviderEvent,
  type ProviderFault,
  type ProviderRequest,
  wireContent,
} from './provider.ts';

/** The API version date sent as `?version=` (watsonx.ai requires one). */
export const WATSONX_API_VERSION = '2024-05-31';
/** Renew this long before expiry, so a token never runs out in the middle of a request. */
const RENEW_BEFORE_MS = 5 * 60_000;

export interface WatsonxSettings {
  /** The region's service URL, e.g. https://us-south.ml.cloud.ibm.com (WATSONX_AI_URL). */
  url: string;
  apiKey: string;
  projectId: string | undefined;
  spaceId: string | undefined;
  /** The IAM base URL (WATSONX_AI_AUTH_URL), default https://iam.cloud.ibm.com. */
  authUrl: string;
  clock: Clock;
}

/** An HTTP answer from IAM or watsonx.ai that was not a success. */
export class WatsonxHttpError extends Error {
  override name = 'WatsonxHttpError';
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    readonly requestId: string | undefined,
    readonly from: 'iam' | 'watsonx',
  ) {
    super(`${from === 'iam' ? 'IAM' : 'watsonx.ai'} answered ${status}${code ? ` (${code})` : ''}`);
  }
}

export class WatsonxProvider implements ChatProvider {
  readonly name = 'watsonx' as const;
  private token: { value: string; expiresAtMs: number } | undefined;
  private pending: Promise<string> | undefined;
  /** Token requests made, for the operator's status and the tests. */
  tokenRequests = 0;

  constructor(
    private readonly settings: WatsonxSettings,
    private readonly log: Logger,
  ) {}

  label(): string {
    // us-south.ml.cloud.ibm.com → us-south; a private cloud or the emulator shows its host.
    const host = new URL(this.settings.url).host;
    const region = /^([a-z]+-[a-z]+)\.ml\.cloud\.ibm\.com$/.exec(host)?.[1];
    return `IBM watsonx.ai (${region ?? host})`;
  }

  async *attempt(request: ProviderRequest, signal: AbortSignal): AsyncGenerator<ProviderEvent> {
    let response = await this.post(request, await this.bearer(signal), signal);
    if (response.status === 401) {
      // A token IAM revoked or that expired early (clock skew): renew once, then give up.
      await response.body?.cancel().catch(() => undefined);
      this.token = undefined;
      response = await this.post(request, await this.bearer(signal), signal);
    }
    if (!response.ok) throw await httpError(response, 'watsonx');
    if (!response.body) throw new WatsonxHttpError(response.status, 'no_body', undefined, 'watsonx');
    yield* readEvents(response.body);
  }

  fault(error: unknown): ProviderFault | undefined {
    if (!(error instanceof WatsonxHttpError)) return undefined;
    const { status, requestId } = error;
    if (error.from === 'iam') {
      if (status === 400 || status === 401 || status === 403)
        return {
          failure: 'auth',
          status,
          requestId,
          hint: `IAM refused WATSONX_AI_APIKEY (${error.code ?? status}); create a key at IBM Cloud → Manage → Access (IAM) → API keys, and check WATSONX_AI_AUTH_URL`,
        };
      return {
        failure: 'provider_error',
        status,
        requestId,
        hint: 'IAM did not issue a token; check WATSONX_AI_AUTH_URL and the IBM Cloud status page',
      };
    }
    if (status === 401 || status === 403)
      return {
        failure: 'auth',
        status,
        requestId,
        hint: `watsonx.ai refused the token (${error.code ?? status}); check that the API key's user or service ID is a member of WATSONX_AI_PROJECT_ID / WATSONX_AI_SPACE_ID with the Editor role, and that WATSONX_AI_URL is the project's region`,
      };
    if (status === 404 || error.code === 'model_not_supported')
      return { failure: 'unknown_model', status, requestId };
    if (status === 429) return { failure: 'busy', status, requestId };
    return {
      failure: 'provider_error',
      status,
      requestId,
      ...(status === 400
        ? {
            hint: `watsonx.ai rejected the request (${error.code ?? 400}); check WATSONX_AI_PROJECT_ID / WATSONX_AI_SPACE_ID`,
          }
        : {}),
    };
  }

  private post(request: ProviderRequest, token: string, signal: AbortSignal): Promise<Response> {
    const { settings } = this;
    const body = {
      model_id: request.model,
      messages: request.messages.map((m) => ({ role: m.role, content: wireContent(m) })),
      ...(settings.projectId ? { project_id: settings.projectId } : { space_id: settings.spaceId }),
      ...(request.maxTokens !== undefined ? { max_tokens: request.maxTokens } : {}),
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    };
    return fetch(`${settings.url}/ml/v1/text/chat_stream?version=${WATSONX_API_VERSION}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'text/event-stream',
        'content-type': 'application/json',
      },
      body: JSON.stringify(body),
      signal,
    });
  }

  /** The cached token, or a new one when it is missing or close to expiry; one request for many callers. */
  private bearer(signal: AbortSignal): Promise<string> {
    const now = this.settings.clock.now().getTime();
    if (this.token && now < this.token.expiresAtMs - RENEW_BEFORE_MS)
      return Promise.resolve(this.token.value);
    this.pending ??= this.requestToken().finally(() => {
      this.pending = undefined;
    });
    // A Stop while the token is being fetched ends this request, not the shared token request.
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.pending!.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  private async requestToken(): Promise<string> {
    const { settings } = this;
    this.tokenRequests++;
    const response = await fetch(`${settings.authUrl}/identity/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'urn:ibm:params:oauth:grant-type:apikey',
        apikey: settings.apiKey,
      }).toString(),
      signal: AbortSignal.timeout(15_000),
    });
    if (!response.ok) throw await httpError(response, 'iam');
    const body = (await response.json()) as {
      access_token?: string;
      expiration?: number;
      expires_in?: number;
    };
    if (!body.access_token) throw new WatsonxHttpError(response.status, 'no_access_token', undefined, 'iam');
    const now = settings.clock.now().getTime();
    const expiresAtMs =
      typeof body.expiration === 'number'
        ? body.expiration * 1000
        : now + (typeof body.expires_in === 'number' ? body.expires_in : 3600) * 1000;
    registerSecret(body.access_token);
    this.token = { value: body.access_token, expiresAtMs };
    this.log.debug({ expiresInS: Math.round((expiresAtMs - now) / 1000) }, 'watsonx.ai: new IAM token');
    return body.access_token;
  }
}

async function httpError(response: Response, from: 'iam' | 'watsonx'): Promise<WatsonxHttpError> {
  let code: string | undefined;
  let requestId: string | undefined;
  try {
    const body = (await response.json()) as {
      errors?: Array<{ code?: string }>;
      trace?: string;
      errorCode?: string;
      context?: { requestId?: string };
    };
    code = body.errors?.[0]?.code ?? body.errorCode;
    requestId = body.trace ?? body.context?.requestId;
  } catch {
    // Not JSON (a proxy's page): the status says enough.
  }
  return new WatsonxHttpError(response.status, code, requestId, from);
}

interface ChatChunk {
  choices?: Array<{ delta?: { content?: string | null }; finish_reason?: string | null }>;
  usage?: { prompt_tokens?: number; completion_tokens?: number };
  errors?: Array<{ code?: string }>;
}

/** Server-sent events: `id:` / `event:` / `data:` lines, events separated by a blank line. */
async function* readEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<ProviderEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const bytes of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(bytes, { stream: true });
    let end = buffer.search(/\r?\n\r?\n/);
    while (end >= 0) {
      const raw = buffer.slice(0, end);
      buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
      yield* eventsOf(raw);
      end = buffer.search(/\r?\n\r?\n/);
    }
  }
  if (buffer.trim()) yield* eventsOf(buffer);
}

function* eventsOf(raw: string): Generator<ProviderEvent> {
  const data = raw
    .split(/\r?\n/)
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(5).replace(/^ /, ''))
    .join('\n');
  if (!data || data === '[DONE]') return;
  let chunk: ChatChunk;
  try {
    chunk = JSON.parse(data) as ChatChunk;
  } catch {
    return;
  }
  if (chunk.errors?.length) throw new WatsonxHttpError(500, chunk.errors[0]?.code, undefined, 'watsonx');
  const choice = chunk.choices?.[0];
  if (choice?.delta?.content) yield { type: 'content', text: choice.delta.content };
  if (choice?.finish_reason) yield { type: 'finish', finishReason: choice.finish_reason };
  if (chunk.usage)
    yield {
      type: 'usage',
      promptTokens: chunk.usage.prompt_tokens ?? 0,
      completionTokens: chunk.usage.completion_tokens ?? 0,
    };
}
