// The Hub emulator answers @huggingface/hub's own listModels the way huggingface.co does.
import { listModels } from '@huggingface/hub';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { HubEmulator } from './support/hf-hub/emulator.ts';

let hub: HubEmulator;
beforeAll(async () => {
  hub = await HubEmulator.start();
  for (let i = 0; i < 5; i++)
    hub.addModel('ibm-granite', {
      name: `granite-${i}`,
      pipelineTag: 'text-generation',
      library: 'transformers',
      license: 'apache-2.0',
      createdAt: new Date(Date.UTC(2026, 0, 1 + i)),
    });
  hub.addModel('mistralai', { name: 'mistral-small', pipelineTag: 'text-generation' });
});
afterAll(() => hub.stop());

it('lists an author’s models newest first, following Link pagination, with expanded fields', async () => {
  const seen: Array<{ name: string; task?: string; library_name?: string; createdAt?: string }> = [];
  for await (const m of listModels({
    hubUrl: hub.hubUrl,
    search: { owner: 'ibm-granite' },
    sort: 'createdAt',
    additionalFields: ['library_name', 'createdAt', 'cardData'],
    fetch: (url, init) => fetch(String(url).replace('limit=500', 'limit=2'), init),
  }))
    seen.push(m);
  expect(seen.map((m) => m.name)).toEqual([4, 3, 2, 1, 0].map((i) => `ibm-granite/granite-${i}`));
  expect(seen[0]).toMatchObject({ task: 'text-generation', library_name: 'transformers' });
  expect(hub.requestLog.filter((r) => r.path === '/api/models')).toHaveLength(3);
});

it('knows which organisations exist', async () => {
  expect((await fetch(`${hub.hubUrl}/api/organizations/mistralai/overview`)).status).toBe(200);
  expect((await fetch(`${hub.hubUrl}/api/organizations/no-such-org/overview`)).status).toBe(404);
});
