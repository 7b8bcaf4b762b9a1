// The one place that builds and calls @huggingface/inference: streaming chat with our own
// timeouts, bounded back-off on 503 and errors sorted into what a user can be told.
import {
  InferenceClient,
  InferenceClientError,
  InferenceClientHubApiError,
  InferenceClientProviderApiError,
} from '@huggingface/inference';
import type { Logger } from '../log.ts';
import type { ProviderChoice } from './providers.ts';

const HF_ROUTER_URL = 'https://router.huggingface.co';
const HF_HUB_URL = 'https://huggingface.co';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatRequest {
  model: string;
  provider: ProviderChoice;
  messages: ChatMessage[];
  temperature?: number | undefined;
  maxTokens?: number | undefined;
  signal?: AbortSignal | undefined;
}

export type StreamEvent =
  | { type: 'content'; text: string }
  | { type: 'reasoning'; text: string }
  | {
      type: 'end';
      finishReason: string;
      usage: { promptTokens: number; completionTokens: number } | undefined;
    };

export type InferenceFailure =
  | 'loading'
  | 'busy'
  | 'unknown_model'
  | 'timeout'
  | 'aborted'
  | 'cut'
  | 'not_configured'
  | 'provider_error';

export class InferenceError extends Error {
  override name = 'InferenceError';
  constructor(
    readonly failure: InferenceFailure,
    message: string,
    readonly details: { estimatedTimeS?: number; status?: number } = {},
  ) {
    super(message);
  }
}

export interface InferenceOptions {
  hfToken: string | undefined;
  /** A self-hosted OpenAI-compatible server; when set, providers are not used. */
  endpointUrl: string | undefined;
  routerUrl: string;
  hubUrl: string;
  timeoutMs: number;
  firstTokenTimeoutMs: number;
  loadingRetries: number;
  backoffMaxMs: number;
  log: Logger;
}

interface Delta {
  content?: string | null;
  reasoning_content?: string | null;
  reasoning?: string | null;
}

export class InferenceGateway {
  private readonly client: InferenceClient;
  private readonly fetch: typeof fetch | undefined;

  constructor(private readonly options: InferenceOptions) {
    this.client = new InferenceClient(options.hfToken ?? '');
    // The library has no base-URL option for the router or the Hub mapping lookup; its
    // documented `fetch` option is how a proxy (or the test emulator) stands in for them.
    const rewrites: Array<[string, string]> = [];
    if (options.routerUrl !== HF_ROUTER_URL) rewrites.push([HF_ROUTER_URL, options.routerUrl]);
    if (options.hubUrl !== HF_HUB_URL) rewrites.push([HF_HUB_URL, options.hubUrl]);
    this.fetch =
      rewrites.length === 0
        ? undefined
        : (input, init) => {
            let url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
            for (const [from, to] of rewrites) if (url.startsWith(from)) url = to + url.slice(from.length);
            return fetch(url, init);
          };
  }

  get selfHosted(): boolean {
    return this.options.endpointUrl !== undefined;
  }

  /** How the footer names where an answer came from. */
  providerLabel(provider: ProviderChoice): string {
    if (this.options.endpointUrl) return `self-hosted (${new URL(this.options.endpointUrl).host})`;
    return provider === 'auto' ? 'HF Inference Providers (auto)' : `HF Inference Providers (${provider})`;
  }

