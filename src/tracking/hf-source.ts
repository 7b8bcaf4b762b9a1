// Reads the newest models of a Hugging Face organisation with @huggingface/hub.
import { listModels } from '@huggingface/hub';
import type { TrackedItem } from './store.ts';

export interface HubSource {
  /** Newest models first. */
  latestModels(org: string, limit: number): Promise<TrackedItem[]>;
  /** The organisation's (or user's) name as the Hub spells it, or null when unknown. */
  findOwner(name: string): Promise<string | null>;
}

export function createHubSource(options: {
  hubUrl: string;
  token?: string | undefined;
  timeoutMs?: number;
}): HubSource {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const timedFetch: typeof fetch = (input, init) =>
    fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  const auth: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
  return {
    async latestModels(org, limit) {
      const items: TrackedItem[] = [];
      for await (const model of listModels({
        hubUrl: options.hubUrl,
        search: { owner: org },
        sort: 'createdAt',
        limit,
        additionalFields: ['library_name', 'createdAt', 'tags'],
        fetch: timedFetch,
        ...(options.token ? { accessToken: options.token } : {}),
      })) {
        if (model.private) continue;
        const tags = model.tags ?? [];
        const license = tags.find((t) => t.startsWith('license:'))?.slice('license:'.length);
        items.push({
          externalId: model.name,
          title: model.name,
          url: `${options.hubUrl}/${model.name}`,
          author: org,
          body: null,
          prerelease: false,
          labels: [],
          details: {
            ...(model.task ? { pipeline: model.task } : {}),
            ...(model.library_name ? { library: model.library_name } : {}),
            ...(license ? { license } : {}),
            ...(model.gated ? { gated: String(model.gated) } : {}),
          },
          publishedAt: new Date(model.createdAt ?? model.updatedAt).toISOString(),
        });
      }
      return items;
    },
    async findOwner(name) {
      for (const kind of ['organizations', 'users']) {
        const response = await timedFetch(
          `${options.hubUrl}/api/${kind}/${encodeURIComponent(name)}/overview`,
          { headers: { accept: 'application/json', ...auth } },
        );
        if (response.ok) {
          const data = (await response.json()) as { name?: string };
          return data.name ?? name;
        }
        if (response.status !== 404 && response.status !== 401)
          throw new Error(`Hugging Face Hub answered ${response.status} for ${kind}/${name}`);
      }
      return null;
    },
  };
}
