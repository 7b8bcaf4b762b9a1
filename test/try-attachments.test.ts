// /try image: and file:, /compare image:, and Continue in thread keeping them, end to end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  answerMessages,
  isFinalWrite,
  isOf,
  noticeOf,
  startTryWorld,
  type TryWorld,
  waitForFinal,
} from './support/inference/try-driver.ts';

const VISION = 'ibm-granite/granite-vision-3.2-2b';
const PIXTRAL = 'mistralai/Pixtral-12B-2409';
const TEXT_ONLY = 'ibm-granite/granite-3.0-2b-instruct';
const LONG_CONTEXT = 'ibm-granite/granite-3.3-8b-instruct';
// A 1×1 PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

let world: TryWorld;
beforeAll(async () => {
  world = await startTryWorld();
  for (const model of [VISION, PIXTRAL, TEXT_ONLY, LONG_CONTEXT])
    world.inference.answerAlways(model, 'Seen.');
});
afterAll(() => world.stop());

type Files = Record<string, { filename: string; data: Buffer; contentType?: string }>;

function runTry(options: Record<string, string | number | boolean>, attachments: Files) {
  const { guildId, channelId, memberId } = world.hub;
  return world.hub.discord.command({
    guildId,
    channelId,
    userId: memberId,
    name: 'try',
    options,
    attachments,
  });
}

const chatRequests = () =>
  world.inference.requests.filter((r) => r.path.endsWith('/chat/completions')).length;

