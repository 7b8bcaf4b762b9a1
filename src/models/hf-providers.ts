// Hugging Face Inference Providers and self-hosted OpenAI-compatible servers (TGI, vLLM,
// llama.cpp, Ollama): both spoken through @huggingface/inference, which streams chat
// completions from the router or from any endpoint URL.
import {
  InferenceClient,
  InferenceClientError,
  InferenceClientHubApiError,
  InferenceClientProviderApiError,
} from '@huggingface/inference';
import {
  type ChatProvider,
  type ProviderEvent,
  type ProviderFault,
  type ProviderRequest,
  wireContent,
} from './provider.ts';
import type { ProviderChoice } from './providers.ts';

const HF_ROUTER_URL = 'https://router.huggingface.co';
const HF_HUB_URL = 'https://huggingface.co';

interface Delta {
  content?: string | null;
  reasoning_content?: string | null;
  reasoning?: string | null;
}

abstract class HfClientProvider {
  protected readonly client: InferenceClient;
  protected fetch: typeof fetch | undefined;

  constructor(token: string | undefined) {
    this.client = new InferenceClient(token ?? '');
  }

  protected abstract args(request: ProviderRequest): Parameters<InferenceClient['chatCompletionStream']>[0];

  async *attempt(request: ProviderRequest, signal: AbortSignal): AsyncGenerator<ProviderEvent> {
    for await (const chunk of this.client.chatCompletionStream(this.args(request), {
      retry_on_error: false,
      signal,
      ...(this.fetch ? { fetch: this.fetch } : {}),
    })) {
      const choice = chunk.choices?.[0];
      const delta = (choice?.delta ?? {}) as Delta;
      const reasoning = delta.reasoning_content ?? delta.reasoning;
      if (reasoning) yield { type: 'reasoning', text: reasoning };
      if (delta.content) yield { type: 'content', text: delta.content };
      if (choice?.finish_reason) yield { type: 'finish', finishReason: choice.finish_reason };
      if (chunk.usage)
        yield {
          type: 'usage',
          promptTokens: chunk.usage.prompt_tokens ?? 0,
          completionTokens: chunk.usage.completion_tokens ?? 0,
        };
    }
  }

  fault(error: unknown): ProviderFault | undefined {
    const status =
      error instanceof InferenceClientProviderApiError || error instanceof InferenceClientHubApiError
        ? error.httpResponse.status
        : undefined;
    const requestId =
      error instanceof InferenceClientProviderApiError || error instanceof InferenceClientHubApiError
        ? (error.httpResponse.requestId ?? undefined)
        : undefined;
    const body =
      error instanceof InferenceClientProviderApiError ? (error.httpResponse.body as unknown) : undefined;
    if (status === 503) {
      const estimate = (body as { estimated_time?: unknown } | undefined)?.estimated_time;
      return {
        failure: 'loading',
        status,
        requestId,
        ...(typeof estimate === 'number' ? { estimatedTimeS: estimate } : {}),
      };
    }
    if (status === 429) return { failure: 'busy', status, requestId };
    if (
      status === 404 ||
      (error instanceof InferenceClientError && /not been able to find/.test(error.message))
    )
      return { failure: 'unknown_model', status, requestId };
    if (status === 401 || status === 403)
      return { failure: 'auth', status, requestId, hint: this.authHint() };
    if (status !== undefined) return { failure: 'provider_error', status, requestId };
    return undefined;
  }

  protected abstract authHint(): string;
}

export class HuggingFaceProvider extends HfClientProvider implements ChatProvider {
  readonly name = 'huggingface' as const;

  constructor(token: string, routerUrl: string, hubUrl: string) {
    super(token);
    // The library has no base-URL option for the router or the Hub mapping lookup; its
    // documented `fetch` option is how a proxy (or the test emulator) stands in for them.
    const rewrites: Array<[string, string]> = [];
    if (routerUrl !== HF_ROUTER_URL) rewrites.push([HF_ROUTER_URL, routerUrl]);
    if (hubUrl !== HF_HUB_URL) rewrites.push([HF_HUB_URL, hubUrl]);
    this.fetch =
      rewrites.length === 0
        ? undefined
        : (input, init) => {
            let url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
            for (const [from, to] of rewrites) if (url.startsWith(from)) url = to + url.slice(from.length);
            return fetch(url, init);
          };
  }

  label(hfProvider: ProviderChoice): string {
    return hfProvider === 'auto' ? 'HF Inference Providers (auto)' : `HF Inference Providers (${hfProvider})`;
  }

  protected args(request: ProviderRequest) {
    return { ...body(request), provider: request.hfProvider };
  }

  protected authHint(): string {
    return 'check that HF_TOKEN is valid and may "Make calls to Inference Providers"';
  }
}

export class SelfHostedProvider extends HfClientProvider implements ChatProvider {
  readonly name = 'self-hosted' as const;

  constructor(
    readonly endpointUrl: string,
    token: string | undefined,
  ) {
    super(token);
  }

  label(): string {
    return `self-hosted (${new URL(this.endpointUrl).host})`;
  }

  // Passing both an endpoint URL and a provider is an error in the library.
  protected args(request: ProviderRequest) {
    return { ...body(request), endpointUrl: this.endpointUrl };
  }

  protected authHint(): string {
    return 'check what INFERENCE_ENDPOINT_URL expects as a key (HF_TOKEN is sent as the bearer token)';
  }
}

function body(request: ProviderRequest) {
  return {
    model: request.model,
    messages: request.messages.map((m) => ({ role: m.role, content: wireContent(m) })),
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...(request.maxTokens !== undefined ? { max_tokens: request.maxTokens } : {}),
  } as Parameters<InferenceClient['chatCompletionStream']>[0];
}
