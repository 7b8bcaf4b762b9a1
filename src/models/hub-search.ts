// Hugging Face Hub lookups for autocomplete and /models: cached and bounded in time, because
// Discord gives autocomplete 3 seconds and /models lists several models at once.
import { listModels } from '@huggingface/hub';
import type { Logger } from '../log.ts';

const TTL_MS = 10 * 60_000;
const MAX_ENTRIES = 500;

export interface HubSearchOptions {
  hubUrl: string;
  hfToken: string | undefined;
  endpointUrl: string | undefined;
  log: Logger;
  timeoutMs?: number;
}

export type Availability =
  | { servable: true; providers: string[] }
  | { servable: false }
  | { servable: 'unknown' };

class TtlCache<T> {
  private readonly entries = new Map<string, { at: number; value: T }>();
  get(key: string): T | undefined {
    const hit = this.entries.get(key);
    if (!hit || performance.now() - hit.at > TTL_MS) return undefined;
    return hit.value;
  }
  set(key: string, value: T): void {
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { at: performance.now(), value });
  }
}

export class HubSearch {
  private readonly searches = new TtlCache<string[]>();
  private readonly availability = new TtlCache<Availability>();
  private readonly timeoutMs: number;

  constructor(private readonly options: HubSearchOptions) {
    this.timeoutMs = options.timeoutMs ?? 1500;
  }

  /** Text-generation models whose id contains `query`, most downloaded first; [] when the Hub is slow. */
  async textGenerationModels(query: string, limit = 20): Promise<string[]> {
    const key = query.trim().toLowerCase();
    if (key.length < 2) return [];
    const cached = this.searches.get(key);
    if (cached) return cached;
    const ids: string[] = [];
    try {
      const signal = AbortSignal.timeout(this.timeoutMs);
      for await (const model of listModels({
        search: { query: key, task: 'text-generation' },
        hubUrl: this.options.hubUrl,
        limit,
        sort: 'downloads',
        ...(this.options.hfToken ? { accessToken: this.options.hfToken } : {}),
        fetch: (input, init) => fetch(input, { ...init, signal }),
      }))
        ids.push(model.name);
    } catch (error) {
      this.options.log.debug(
        { errorName: (error as Error).name, query: key },
        'Hub model search failed or was slow',
      );
      return ids;
    }
    this.searches.set(key, ids);
    return ids;
  }

  /** Whether the configured provider can serve `modelId` (Hub provider mapping, or the endpoint's model list). */
  async servable(modelId: string, source?: 'endpoint' | 'hub'): Promise<Availability> {
    const from = source ?? (this.options.endpointUrl ? 'endpoint' : 'hub');
    const key = `${from}:${modelId}`;
    const cached = this.availability.get(key);
    if (cached) return cached;
    let result: Availability = { servable: 'unknown' };
    try {
      const signal = AbortSignal.timeout(this.timeoutMs);
      if (from === 'endpoint' && this.options.endpointUrl) {
        const res = await fetch(`${this.options.endpointUrl}/models`, { signal, headers: this.auth() });
        if (res.ok) {
          const body = (await res.json()) as { data?: Array<{ id: string }> };
          const ids = (body.data ?? []).map((m) => m.id.toLowerCase());
          result = ids.includes(modelId.toLowerCase())
            ? { servable: true, providers: ['endpoint'] }
            : { servable: false };
        }
      } else {
        const res = await fetch(
          `${this.options.hubUrl}/api/models/${modelId}?expand[]=inferenceProviderMapping`,
          { signal, headers: this.auth() },
        );
        if (res.status === 404) result = { servable: false };
        else if (res.ok) {
          const body = (await res.json()) as {
            inferenceProviderMapping?:
              | Record<string, { status?: string }>
              | Array<{ provider: string; status?: string }>;
          };
          const mapping = body.inferenceProviderMapping ?? {};
          const providers = Array.isArray(mapping)
            ? mapping.filter((m) => m.status !== 'staging').map((m) => m.provider)
            : Object.entries(mapping)
                .filter(([, m]) => m.status !== 'staging')
                .map(([p]) => p);
          result = providers.length ? { servable: true, providers } : { servable: false };
        }
      }
    } catch (error) {
      this.options.log.debug(
        { errorName: (error as Error).name, modelId },
        'Could not check whether a model is servable',
      );
      return result;
    }
    this.availability.set(key, result);
    return result;
  }

  private auth(): Record<string, string> {
    return this.options.hfToken ? { authorization: `Bearer ${this.options.hfToken}` } : {};
  }
}