describe('/try image:', () => {
  it('sends the image to a vision model as an image_url part (base64 data URL) beside the prompt', async () => {
    const interaction = runTry(
      { model: VISION, prompt: 'What is in this picture?' },
      { image: { filename: 'dot.png', data: PNG, contentType: 'image/png' } },
    );
    await waitForFinal(world, interaction.token);
    expect(interaction.original()!.content).toBe('Seen.');
    const request = world.inference.requestsFor(VISION).at(-1)!;
    expect(request.imageUrls).toEqual([`data:image/png;base64,${PNG.toString('base64')}`]);
    expect(request.messages.at(-1)!.content).toEqual([
      { type: 'text', text: 'What is in this picture?' },
      { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG.toString('base64')}` } },
    ]);
  });

  it.each([
    [
      'a 6 MB image',
      { filename: 'big.png', data: Buffer.concat([PNG, Buffer.alloc(6 * 1024 * 1024)]) },
      VISION,
      /big\.png is 6\.0 MB; images up to 5\.0 MB/,
    ],
    [
      'a text file renamed .png',
      { filename: 'notes.png', data: Buffer.from('just some text\n'), contentType: 'image/png' },
      VISION,
      /notes\.png is not a PNG, JPEG, WebP or GIF image/,
    ],
    [
      'an image for a text-only model',
      { filename: 'dot.png', data: PNG },
      TEXT_ONLY,
      /Granite 3\.0 2B Instruct cannot see images\. Models that can: Granite Vision 3\.2 2B, Llama 3\.2 11B Vision Instruct, Pixtral 12B\./,
    ],
  ])('refuses %s privately and sends nothing upstream', async (_what, image, model, sentence) => {
    const before = chatRequests();
    const reply = await runTry({ model, prompt: 'Look' }, { image }).reply();
    expect(reply.flags & 64).toBe(64);
    expect(reply.content).toMatch(sentence);
    expect(chatRequests()).toBe(before);
  });

  it('/compare sends the same image to both vision models', async () => {
    const { discord, guildId, channelId, memberId } = world.hub;
    const interaction = discord.command({
      guildId,
      channelId,
      userId: memberId,
      name: 'compare',
      options: { model_a: VISION, model_b: PIXTRAL, prompt: 'Describe it' },
      attachments: { image: { filename: 'dot.png', data: PNG } },
    });
    await discord.waitForCall(
      (c) =>
        isOf(c, interaction.token) &&
        isFinalWrite(c) &&
        (c.body as { embeds: Array<{ footer: { text: string } }> }).embeds.every(
          (e) => !e.footer.text.endsWith('…'),
        ),
    );
    expect(world.inference.requestsFor(VISION).at(-1)!.imageUrls).toHaveLength(1);
    expect(world.inference.requestsFor(PIXTRAL).at(-1)!.imageUrls).toHaveLength(1);
  });

  it('Continue in thread keeps the image of the first turn in the history it sends', async () => {
    const { discord, guildId, channelId, memberId } = world.hub;
    const interaction = runTry(
      { model: VISION, prompt: 'Remember this picture' },
      { image: { filename: 'dot.png', data: PNG } },
    );
    await waitForFinal(world, interaction.token);
    const answer = interaction.original()!;
    discord.click({
      guildId,
      channelId,
      userId: memberId,
      customId: answer.components[0].components[0].custom_id,
      messageId: answer.id,
    });
    await discord.waitForCall((c) => c.method === 'POST' && c.path.endsWith('/threads'));
    const threadId = discord.threads(channelId).find((t) => t.id === answer.id)!.id;
    await discord.waitForMessage(threadId, (m) => m.content.includes('continues the conversation'));
    const before = world.inference.requestsFor(VISION).length;
    await discord.say({ guildId, channelId: threadId, userId: memberId, content: 'What colour was it?' });
    const request = await world.inference.waitForRequest(
      (r) => r.model === VISION && world.inference.requestsFor(VISION).indexOf(r) >= before,
    );
    expect(request.imageUrls).toEqual([`data:image/png;base64,${PNG.toString('base64')}`]);
    expect(request.messages.at(-1)).toEqual({ role: 'user', content: 'What colour was it?' });
  });
});

describe('/try file:', () => {
  it('cuts a 50,000-character file to TRY_FILE_MAX_CHARS for a long-context model and says how much was used', async () => {
    const text = Array.from({ length: 5000 }, (_, i) => `line ${String(i).padStart(4, '0')}`).join('\n');
    const data = Buffer.from(text.padEnd(50_000, '.'), 'utf8');
    const interaction = runTry(
      { model: LONG_CONTEXT, prompt: 'Summarise the file' },
      { file: { filename: 'log.txt', data } },
    );
    await waitForFinal(world, interaction.token);
    const sent = world.inference.requestsFor(LONG_CONTEXT).at(-1)!.messages.at(-1)!.content;
    expect(sent.startsWith('Summarise the file\n\n<file name="log.txt" truncated="true">\n')).toBe(true);
    expect(sent).toContain(data.toString('utf8').slice(0, 20_000));
    expect(sent).not.toContain(data.toString('utf8').slice(0, 20_001));
    expect(noticeOf(answerMessages(interaction).at(-1)!)).toContain(
      'Only the first 20,000 of 50,000 characters of log.txt were sent (the limit for files here).',
    );
  });

  it('bounds a file by the model context, below the setting', async () => {
    // Granite 3.0 2B has a 4k context: 1024 tokens go to the answer, the rest of the room to the file.
    const data = Buffer.from('word '.repeat(4000), 'utf8');
    const interaction = runTry(
      { model: TEXT_ONLY, prompt: 'Read it' },
      { file: { filename: 'words.md', data } },
    );
    await waitForFinal(world, interaction.token);
    expect(noticeOf(answerMessages(interaction).at(-1)!)).toMatch(
      /of 20,000 characters of words\.md were sent \(what fits in the model's context\)/,
    );
  });

  it('inlines a small UTF-8 file whole, whatever its name says', async () => {
    const data = Buffer.from('{"naïve": "café ✓"}\n', 'utf8');
    const interaction = runTry(
      { model: TEXT_ONLY, prompt: 'What is this?' },
      { file: { filename: 'data.bin', data } },
    );
    await waitForFinal(world, interaction.token);
    const sent = world.inference.requestsFor(TEXT_ONLY).at(-1)!.messages.at(-1)!.content;
    expect(sent).toBe('What is this?\n\n<file name="data.bin">\n{"naïve": "café ✓"}\n\n</file>');
  });

  it.each([
    ['a PNG', PNG],
    ['a file with NUL bytes', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x08, 0x00])],
    ['Latin-1 text', Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0x6f, 0x6b])],
  ])('refuses %s as a file privately, in words', async (_what, data) => {
    const before = chatRequests();
    const reply = await runTry(
      { model: TEXT_ONLY, prompt: 'Read' },
      { file: { filename: 'thing.txt', data } },
    ).reply();
    expect(reply.flags & 64).toBe(64);
    expect(reply.content).toMatch(/thing\.txt is not a text file \(judged by its content\)/);
    expect(chatRequests()).toBe(before);
  });
  it('Continue in thread keeps the inlined file of the first turn in the history it sends', async () => {
    const { discord, guildId, channelId, memberId } = world.hub;
    const interaction = runTry(
      { model: TEXT_ONLY, prompt: 'Remember this file' },
      { file: { filename: 'notes.md', data: Buffer.from('# Notes\nThe launch is on Friday.\n') } },
    );
    await waitForFinal(world, interaction.token);
    const answer = interaction.original()!;
    const button = answer.components[0].components.find((c: { custom_id: string }) =>
      c.custom_id.startsWith('try:thread:'),
    );
    discord.click({ guildId, channelId, userId: memberId, customId: button.custom_id, messageId: answer.id });
    await discord.waitForCall(
      (c) => c.method === 'POST' && c.path.endsWith(`/messages/${answer.id}/threads`),
    );
    const threadId = discord.threads(channelId).find((t) => t.id === answer.id)!.id;
    await discord.waitForMessage(threadId, (m) => m.content.includes('continues the conversation'));
    const before = world.inference.requestsFor(TEXT_ONLY).length;
    await discord.say({ guildId, channelId: threadId, userId: memberId, content: 'When is the launch?' });
    const request = await world.inference.waitForRequest(
      (r) => r.model === TEXT_ONLY && world.inference.requestsFor(TEXT_ONLY).indexOf(r) >= before,
    );
    expect(request.messages[0]).toEqual({
      role: 'user',
      content: 'Remember this file\n\n<file name="notes.md">\n# Notes\nThe launch is on Friday.\n\n</file>',
    });
    expect(request.messages.at(-1)).toEqual({ role: 'user', content: 'When is the launch?' });
  });
});

describe('a private /try with an attachment refused after the deferral', () => {
  it('keeps the private answer that says why', async () => {
    // Looks like text in its first 64 KiB, then a NUL byte: found only once the whole file is read.
    const data = Buffer.concat([Buffer.from('a'.repeat(70 * 1024)), Buffer.from([0])]);
    const interaction = runTry(
      { model: TEXT_ONLY, prompt: 'Read', private: true },
      { file: { filename: 'late.txt', data } },
    );
    expect((await interaction.firstResponse()).type).toBe(5);
    const reply = await interaction.reply();
    expect(reply.flags & 64).toBe(64);
    expect(reply.content).toMatch(/late\.txt is not a text file/);
    expect(await world.hub.app.router.drain(5000)).toBe(0);
    expect(interaction.original()?.content).toMatch(/late\.txt is not a text file/);
  });
});
