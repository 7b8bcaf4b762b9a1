// The one entry point for streaming a chat answer, whatever platform runs the model: picks the
// provider, applies our own first-token and total timeouts, backs off (bounded) while a model
// loads, and sorts failures into what a user can be told. Providers live in their own files.
import type { Logger } from '../log.ts';
import { HuggingFaceProvider, SelfHostedProvider } from './hf-providers.ts';
import {
  type ChatMessage,
  type ChatProvider,
  PROVIDER_NAMES,
  type ProviderFault,
  type ProviderName,
} from './provider.ts';
import type { ProviderChoice } from './providers.ts';
import { WatsonxProvider, type WatsonxSettings } from './watsonx.ts';

export type { ChatMessage } from './provider.ts';

export interface ChatRequest {
  /** The model's id on the provider that runs it. */
  model: string;
  /** The Hugging Face Inference Provider (read only when Hugging Face runs it). */
  provider: ProviderChoice;
  /** Which platform runs it; the first configured one when absent. */
  via?: ProviderName | undefined;
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
  | 'auth'
  | 'provider_error';

export class InferenceError extends Error {
  override name = 'InferenceError';
  constructor(
    readonly failure: InferenceFailure,
    message: string,
    readonly details: { estimatedTimeS?: number; status?: number; provider?: ProviderName } = {},
  ) {
    super(message);
  }
}

export interface InferenceOptions {
  hfToken: string | undefined;
  /** A self-hosted OpenAI-compatible server. */
  endpointUrl: string | undefined;
  routerUrl: string;
  hubUrl: string;
  /** IBM watsonx.ai, when configured. */
  watsonx?: WatsonxSettings | undefined;
  /** Which configured platform is tried first (PROVIDER_ORDER). */
  providerOrder?: readonly ProviderName[] | undefined;
  timeoutMs: number;
  firstTokenTimeoutMs: number;
  loadingRetries: number;
  backoffMaxMs: number;
  log: Logger;
}

export class InferenceGateway {
  private readonly byName = new Map<ProviderName, ChatProvider>();
  /** Configured providers, in the operator's order. */
  readonly order: ProviderName[];

  constructor(private readonly options: InferenceOptions) {
    if (options.endpointUrl)
      this.byName.set('self-hosted', new SelfHostedProvider(options.endpointUrl, options.hfToken));
    if (options.watsonx) this.byName.set('watsonx', new WatsonxProvider(options.watsonx, options.log));
    if (options.hfToken)
      this.byName.set(
        'huggingface',
        new HuggingFaceProvider(options.hfToken, options.routerUrl, options.hubUrl),
      );
    // An operator who names the order also chooses which of the configured ones /try may use
    // (HF_TOKEN may be set for the Hub alone).
    this.order = (options.providerOrder ?? PROVIDER_NAMES).filter((n) => this.byName.has(n));
  }

  has(name: ProviderName): boolean {
    return this.byName.has(name);
  }

  provider(name: ProviderName): ChatProvider | undefined {
    return this.byName.get(name);
  }

  /** How the footer names where an answer came from. */
  providerLabel(hfProvider: ProviderChoice, via?: ProviderName): string {
    const provider = this.byName.get(via ?? this.order[0]!);
    return provider ? provider.label(hfProvider) : 'no provider configured';
  }

