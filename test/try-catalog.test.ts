import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { INFERENCE_PROVIDERS } from '@huggingface/inference';
import { describe, expect, it } from 'vitest';
import { ModelCatalog, servedIds } from '../src/models/catalog.ts';
import { PINNED_PROVIDERS } from '../src/models/providers.ts';
import { tempDir } from './support/temp.ts';

describe('model catalog', () => {
  it('ships Granite 3.0 2B and 8B, a Granite Guardian, Llama 3.x 8B and Mistral 7B', () => {
    const catalog = ModelCatalog.load('data-files/models.json');
    const ids = catalog.models.map((m) => m.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'ibm-granite/granite-3.0-2b-instruct',
        'ibm-granite/granite-3.0-8b-instruct',
        'meta-llama/Llama-3.1-8B-Instruct',
        'mistralai/Mistral-7B-Instruct-v0.3',
      ]),
    );
    expect(catalog.models.some((m) => m.role === 'guard' && m.id.includes('granite-guardian'))).toBe(true);
    expect(catalog.chatModels().every((m) => m.role === 'chat')).toBe(true);
    expect(catalog.chatModels('GRANITE').map((m) => m.family)).toEqual([
      'granite',
      'granite',
      'granite',
      'granite',
    ]);
  });

  it('names the id on each platform, and ships vision models that each platform serves', () => {
    const catalog = ModelCatalog.load('data-files/models.json');
    expect(servedIds(catalog.find('ibm-granite/granite-3.0-8b-instruct')!)).toEqual({
      'self-hosted': 'ibm-granite/granite-3.0-8b-instruct',
      huggingface: 'ibm-granite/granite-3.0-8b-instruct',
      watsonx: 'ibm/granite-3-8b-instruct',
    });
    // Without ids: Hugging Face and self-hosted under the Hub id, not watsonx.ai.
    expect(servedIds(catalog.find('mistralai/Mistral-7B-Instruct-v0.3')!)).toEqual({
      'self-hosted': 'mistralai/Mistral-7B-Instruct-v0.3',
      huggingface: 'mistralai/Mistral-7B-Instruct-v0.3',
    });
    expect(catalog.visionModels().map((m) => m.name)).toEqual([
      'Granite Vision 3.2 2B',
      'Llama 3.2 11B Vision Instruct',
      'Pixtral 12B',
    ]);
    for (const m of catalog.visionModels()) expect(servedIds(m).watsonx).toBeDefined();
  });

  it('names the file and the entry when the catalog is invalid', () => {
    const path = join(tempDir('omh-cat-'), 'models.json');
    writeFileSync(path, JSON.stringify({ models: [{ id: 'not an id', name: 'x' }] }));
    expect(() => ModelCatalog.load(path)).toThrow(
      /models\.json is invalid:\nmodels\.0\.id: must be a Hugging Face model id/,
    );
  });

  it('accepts only providers the installed @huggingface/inference still knows', () => {
    for (const provider of PINNED_PROVIDERS) expect(INFERENCE_PROVIDERS).toContain(provider);
  });
});
