// Several providers at once: self-hosted, IBM watsonx.ai and Hugging Face, in the operator's
// order unless the member picks one with `provider:`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { footerOf, type MultiWorld, startMultiWorld, waitForFinal } from './support/inference/try-driver.ts';
import { get } from './support/sql.ts';

const GRANITE = 'ibm-granite/granite-3.0-8b-instruct';
const WX_GRANITE = 'ibm/granite-3-8b-instruct';
const MISTRAL = 'mistralai/Mistral-7B-Instruct-v0.3';

let world: MultiWorld;
beforeAll(async () => {
  world = await startMultiWorld({ env: { PROVIDER_ORDER: 'watsonx,huggingface,self-hosted' } });
});
afterAll(() => world.stop());

function runTry(options: Record<string, string | number | boolean>) {
  const { guildId, channelId, memberId } = world.hub;
  return world.hub.discord.command({ guildId, channelId, userId: memberId, name: 'try', options });
}

describe('several providers', () => {
  it('uses the first provider in PROVIDER_ORDER that serves the model, and the footer names it', async () => {
    world.watsonx.script(WX_GRANITE, 'From watsonx.');
    const interaction = runTry({ model: GRANITE, prompt: 'hi' });
    await waitForFinal(world, interaction.token);
    expect(interaction.original()!.content).toBe('From watsonx.');
    expect(footerOf(interaction.original()!)).toMatch(/ · IBM watsonx\.ai \(/);
  });

  it('skips a provider that does not serve the model', async () => {
    // Mistral has no watsonx.ai id: Hugging Face is next in the order.
    world.inference.script(MISTRAL, 'From the router.');
    const interaction = runTry({ model: MISTRAL, prompt: 'hi' });
    await waitForFinal(world, interaction.token);
    expect(footerOf(interaction.original()!)).toMatch(/ · HF Inference Providers \(auto\) · /);
    expect(world.inference.requestsFor(MISTRAL).at(-1)!.authorization).toBe('Bearer hf_multi_test_token');
  });

  it.each([
    ['huggingface', /HF Inference Providers/],
    ['self-hosted', /self-hosted \(127\.0\.0\.1:\d+\)/],
    ['watsonx', /IBM watsonx\.ai/],
  ])('routes to provider:%s when the member picks it', async (provider, footer) => {
    if (provider === 'watsonx') world.watsonx.script(WX_GRANITE, `Answer via ${provider}.`);
    else world.inference.script(GRANITE, `Answer via ${provider}.`);
    const interaction = runTry({ model: GRANITE, prompt: 'which?', provider });
    await waitForFinal(world, interaction.token);
    expect(interaction.original()!.content).toBe(`Answer via ${provider}.`);
    expect(footerOf(interaction.original()!)).toMatch(footer);
    const row = await get(world.hub.hub, 'SELECT provider FROM model_runs ORDER BY id DESC LIMIT 1');
    expect(row).toEqual({ provider });
  });

  it('refuses a provider that does not serve the model, or an unknown name, privately', async () => {
    const notServed = await runTry({ model: MISTRAL, prompt: 'hi', provider: 'watsonx' }).reply();
    expect(notServed.flags & 64).toBe(64);
    expect(notServed.content).toBe('Mistral 7B Instruct v0.3 is not served by IBM watsonx.ai. See /models.');
    const unknown = await runTry({ model: MISTRAL, prompt: 'hi', provider: 'openai' }).reply();
    expect(unknown.content).toMatch(/is not a provider\. Pick one of: self-hosted, watsonx, huggingface/);
  });

  it('autocompletes provider: with the configured providers that serve the model, in order', async () => {
    const { discord, guildId, channelId, memberId } = world.hub;
    const choices = (model: string) =>
      discord
        .autocomplete({
          guildId,
          channelId,
          userId: memberId,
          name: 'try',
          options: { model, prompt: 'x', provider: '' },
          focused: 'provider',
        })
        .autocompleteChoices();
    expect((await choices(GRANITE)).map((c) => c.value)).toEqual(['watsonx', 'huggingface', 'self-hosted']);
    expect((await choices(MISTRAL)).map((c) => c.value)).toEqual(['huggingface', 'self-hosted']);
  });

  it('/models shows which configured provider serves each model', async () => {
    world.inference.answerAlways(GRANITE, 'Served.').serveWith(GRANITE, ['hf-inference']);
    const { discord, guildId, channelId, memberId } = world.hub;
    const reply = await discord
      .command({ guildId, channelId, userId: memberId, name: 'models', options: { family: 'granite' } })
      .reply();
    const fields = reply.embeds[0].fields as Array<{ name: string; value: string }>;
    const granite = fields.find((f) => f.name === 'Granite 3.0 8B Instruct')!;
    expect(granite.value).toContain(`✅ IBM watsonx.ai (${WX_GRANITE})`);
    expect(granite.value).toContain('✅ Hugging Face (hf-inference)');
    expect(granite.value).toContain('✅ self-hosted');
    expect(fields.find((f) => f.name === 'Granite Vision 3.2 2B')!.value).toContain('sees images');
  });
});

describe('provider settings', () => {
  const base = { DISCORD_TOKEN: 'x', DISCORD_APPLICATION_ID: '123456789012345678' };
  it('reads PROVIDER_ORDER and the watsonx.ai settings', () => {
    const config = loadConfig({
      ...base,
      PROVIDER_ORDER: 'huggingface, watsonx',
      WATSONX_AI_URL: 'https://eu-de.ml.cloud.ibm.com/',
      WATSONX_AI_APIKEY: 'key',
      WATSONX_AI_SPACE_ID: 'space',
    });
    expect(config.models.providerOrder).toEqual(['huggingface', 'watsonx']);
    expect(config.models.watsonx).toEqual({
      url: 'https://eu-de.ml.cloud.ibm.com',
      apiKey: 'key',
      projectId: undefined,
      spaceId: 'space',
      authUrl: 'https://iam.cloud.ibm.com',
    });
    expect(config.models.imageMaxBytes).toBe(5 * 1024 * 1024);
    expect(config.models.fileMaxChars).toBe(20_000);
  });

  it.each([
    [
      { PROVIDER_ORDER: 'watsonx,openai' },
      /^PROVIDER_ORDER must be a comma list of self-hosted, watsonx, huggingface\./,
    ],
    [
      { WATSONX_AI_APIKEY: 'key', WATSONX_AI_PROJECT_ID: 'p' },
      /^WATSONX_AI_URL is not set \(WATSONX_AI_APIKEY is\)\./,
    ],
    [
      { WATSONX_AI_APIKEY: 'key', WATSONX_AI_URL: 'https://us-south.ml.cloud.ibm.com' },
      /^WATSONX_AI_PROJECT_ID is not set/,
    ],
  ])('explains %o in one sentence', (env, message) => {
    expect(() => loadConfig({ ...base, ...env })).toThrow(message);
  });
});