  /**
   * Streams one chat completion. Ends with an `end` event when the model finished; throws an
   * InferenceError otherwise (after any content already yielded, which the caller keeps).
   */
  async *stream(request: ChatRequest): AsyncGenerator<StreamEvent> {
    const { options } = this;
    const name = request.via ?? this.order[0];
    const provider = name ? this.byName.get(name) : undefined;
    if (!provider)
      throw new InferenceError(
        'not_configured',
        name
          ? `${name} is not configured on this bot.`
          : 'No inference provider is configured: set HF_TOKEN (a Hugging Face token), INFERENCE_ENDPOINT_URL or WATSONX_AI_APIKEY.',
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
    let first: NodeJS.Timeout | undefined;
    let yielded = false;
    let finishReason: string | undefined;
    let usage: { promptTokens: number; completionTokens: number } | undefined;
    const upstream = {
      model: request.model,
      hfProvider: request.provider,
      messages: request.messages,
      temperature: request.temperature,
      maxTokens: request.maxTokens,
    };
    try {
      for (let attempt = 0; ; attempt++) {
        // Armed per attempt: the first-token timer measures a model that runs, not one that loads.
        if (!yielded)
          first = setTimeout(() => {
            timedOut ??= 'first';
            controller.abort();
          }, options.firstTokenTimeoutMs);
        try {
          for await (const event of provider.attempt(upstream, controller.signal)) {
            if (event.type === 'finish') finishReason = event.finishReason;
            else if (event.type === 'usage')
              usage = { promptTokens: event.promptTokens, completionTokens: event.completionTokens };
            else {
              clearTimeout(first);
              yielded = true;
              yield event;
            }
          }
          break;
        } catch (error) {
          clearTimeout(first);
          const failure = this.classify(error, provider, request, controller.signal, timedOut, yielded);
          const wait = Math.min((failure.details.estimatedTimeS ?? 1) * 1000, options.backoffMaxMs);
          if (failure.failure !== 'loading' || yielded || attempt >= options.loadingRetries) throw failure;
          options.log.info(
            { model: request.model, provider: provider.name, attempt: attempt + 1, waitMs: wait },
            'Model is loading; waiting before trying again',
          );
          await abortableSleep(wait, controller.signal).catch(() => {
            throw this.classify(
              controller.signal.reason,
              provider,
              request,
              controller.signal,
              timedOut,
              yielded,
            );
          });
        }
      }
      if (!finishReason)
        throw new InferenceError('cut', 'The provider stopped sending before the answer was finished.', {
          provider: provider.name,
        });
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

  private classify(
    error: unknown,
    provider: ChatProvider,
    request: ChatRequest,
    signal: AbortSignal,
    timedOut: 'first' | 'total' | undefined,
    yielded: boolean,
  ): InferenceError {
    if (error instanceof InferenceError) return error;
    const via = { provider: provider.name };
    if (timedOut === 'first')
      return new InferenceError('timeout', 'The model did not start answering in time.', via);
    if (timedOut === 'total') return new InferenceError('timeout', 'The model took too long to answer.', via);
    if (signal.aborted) return new InferenceError('aborted', 'Stopped.', via);
    const fault = provider.fault(error);
    const status = fault?.status;
    const details = { ...via, ...(status ? { status } : {}) };
    switch (fault?.failure) {
      case 'loading':
        return new InferenceError('loading', `${request.model} is still loading.`, {
          ...details,
          ...(fault.estimatedTimeS !== undefined ? { estimatedTimeS: fault.estimatedTimeS } : {}),
        });
      case 'busy':
        return new InferenceError('busy', 'The provider is busy.', details);
      case 'unknown_model':
        return new InferenceError('unknown_model', `${request.model} is not available.`, details);
    }
    if (yielded && fault?.failure !== 'auth')
      return new InferenceError('cut', 'The connection to the provider broke mid-answer.', via);
    this.logFailure(error, fault, provider, request);
    return fault?.failure === 'auth'
      ? new InferenceError('auth', 'The provider refused the bot’s credentials.', details)
      : new InferenceError('provider_error', 'The provider failed to answer.', details);
  }

  /** Sizes and ids only: the request body holds the member's prompt, which never goes to a log. */
  private logFailure(
    error: unknown,
    fault: ProviderFault | undefined,
    provider: ChatProvider,
    request: ChatRequest,
  ): void {
    const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
    this.options.log.warn(
      {
        provider: provider.name,
        model: request.model,
        ...(request.via === 'huggingface' || (!request.via && provider.name === 'huggingface')
          ? { hfProvider: request.provider }
          : {}),
        status: fault?.status,
        requestId: fault?.requestId,
        errorName: error instanceof Error ? error.name : typeof error,
        ...(typeof cause === 'string' ? { cause } : {}),
        messages: request.messages.length,
        promptChars: request.messages.reduce((n, m) => n + m.content.length, 0),
        images: request.messages.reduce((n, m) => n + (m.images?.length ?? 0), 0),
      },
      `Inference request failed; ${fault?.hint ?? hintFor(provider.name)}`,
    );
  }
}

function hintFor(name: ProviderName): string {
  switch (name) {
    case 'self-hosted':
      return 'check that the server at INFERENCE_ENDPOINT_URL is up';
    case 'watsonx':
      return 'check the watsonx.ai status page and WATSONX_AI_URL';
    case 'huggingface':
      return 'check the provider status and HF_TOKEN';
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
