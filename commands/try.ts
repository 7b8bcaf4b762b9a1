// /try — run an open model on a prompt; the answer streams into the reply. Also owns the Stop
// and "Continue in thread" buttons and the conversation inside such a thread.
import {
  type AutocompleteInteraction,
  type ChatInputCommandInteraction,
  InteractionContextType,
  type Message,
  type MessageComponentInteraction,
  MessageFlags,
  SlashCommandBuilder,
} from 'discord.js';
import { modelChoices } from '../src/discord/model-choices.ts';
import { isCurator } from '../src/discord/permissions.ts';
import { PostError } from '../src/discord/post.ts';
import { replyPrivately } from '../src/discord/reply.ts';
import { describeQuota, reserveRuns, streamGeneration } from '../src/discord/try-flow.ts';
import { UserError } from '../src/errors.ts';
import type { Hub } from '../src/hub.ts';
import type { ChatMessage } from '../src/models/inference.ts';
import { QuotaExceeded } from '../src/models/runs.ts';
import { fitToContext } from '../src/models/threads.ts';

/** Answer budget in a thread, where there is no max_tokens option. */
const THREAD_MAX_TOKENS = 1024;

export const data = new SlashCommandBuilder()
  .setName('try')
  .setDescription('Run an open model on a prompt; the answer streams in')
  .setContexts(InteractionContextType.Guild)
  .addStringOption((o) =>
    o
      .setName('model')
      .setDescription('A model from /models, or any Hugging Face model id')
      .setRequired(true)
      .setAutocomplete(true)
      .setMaxLength(120),
  )
  .addStringOption((o) =>
    o.setName('prompt').setDescription('What to ask').setRequired(true).setMaxLength(4000),
  )
  .addStringOption((o) =>
    o.setName('system').setDescription('A system prompt that sets the model’s role').setMaxLength(2000),
  )
  .addNumberOption((o) =>
    o
      .setName('temperature')
      .setDescription('0 = focused, 2 = wild (default: the provider’s)')
      .setMinValue(0)
      .setMaxValue(2),
  )
  .addIntegerOption((o) =>
    o
      .setName('max_tokens')
      .setDescription('Longest answer, in tokens (default 1024)')
      .setMinValue(1)
      .setMaxValue(4096),
  )
  .addBooleanOption((o) => o.setName('private').setDescription('Show the answer only to you'));

export async function execute(interaction: ChatInputCommandInteraction, hub: Hub): Promise<void> {
  const { service } = hub.models;
  const model = service.resolveModel(interaction.options.getString('model', true));
  const prompt = interaction.options.getString('prompt', true);
  const system = interaction.options.getString('system');
  const isPrivate = interaction.options.getBoolean('private') ?? false;
  const messages: ChatMessage[] = [
    ...(system ? [{ role: 'system' as const, content: system }] : []),
    { role: 'user', content: prompt },
  ];
  const input = {
    guildId: interaction.guildId!,
    channelId: interaction.channelId,
    userId: interaction.user.id,
    kind: 'try' as const,
    model,
    messages,
    temperature: interaction.options.getNumber('temperature') ?? undefined,
    maxTokens: interaction.options.getInteger('max_tokens') ?? THREAD_MAX_TOKENS,
  };
  // Quota and cooldown answers are private and immediate, so they come before the deferral.
  const [runId] = reserveRuns(hub, [input]);
  await interaction.deferReply(isPrivate ? { flags: MessageFlags.Ephemeral } : {}).catch((error) => {
    service.abandon([runId!], `could not acknowledge: ${String(error)}`);
    throw error;
  });
  await streamGeneration(hub, input, runId!, { interaction, isPrivate }, interaction.id);
}

export async function autocomplete(interaction: AutocompleteInteraction, hub: Hub): Promise<void> {
  await interaction.respond(await modelChoices(hub, interaction.options.getFocused()));
}

export async function component(
  interaction: MessageComponentInteraction,
  hub: Hub,
  args: string[],
): Promise<void> {
  const [action, ...rest] = args;
  const forged = new UserError('This button is no longer understood by the bot. Run /try again.');
  if (!interaction.isButton()) throw forged;
  if (action === 'stop') {
    const outcome = hub.models.service.stop(
      rest.join(':'),
      interaction.user.id,
      isCurator(interaction, hub.settings.get(interaction.guildId!)),
    );
    if (outcome === 'stopped') return void (await interaction.deferUpdate());
    return replyPrivately(
      interaction,
      outcome === 'not_yours'
        ? 'Only the person who asked can stop this answer.'
        : 'That answer has already finished.',
    );
  }
  if (action === 'thread') return openThread(interaction, hub, Number(rest[0]));
  throw forged;
}

