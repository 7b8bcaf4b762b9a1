// A bare discord.js bot, the yardstick of bench/interactions.ts: the same three answers as Open
// Model Hub's (a direct private embed, a deferred private answer, a /try streamed from an
// OpenAI-compatible endpoint with an edit at most once a second) and nothing else: no database,
// no router, no metrics. Runs in its own process; env: DISCORD_TOKEN, DISCORD_API_URL, INFERENCE_URL.
import { Client, EmbedBuilder, Events, GatewayIntentBits, MessageFlags } from 'discord.js';

const client = new Client({
  intents: [GatewayIntentBits.Guilds],
  allowedMentions: { parse: [] },
  rest: { api: process.env.DISCORD_API_URL! },
});

client.on(Events.InteractionCreate, async (interaction) => {
  if (!interaction.isChatInputCommand()) return;
  try {
    if (interaction.commandName === 'hub') {
      await interaction.reply({
        embeds: [new EmbedBuilder().setTitle('status').addFields({ name: 'Uptime', value: '1m' })],
        flags: MessageFlags.Ephemeral,
      });
    } else if (interaction.commandName === 'watch') {
      await interaction.deferReply({ flags: MessageFlags.Ephemeral });
      await interaction.editReply({
        embeds: [new EmbedBuilder().setTitle('Watches').setDescription('none')],
      });
    } else if (interaction.commandName === 'try') {
      await interaction.deferReply();
      await streamTry(
        interaction.options.getString('model', true),
        interaction.options.getString('prompt', true),
        (text, done) =>
          interaction.editReply({
            content: text.slice(-1900) || '…',
            embeds: [new EmbedBuilder().setFooter({ text: done ? 'done' : 'writing…' })],
          }),
      );
    }
  } catch (error) {
    process.stderr.write(`bare bot: ${(error as Error).message}\n`);
  }
});

async function streamTry(
  model: string,
  prompt: string,
  edit: (text: string, done: boolean) => Promise<unknown>,
) {
  const response = await fetch(`${process.env.INFERENCE_URL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: prompt }] }),
  });
  let text = '';
  let lastEdit = 0;
  let editing: Promise<unknown> = Promise.resolve();
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of response.body!) {
    buffered += decoder.decode(chunk, { stream: true });
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
      text += JSON.parse(line.slice(6)).choices?.[0]?.delta?.content ?? '';
    }
    if (Date.now() - lastEdit >= 1000) {
      lastEdit = Date.now();
      await editing;
      editing = edit(text, false);
    }
  }
  await editing;
  await edit(text, true);
}

// Listening before login: compiled, the bot can be ready before login() resolves.
const ready = new Promise((resolve) => client.once(Events.ClientReady, resolve));
await client.login(process.env.DISCORD_TOKEN);
await ready;
process.send?.({ ready: true });
process.on('message', async (m: { stop?: true }) => {
  if (m.stop) {
    await client.destroy();
    process.exit(0);
  }
});
