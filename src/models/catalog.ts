// The curated model list shipped with the bot (operator-editable JSON, path in MODEL_CATALOG_PATH).
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { ProviderName } from './provider.ts';
import { PINNED_PROVIDERS, type ProviderChoice } from './providers.ts';

const entrySchema = z.object({
  id: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'must be a Hugging Face model id such as owner/name'),
  name: z.string().min(1).max(80),
  family: z.string().min(1).max(40),
  sizeB: z.number().positive(),
  contextLength: z.number().int().positive(),
  licence: z.string().min(1),
  goodAt: z.string().min(1).max(200),
  provider: z.enum(['auto', ...PINNED_PROVIDERS]).default('auto'),
  /** Guard models screen; they are not offered to /try. */
  role: z.enum(['chat', 'guard']).default('chat'),
  /**
   * The model's id on each platform that serves it. Without it, Hugging Face and a self-hosted
   * server serve it under `id`; with it, Hugging Face only when named here (self-hosted always:
   * the server's own /v1/models list is what tells).
   */
  ids: z
    .object({
      huggingface: z.string().min(1).max(120).optional(),
      watsonx: z.string().min(1).max(120).optional(),
      'self-hosted': z.string().min(1).max(120).optional(),
    })
    .strict()
    .optional(),
  /** Takes images (`/try image:`). */
  vision: z.boolean().default(false),
});

export type CatalogModel = z.output<typeof entrySchema>;

const fileSchema = z.object({ models: z.array(entrySchema).min(1) });

export class CatalogError extends Error {
  override name = 'CatalogError';
}

export class ModelCatalog {
  private readonly byId = new Map<string, CatalogModel>();

  constructor(readonly models: readonly CatalogModel[]) {
    for (const m of models) this.byId.set(m.id.toLowerCase(), m);
  }

  /** Reads and validates the file; its errors name the file and the entry to fix. */
  static load(path: string): ModelCatalog {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new CatalogError(
        `Could not read the model catalog ${path} (MODEL_CATALOG_PATH): ${(error as Error).message}`,
      );
    }
    const parsed = fileSchema.safeParse(raw);
    if (!parsed.success) {
      const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
      throw new CatalogError(`The model catalog ${path} is invalid:\n${lines.join('\n')}`);
    }
    return new ModelCatalog(parsed.data.models);
  }

  find(id: string): CatalogModel | undefined {
    return this.byId.get(id.toLowerCase());
  }

  /** Chat models (not guards), optionally of one family. */
  chatModels(family?: string): CatalogModel[] {
    return this.models.filter(
      (m) => m.role === 'chat' && (!family || m.family.toLowerCase() === family.toLowerCase()),
    );
  }

  /** Chat models that take images. */
  visionModels(): CatalogModel[] {
    return this.chatModels().filter((m) => m.vision);
  }

  families(): string[] {
    return [...new Set(this.models.map((m) => m.family))];
  }

  /** What to use for a model outside the catalog (a Hub model picked in autocomplete). */
  static adHoc(id: string): CatalogModel {
    return {
      id,
      name: id,
      family: id.split('/')[0] ?? id,
      sizeB: 0,
      contextLength: 8192,
      licence: 'see the model card',
      goodAt: '',
      provider: 'auto' as ProviderChoice,
      role: 'chat',
      vision: false,
    };
  }
}

/** The id under which each platform serves a model (see `ids`). */
export function servedIds(model: CatalogModel): Partial<Record<ProviderName, string>> {
  if (!model.ids) return { 'self-hosted': model.id, huggingface: model.id };
  return {
    'self-hosted': model.ids['self-hosted'] ?? model.id,
    ...(model.ids.watsonx ? { watsonx: model.ids.watsonx } : {}),
    ...(model.ids.huggingface ? { huggingface: model.ids.huggingface } : {}),
  };
}
