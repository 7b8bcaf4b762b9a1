import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INFERENCE_PROVIDERS } from '@huggingface/inference';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.ts';
import { migrate } from '../src/db/migrate.ts';
import { openDatabase } from '../src/db/open.ts';
import { ModelCatalog } from '../src/models/catalog.ts';
import { PINNED_PROVIDERS } from '../src/models/providers.ts';
import { ModelRunStore } from '../src/models/runs.ts';

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
    expect(catalog.chatModels('GRANITE').map((m) => m.family)).toEqual(['granite', 'granite', 'granite']);
  });

  it('names the file and the entry when the catalog is invalid', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'omh-cat-')), 'models.json');
    writeFileSync(path, JSON.stringify({ models: [{ id: 'not an id', name: 'x' }] }));
    expect(() => ModelCatalog.load(path)).toThrow(
      /models\.json is invalid:\nmodels\.0\.id: must be a Hugging Face model id/,
    );
  });

  it('accepts only providers the installed @huggingface/inference still knows', () => {
    for (const provider of PINNED_PROVIDERS) expect(INFERENCE_PROVIDERS).toContain(provider);
  });
});

describe('model_runs after a crash', () => {
  it('closes runs a stopped process left running, so they stop looking in progress', () => {
    const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'omh-runs-')), 'hub.sqlite'));
    migrate(db);
    const store = new ModelRunStore(db, new ManualClock('2026-11-23T09:00:00Z'));
    const limits = { userDailyRequests: 0, userDailyTokens: 0, guildDailyRequests: 0, guildDailyTokens: 0 };
    const start = {
      guildId: 'g',
      channelId: 'c',
      userId: 'u',
      model: 'm/x',
      provider: 'auto',
      kind: 'try' as const,
      tokensIn: 3,
    };
    const [running] = store.begin([start], limits, 0);
    const [done] = store.begin([start], limits, 0);
    store.finish(done!, { outcome: 'ok', durationMs: 10, tokensOut: 5 });
    expect(store.closeInterrupted()).toBe(1);
    expect(store.get(running!)).toMatchObject({
      outcome: 'error',
      error: 'interrupted: the bot stopped during the answer',
    });
    expect(store.get(done!)).toMatchObject({ outcome: 'ok' });
    db.close();
  });
});