  /**
   * Streams one chat completion. Ends with an `end` event when the model finished; throws an
   * InferenceError otherwise (after any content already yielded, which the caller keeps).
   */
  async *stream(request: ChatRequest): AsyncGenerator<StreamEvent> {
    const { options } = this;
    if (!options.endpointUrl && !options.hfToken?.startsWith('hf_'))
      throw new InferenceError(
        'not_configured',
        'No inference provider is configured: set HF_TOKEN (a Hugging Face token) or INFERENCE_ENDPOINT_URL.',
      );
    const controller = new AbortController();
    let timedOut: 'first' | 'total' | undefined;
    const onCallerAbort = () => controller.abort();
    request.signal?.addEventListener('abort', onCallerAbort, { once: true });
    if (request.signal?.aborted) controller.abort();
    const total = setTimeout(() => {
      timedOut ??= 'total';
      controller.abort();
    }, options.timeoutMs);
    let first: NodeJS.Timeout | undefined = setTimeout(() => {
      timedOut ??= 'first';
      controller.abort();
    }, options.firstTokenTimeoutMs);
    let yielded = false;
    let finishReason: string | undefined;
    let usage: { promptTokens: number; completionTokens: number } | undefined;
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          for await (const chunk of this.client.chatCompletionStream(this.args(request), {
            retry_on_error: false,
            signal: controller.signal,
            ...(this.fetch ? { fetch: this.fetch } : {}),
          })) {
            const choice = chunk.choices?.[0];
            const delta = (choice?.delta ?? {}) as Delta;
            const reasoning = delta.reasoning_content ?? delta.reasoning;
            if (reasoning || delta.content) {
              clearTimeout(first);
              first = undefined;
              yielded = true;
            }
            if (reasoning) yield { type: 'reasoning', text: reasoning };
            if (delta.content) yield { type: 'content', text: delta.content };
            if (choice?.finish_reason) finishReason = choice.finish_reason;
            if (chunk.usage)
              usage = {
                promptTokens: chunk.usage.prompt_tokens ?? 0,
                completionTokens: chunk.usage.completion_tokens ?? 0,
              };
          }
          break;
        } catch (error) {
          const failure = this.classify(error, request, controller.signal, timedOut, yielded);
          const wait = Math.min((failure.details.estimatedTimeS ?? 1) * 1000, options.backoffMaxMs);
          if (failure.failure !== 'loading' || yielded || attempt >= options.loadingRetries) throw failure;
          options.log.info(
            { model: request.model, attempt: attempt + 1, waitMs: wait },
            'Model is loading; waiting before trying again',
          );
          await abortableSleep(wait, controller.signal).catch(() => {
            throw this.classify(controller.signal.reason, request, controller.signal, timedOut, yielded);
          });
        }
      }
      if (!finishReason)
        throw new InferenceError('cut', 'The provider stopped sending before the answer was finished.');
      yield { type: 'end', finishReason, usage };
    } finally {
      clearTimeout(total);
      clearTimeout(first);
      request.signal?.removeEventListener('abort', onCallerAbort);
      // Leaving early (Stop, an error in the consumer) must also cancel the upstream request.
      controller.abort();
    }
  }

  /** A whole answer at once (guard verdicts); throws InferenceError like stream(). */
  async complete(request: ChatRequest): Promise<string> {
    let text = '';
    for await (const event of this.stream(request)) if (event.type === 'content') text += event.text;
    return text;
  }

  private args(request: ChatRequest): Parameters<InferenceClient['chatCompletionStream']>[0] {
    const base = {
      model: request.model,
      messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      ...(request.maxTokens !== undefined ? { max_tokens: request.maxTokens } : {}),
    };
    // Passing both an endpoint URL and a provider is an error in the library.
    return this.options.endpointUrl
      ? { ...base, endpointUrl: this.options.endpointUrl }
      : { ...base, provider: request.provider };
  }

  private classify(
    error: unknown,
    request: ChatRequest,
    signal: AbortSignal,
    timedOut: 'first' | 'total' | undefined,
    yielded: boolean,
  ): InferenceError {
    if (error instanceof InferenceError) return error;
    if (timedOut === 'first')
      return new InferenceError('timeout', 'The model did not start answering in time.');
    if (timedOut === 'total') return new InferenceError('timeout', 'The model took too long to answer.');
    if (signal.aborted) return new InferenceError('aborted', 'Stopped.');
    const status =
      error instanceof InferenceClientProviderApiError || error instanceof InferenceClientHubApiError
        ? error.httpResponse.status
        : undefined;
    const body =
      error instanceof InferenceClientProviderApiError ? (error.httpResponse.body as unknown) : undefined;
    if (status === 503) {
      const estimate = (body as { estimated_time?: unknown } | undefined)?.estimated_time;
      return new InferenceError('loading', `${request.model} is still loading.`, {
        status,
        ...(typeof estimate === 'number' ? { estimatedTimeS: estimate } : {}),
      });
    }
    if (status === 429) return new InferenceError('busy', 'The provider is busy.', { status });
    if (
      status === 404 ||
      (error instanceof InferenceClientError && /not been able to find/.test(error.message))
    )
      return new InferenceError('unknown_model', `${request.model} is not available.`, {
        ...(status ? { status } : {}),
      });
    if (yielded) return new InferenceError('cut', 'The connection to the provider broke mid-answer.');
    this.options.log.warn(
      { err: error, model: request.model, provider: request.provider, status },
      'Inference request failed; check the provider status and HF_TOKEN / INFERENCE_ENDPOINT_URL',
    );
    return new InferenceError('provider_error', 'The provider failed to answer.', {
      ...(status ? { status } : {}),
    });
  }
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