async function openThread(interaction: MessageComponentInteraction, hub: Hub, runId: number): Promise<void> {
  const { service } = hub.models;
  const exchange = service.takeExchange(runId);
  if (!exchange)
    throw new UserError(
      'This conversation already has its thread, or the bot restarted since it was answered. Run /try to start a new one.',
    );
  if (exchange.userId !== interaction.user.id) {
    service.rememberExchange(runId, exchange);
    throw new UserError(
      'Only the person who asked can continue this conversation. Run /try to start your own.',
    );
  }
  const prompt = exchange.messages.at(-1)?.content ?? '';
  let threadId: string;
  try {
    // On the message that carries the button: the end of the answer the conversation continues from.
    threadId = await hub.poster.startThread(
      interaction.channelId,
      interaction.message.id,
      `${exchange.model.name}: ${prompt}`.slice(0, 100),
    );
  } catch (error) {
    // The exchange goes back, so the button works once the cause is gone.
    service.rememberExchange(runId, exchange);
    throw threadFailure(error);
  }
  const system = exchange.messages.find((m) => m.role === 'system')?.content ?? null;
  service.threads.create(
    {
      threadId,
      guildId: exchange.guildId,
      userId: exchange.userId,
      model: exchange.model.id,
      systemPrompt: system,
    },
    [
      { role: 'user', content: prompt },
      { role: 'assistant', content: exchange.answer },
    ],
  );
  await interaction.update({ components: [] });
  await hub.poster.post(threadId, {
    // Without the Message Content intent Discord only shows the bot messages that mention or reply to it.
    content: hub.gateway.messageContent()
      ? `Each message <@${exchange.userId}> writes here continues the conversation with ${exchange.model.name}.`
      : `<@${exchange.userId}>, mention me or reply to my message here to continue the conversation with ${exchange.model.name}.`,
  });
}

/** Why Discord did not create the thread, in words the member can act on. */
function threadFailure(error: unknown): unknown {
  if (!(error instanceof PostError)) return error;
  switch (error.failure) {
    case 'retryable':
      return new UserError(
        'Discord did not create the thread just now; press Continue in thread again in a minute.',
      );
    case 'forbidden':
      return new UserError(
        'I may not create threads in this channel (Create Public Threads permission). Ask a server admin, or run /try in another channel.',
      );
    case 'gone':
      return new UserError(
        'The answer this conversation continues from is gone. Run /try to start a new one.',
      );
    case 'invalid':
      return error;
  }
}

/** A message in a conversation thread: the thread's owner continues the conversation. */
export async function message(msg: Message, hub: Hub): Promise<void> {
  const { service } = hub.models;
  const thread = service.threads.get(msg.channelId);
  // A mention of the bot is how a member addresses it without the Message Content intent; it is not part of the prompt.
  const content = msg.content.replace(new RegExp(`<@!?${msg.client.user.id}>`, 'g'), '').trim();
  if (!thread || msg.author.id !== thread.userId || !content) return;
  const stopKey = `thread-${thread.threadId}`;
  if (service.isRunning(stopKey)) {
    await hub.poster.post(thread.threadId, {
      content: 'Still answering your previous message; press Stop or wait.',
    });
    return;
  }
  const model = service.resolveModel(thread.model);
  const history = [...service.threads.history(thread.threadId), { role: 'user' as const, content }];
  const input = {
    guildId: thread.guildId,
    channelId: thread.threadId,
    userId: thread.userId,
    kind: 'thread' as const,
    model,
    messages: fitToContext(history, model.contextLength, THREAD_MAX_TOKENS),
    maxTokens: THREAD_MAX_TOKENS,
  };
  let runId: number;
  try {
    [runId] = service.reserve([input]) as [number];
  } catch (error) {
    if (!(error instanceof QuotaExceeded)) throw error;
    await hub.poster.post(thread.threadId, { content: describeQuota(error) });
    return;
  }
  const { result } = await streamGeneration(hub, input, runId, { channelId: thread.threadId }, stopKey);
  if (result.outcome === 'ok' || result.outcome === 'length')
    service.threads.addTurns(thread.threadId, [
      { role: 'user', content },
      { role: 'assistant', content: result.answer },
    ]);
}
