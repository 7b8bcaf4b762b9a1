// Hugging Face Inference Providers mode (no self-hosted endpoint): the router and the Hub's
// provider mapping, both played by the inference emulator behind INFERENCE_ROUTER_URL / HF_ENDPOINT.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  footerOf,
  noticeOf,
  startTryWorld,
  type TryWorld,
  waitForFinal,
} from './support/inference/try-driver.ts';
import { tempDir } from './support/temp.ts';

const GRANITE = 'ibm-granite/granite-3.0-8b-instruct';
const MISTRAL = 'mistralai/Mistral-7B-Instruct-v0.3';

let world: TryWorld;
let shippedCount = 0;
beforeAll(async () => {
  // The shipped catalog plus 40 more models: more than one embed can list.
  const shipped = JSON.parse(readFileSync('data-files/models.json', 'utf8')) as {
    models: Array<Record<string, unknown>>;
  };
  shippedCount = shipped.models.length;
  const extra = Array.from({ length: 40 }, (_, i) => ({
    ...shipped.models[0],
    id: `acme/model-${i}`,
    name: `Acme ${i}`,
    family: 'acme',
  }));
  const catalogPath = join(tempDir('omh-catalog-'), 'models.json');
  writeFileSync(catalogPath, JSON.stringify({ models: [...shipped.models, ...extra] }));
  world = await startTryWorld((inference) => ({
    MODEL_CATALOG_PATH: catalogPath,
    INFERENCE_ENDPOINT_URL: '',
    HF_TOKEN: 'hf_router_test_token',
    INFERENCE_ROUTER_URL: inference.url,
    SHOW_REASONING: 'spoiler',
    INFERENCE_FIRST_TOKEN_TIMEOUT_MS: '1000',
  }));
});
afterAll(() => world.stop());

describe('/try through Hugging Face Inference Providers', () => {
  it('sends the operator token to the auto router and names the provider in the footer', async () => {
    const { discord, guildId, channelId, memberId } = world.hub;
    world.inference.script(GRANITE, { reasoning: 'Short and friendly.', text: 'Hello from the router.' });
    const interaction = discord.command({
      guildId,
      channelId,
      userId: memberId,
      name: 'try',
      options: { model: GRANITE, prompt: 'hi' },
    });
    await waitForFinal(world, interaction.token);
    const message = interaction.original()!;
    expect(message.content).toBe('Hello from the router.');
    expect(footerOf(message)).toMatch(/^Granite 3\.0 8B Instruct · HF Inference Providers \(auto\) · /);
    // SHOW_REASONING=spoiler: the reasoning is shown collapsed, apart from the answer.
    expect(message.embeds[0]).toMatchObject({ title: 'Reasoning', description: '||Short and friendly.||' });
    const request = world.inference.requestsFor(GRANITE).at(-1)!;
    expect(request.path).toBe('/v1/chat/completions');
    expect(request.authorization).toBe('Bearer hf_router_test_token');
    expect(world.hub.logs.text()).not.toContain('hf_router_test_token');
  });

  it('gives up on a first token that does not come, cancels upstream and says so', async () => {
    const held = world.inference.holdFirstToken(MISTRAL);
    const { discord, guildId, channelId, memberId } = world.hub;
    const interaction = discord.command({
      guildId,
      channelId,
      userId: memberId,
      name: 'try',
      options: { model: MISTRAL, prompt: 'hi' },
    });
    await world.inference.waitForAbort(MISTRAL);
    await waitForFinal(world, interaction.token);
    expect(noticeOf(interaction.original()!)).toBe(
      'The model did not start answering within 1 s. Try again later, or try another model.',
    );
    held.release();
  });

  it('/models shows which providers serve each model, from the Hub mapping', async () => {
    world.inference.serveWith(MISTRAL, ['together', 'novita']);
    const { discord, guildId, channelId, memberId } = world.hub;
    const reply = await discord
      .command({ guildId, channelId, userId: memberId, name: 'models', options: { family: 'mistral' } })
      .reply();
    expect(reply.embeds[0].fields[0].value).toContain('✅ served (together, novita)');
    expect(reply.embeds[0].description).toMatch(/HF Inference Providers \(auto\)/);
  });

  it('/models stays within one embed for a long catalog and says how many are left out', async () => {
    const { discord, guildId, channelId, memberId } = world.hub;
    const reply = await discord
      .command({ guildId, channelId, userId: memberId, name: 'models', options: {} })
      .reply();
    const fields = reply.embeds[0].fields as Array<{ name: string; value: string }>;
    expect(fields.length).toBeLessThanOrEqual(25);
    expect(fields.at(-1)!.name).toMatch(/^…and \d+ more$/);
    const shown = fields.length - 1;
    expect(fields.at(-1)!.name).toBe(`…and ${shippedCount + 40 - shown} more`);
  });
});
