// Conversation threads, /compare, /models and model autocomplete, end to end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  answerMessages,
  footerOf,
  isFinalWrite,
  isOf,
  noticeOf,
  startTryWorld,
  type TryWorld,
  waitForFinal,
} from './support/inference/try-driver.ts';

const GRANITE_2B = 'ibm-granite/granite-3.0-2b-instruct';
const GRANITE_8B = 'ibm-granite/granite-3.0-8b-instruct';
const MISTRAL = 'mistralai/Mistral-7B-Instruct-v0.3';

let world: TryWorld;
beforeAll(async () => {
  world = await startTryWorld();
});
afterAll(() => world.stop());

describe('conversation in a thread', () => {
  it('continues with the same model, sending the history, and ignores other members', async () => {
    const { discord, guildId, channelId, memberId, curatorId } = world.hub;
    world.inference.script(MISTRAL, 'Paris.').script(MISTRAL, 'About 2.1 million people.');
    const interaction = discord.command({
      guildId,
      channelId,
      userId: memberId,
      name: 'try',
      options: { model: MISTRAL, prompt: 'Capital of France?', system: 'Answer briefly.' },
    });
    await waitForFinal(world, interaction.token);
    const answer = interaction.original()!;
    const button = answer.components[0].components[0];
    expect(button.label).toBe('Continue in thread');

    // Only the caller may open it.
    const foreign = discord.click({
      guildId,
      channelId,
      userId: curatorId,
      customId: button.custom_id,
      messageId: answer.id,
    });
    expect((await foreign.reply()).content).toMatch(/Only the person who asked/);

    discord.click({ guildId, channelId, userId: memberId, customId: button.custom_id, messageId: answer.id });
    const threadId = await discord
      .waitForCall((c) => c.method === 'POST' && c.path.endsWith('/threads'))
      .then(() => discord.threads(channelId)[0]!.id);
    await discord.waitForMessage(threadId, (m) => m.content.includes('continues the conversation'));
    expect(discord.message(answer.id)!.components).toEqual([]);
    const twice = discord.click({
      guildId,
      channelId,
      userId: memberId,
      customId: button.custom_id,
      messageId: answer.id,
    });
    expect((await twice.reply()).content).toMatch(/already has its thread/);

    await discord.say({ guildId, channelId: threadId, userId: curatorId, content: 'Not my thread' });
    await discord.say({ guildId, channelId: threadId, userId: memberId, content: 'And its population?' });
    const final = await discord.waitForMessage(threadId, (m) =>
      m.embeds.some((e) => e.footer?.text && !e.footer.text.endsWith('…')),
    );
    expect(final.content).toBe('About 2.1 million people.');
    const request = world.inference.requestsFor(MISTRAL).at(-1)!;
    expect(request.messages).toEqual([
      { role: 'system', content: 'Answer briefly.' },
      { role: 'user', content: 'Capital of France?' },
      { role: 'assistant', content: 'Paris.' },
      { role: 'user', content: 'And its population?' },
    ]);
    // The other member's message started nothing.
    expect(world.inference.requestsFor(MISTRAL)).toHaveLength(2);
  });
});

describe('/compare', () => {
  it('streams both models concurrently into one message, each with its timings', async () => {
    const { discord, guildId, channelId, memberId } = world.hub;
    const a = world.inference.holdFirstToken(GRANITE_2B);
    const b = world.inference.holdFirstToken(GRANITE_8B);
    world.inference.script(GRANITE_2B, 'Small answer.').script(GRANITE_8B, 'Bigger, more careful answer.');
    const interaction = discord.command({
      guildId,
      channelId,
      userId: memberId,
      name: 'compare',
      options: { model_a: GRANITE_2B, model_b: GRANITE_8B, prompt: 'Say something' },
    });
    expect((await interaction.firstResponse()).type).toBe(5);
    // Both requests are in flight before either model has answered a token.
    await Promise.all([a.arrived, b.arrived]);
    a.release();
    b.release();
    await discord.waitForCall(
      (c) =>
        isOf(c, interaction.token) &&
        isFinalWrite(c) &&
        (c.body as { embeds: Array<{ footer: { text: string } }> }).embeds.every(
          (e) => !e.footer.text.endsWith('…'),
        ),
    );
    const [message] = answerMessages(interaction);
    expect(message!.embeds.map((e) => e.description)).toEqual([
      'Small answer.',
      'Bigger, more careful answer.',
    ]);
    expect(message!.embeds[0].footer.text).toMatch(/^Granite 3\.0 2B Instruct · .* · first token \d+\.\d s/);
    expect(message!.embeds[1].footer.text).toMatch(/^Granite 3\.0 8B Instruct · /);
    expect(message!.components).toEqual([]);
  });

  it('refuses a whitespace-only prompt privately and sends nothing upstream', async () => {
    const { discord, guildId, channelId, memberId } = world.hub;
    const before = world.inference.requests.length;
    const reply = await discord
      .command({
        guildId,
        channelId,
        userId: memberId,
        name: 'compare',
        options: { model_a: GRANITE_2B, model_b: GRANITE_8B, prompt: '  \n ' },
      })
      .reply();
    expect(reply.flags & 64).toBe(64);
    expect(reply.content).toMatch(/prompt is empty/);
    expect(world.inference.requests).toHaveLength(before);
  });

  it('refuses to compare a model with itself', async () => {
    const { discord, guildId, channelId, memberId } = world.hub;
    const interaction = discord.command({
      guildId,
      channelId,
      userId: memberId,
      name: 'compare',
      options: { model_a: GRANITE_2B, model_b: GRANITE_2B, prompt: 'x' },
    });
    expect((await interaction.reply()).content).toBe('Pick two different models to compare.');
  });
});

