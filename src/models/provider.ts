// The one shape every inference platform takes (Hugging Face Inference Providers, a self-hosted
// OpenAI-compatible server, IBM watsonx.ai), so /try, /compare, threads and the guard never know
// which one runs. Timeouts, back-off and the sorting of failures live once, in inference.ts.
import type { ProviderChoice } from './providers.ts';

/** The platforms an operator can configure, by the names PROVIDER_ORDER and `/try provider:` use. */
export const PROVIDER_NAMES = ['self-hosted', 'watsonx', 'huggingface'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

export function isProviderName(value: string): value is ProviderName {
  return (PROVIDER_NAMES as readonly string[]).includes(value);
}

/** How members and /models name each platform. */
export const PROVIDER_TITLES: Record<ProviderName, string> = {
  'self-hosted': 'self-hosted',
  watsonx: 'IBM watsonx.ai',
  huggingface: 'Hugging Face',
};

/** An image, sent as an OpenAI-style content part (a base64 data URL). */
export interface ImagePart {
  type: 'image_url';
  image_url: { url: string };
}
export type ContentPart = { type: 'text'; text: string } | ImagePart;

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
  /** Images that go with this message (vision models); the text stays in `content`. */
  images?: ImagePart[] | undefined;
}

/** What a message looks like on the wire: plain text, or text and images as content parts. */
export function wireContent(message: ChatMessage): string | ContentPart[] {
  if (!message.images?.length) return message.content;
  return [{ type: 'text', text: message.content }, ...message.images];
}

export interface ProviderRequest {
  /** The model's id on this platform (catalog `ids`, else the Hugging Face id). */
  model: string;
  /** Which Hugging Face Inference Provider (only the huggingface platform reads it). */
  hfProvider: ProviderChoice;
  messages: ChatMessage[];
  temperature?: number | undefined;
  maxTokens?: number | undefined;
}

export type ProviderEvent =
  | { type: 'content'; text: string }
  | { type: 'reasoning'; text: string }
  | { type: 'finish'; finishReason: string }
  | { type: 'usage'; promptTokens: number; completionTokens: number };

/** What went wrong upstream, as far as the platform's answer tells it. */
export interface ProviderFault {
  failure: 'loading' | 'busy' | 'unknown_model' | 'auth' | 'provider_error';
  status?: number | undefined;
  estimatedTimeS?: number | undefined;
  /** A request id the platform gave, for the operator's log line. */
  requestId?: string | undefined;
  /** For the operator (never the prompt or the answer): what to check. */
  hint?: string | undefined;
}

export interface ChatProvider {
  readonly name: ProviderName;
  /** How the footer names it, e.g. "self-hosted (gpu-box:8000)". */
  label(hfProvider: ProviderChoice): string;
  /**
   * One request upstream: events as they arrive. Throws on failure; `fault()` then tells what
   * kind. Must stop promptly, quietly, when `signal` aborts.
   */
  attempt(request: ProviderRequest, signal: AbortSignal): AsyncGenerator<ProviderEvent>;
  /** Sorts an error thrown by attempt(); undefined when it is not an answer from the platform. */
  fault(error: unknown): ProviderFault | undefined;
}