describe('/models', () => {
  it('lists the catalog with size, context, licence, link and whether the endpoint serves each model', async () => {
    const { discord, guildId, channelId, memberId } = world.hub;
    world.inference.answerAlways(GRANITE_2B, 'Served.');
    const reply = await discord
      .command({ guildId, channelId, userId: memberId, name: 'models', options: {} })
      .reply();
    const fields = reply.embeds[0].fields as Array<{ name: string; value: string }>;
    const granite = fields.find((f) => f.name === 'Granite 3.0 2B Instruct')!;
    expect(granite.value).toMatch(/2\.5B parameters · 4k context · Apache-2\.0/);
    expect(granite.value).toContain(`(${world.inference.url}/ibm-granite/granite-3.0-2b-instruct)`);
    // The self-hosted endpoint's /v1/models lists what it serves: Granite 2B here, not Llama.
    expect(granite.value).toContain('✅ served');
    expect(fields.find((f) => f.name === 'Llama 3.1 8B Instruct')!.value).toContain('❌ not served');
    expect(fields.some((f) => f.name === 'Granite Guardian 3.1 2B (safety model)')).toBe(true);
  });

  it('filters by family and says which families exist when one is unknown', async () => {
    const { discord, guildId, channelId, memberId } = world.hub;
    const mistral = await discord
      .command({ guildId, channelId, userId: memberId, name: 'models', options: { family: 'mistral' } })
      .reply();
    expect(mistral.embeds[0].fields.map((f: { name: string }) => f.name)).toEqual([
      'Mistral 7B Instruct v0.3',
      'Pixtral 12B',
    ]);
    const unknown = await discord
      .command({ guildId, channelId, userId: memberId, name: 'models', options: { family: 'gpt' } })
      .reply();
    expect(unknown.content).toMatch(/Families: granite, llama, mistral\./);
  });
});

describe('model autocomplete', () => {
  it('offers catalog models first, then matching Hub text-generation models', async () => {
    world.inference.hubModels.push(
      { id: 'ibm-granite/granite-3.1-8b-instruct', pipeline_tag: 'text-generation' },
      { id: 'ibm-granite/granite-timeseries-ttm-r2', pipeline_tag: 'time-series-forecasting' },
    );
    const { discord, guildId, channelId, memberId } = world.hub;
    const choices = await discord
      .autocomplete({
        guildId,
        channelId,
        userId: memberId,
        name: 'try',
        options: { model: 'granite', prompt: 'x' },
        focused: 'model',
      })
      .autocompleteChoices();
    expect(choices.map((c) => c.value)).toEqual([
      'ibm-granite/granite-3.0-2b-instruct',
      'ibm-granite/granite-3.0-8b-instruct',
      'ibm-granite/granite-3.3-8b-instruct',
      'ibm-granite/granite-vision-3.2-2b',
      'ibm-granite/granite-3.1-8b-instruct',
    ]);
    expect(choices[4]!.name).toBe('ibm-granite/granite-3.1-8b-instruct (Hub)');
  });

  it('runs a Hub model picked from autocomplete', async () => {
    const { discord, guildId, channelId, memberId } = world.hub;
    world.inference.script('ibm-granite/granite-3.1-8b-instruct', 'From the Hub.');
    const interaction = discord.command({
      guildId,
      channelId,
      userId: memberId,
      name: 'try',
      options: { model: 'ibm-granite/granite-3.1-8b-instruct', prompt: 'hi' },
    });
    await waitForFinal(world, interaction.token);
    expect(interaction.original()!.content).toBe('From the Hub.');
    expect(footerOf(interaction.original()!)).toMatch(/^ibm-granite\/granite-3\.1-8b-instruct · /);
  });
});

describe('restarting the bot mid-answer', () => {
  it('ends running answers at once, keeping their text, instead of leaving them "writing…"', async () => {
    const { discord, guildId, channelId, memberId } = world.hub;
    const text = Array.from({ length: 400 }, (_, i) => `slow${i}`).join(' ');
    world.inference.setTokenDelay(30, MISTRAL).script(MISTRAL, text);
    const interaction = discord.command({
      guildId,
      channelId,
      userId: memberId,
      name: 'try',
      options: { model: MISTRAL, prompt: 'long' },
    });
    await discord.waitForCall((c) => isOf(c, interaction.token) && JSON.stringify(c.body).includes('slow1'));
    await world.hub.restart();
    await world.inference.waitForAbort(MISTRAL);
    const message = interaction.original()!;
    expect(noticeOf(message)).toBe(
      'The bot is restarting; the answer so far is kept. Run /try again in a minute.',
    );
    expect(text.startsWith(message.content)).toBe(true);
    expect(world.hub.logs.messages()).not.toContain('Gave up waiting for in-flight interactions');
    world.inference.setTokenDelay(0, MISTRAL);
  });
});
