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
import { modelChoices, providerChoices } from '../src/discord/model-choices.ts';
import { isCurator } from '../src/discord/permissions.ts';
import { PostError } from '../src/discord/post.ts';
import { replyPrivately } from '../src/discord/reply.ts';
import {
  answerPrivatelyInstead,
  describeQuota,
  reserveRuns,
  streamGeneration,
} from '../src/discord/try-flow.ts';
import { openInputs } from '../src/discord/try-inputs.ts';
import { UserError } from '../src/errors.ts';
import type { Hub } from '../src/hub.ts';
import { optionalText, requireText } from '../src/models/prompt.ts';
import {
  type ChatMessage,
  isProviderName,
  PROVIDER_NAMES,
  type ProviderName,
} from '../src/models/provider.ts';
import { QuotaExceeded } from '../src/models/runs.ts';
import type { Route } from '../src/models/service.ts';
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
  .addBooleanOption((o) => o.setName('private').setDescription('Show the answer only to you'))
  .addStringOption((o) =>
    o
      .setName('provider')
      .setDescription('Where the model runs (default: the first configured one that serves it)')
      .setAutocomplete(true)
      .setMaxLength(20),
  )
  .addAttachmentOption((o) =>
    o.setName('image').setDescription('A PNG, JPEG, WebP or GIF image for a vision model'),
  )
  .addAttachmentOption((o) =>
    o.setName('file').setDescription('A text file (.txt, .md, code, .json, .csv) added to the prompt'),
  );

export async function execute(interaction: ChatInputCommandInteraction, hub: Hub): Promise<void> {
  const { service } = hub.models;
  const model = service.resolveModel(interaction.options.getString('model', true));
  const prompt = requireText(interaction.options.getString('prompt', true), 'prompt');
  const system = optionalText(interaction.options.getString('system'), 'system prompt');
  const requested = parseProvider(interaction.options.getString('provider'));
  const isPrivate = interaction.options.getBoolean('private') ?? false;
  const maxTokens = interaction.options.getInteger('max_tokens') ?? THREAD_MAX_TOKENS;
  // Everything that can be checked is checked before the public deferral, so it stays private.
  const route = await service.route(model, requested);
  const inputs = await openInputs(hub, {
    models: [model],
    prompt,
    system,
    maxTokens,
    image: interaction.options.getAttachment('image'),
    file: interaction.options.getAttachment('file'),
  });
  const input = {
    guildId: interaction.guildId!,
    channelId: interaction.channelId,
    userId: interaction.user.id,
    kind: 'try' as const,
    model,
    route,
    messages: [
      ...(system ? [{ role: 'system' as const, content: system }] : []),
      { role: 'user' as const, content: prompt },
    ] as ChatMessage[],
    temperature: interaction.options.getNumber('temperature') ?? undefined,
    maxTokens,
    note: undefined as string | undefined,
  };
  // Quota and cooldown answers are private and immediate, so they come before the deferral.
  let runId: number;
  try {
    [runId] = reserveRuns(hub, [input]) as [number];
  } catch (error) {
    inputs.cancel();
    throw error;
  }
  await interaction.deferReply(isPrivate ? { flags: MessageFlags.Ephemeral } : {}).catch((error) => {
    inputs.cancel();
    service.abandon([runId], `could not acknowledge: ${String(error)}`);
    throw error;
  });
  try {
    const turn = await inputs.complete();
    input.messages[input.messages.length - 1] = {
      role: 'user',
      content: turn.content,
      ...(turn.images.length ? { images: turn.images } : {}),
    };
    input.note = turn.note;
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    // The run never started: it does not count against anyone's quota.
    service.runs.discard([runId]);
    return answerPrivatelyInstead(interaction, undefined, error.message);
  }
  await streamGeneration(hub, input, runId, { interaction, isPrivate }, interaction.id);
}

/** The provider option: one of the three names, or a private answer listing them. */
export function parseProvider(value: string | null): ProviderName | undefined {
  if (value === null || value.trim() === '') return undefined;
  const name = value.trim().toLowerCase();
  if (isProviderName(name)) return name;
  throw new UserError(
    `“${value.slice(0, 40)}” is not a provider. Pick one of: ${PROVIDER_NAMES.join(', ')}.`,
  );
}

export async function autocomplete(interaction: AutocompleteInteraction, hub: Hub): Promise<void> {
  const focused = interaction.options.getFocused(true);
  if (focused.name === 'provider')
    return interaction.respond(
      await providerChoices(hub, interaction.options.getString('model') ?? '', focused.value),
    );
  await interaction.respond(await modelChoices(hub, focused.value));
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
  const first = exchange.messages.at(-1)!;
  const prompt = first.content;
  let threadId: string;
  try {
    // On the message that carries the button: the end of the answer the conversation continues from.
    threadId = await hub.poster.startThread(
      interaction.channelId,
      interaction.message.id,
      `${exchange.model.name}: ${exchange.title}`.slice(0, 100),
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
      provider: exchange.route.via,
    },
    [
      // The first turn keeps its images and inlined file, so the model still sees them.
      { role: 'user', content: prompt, ...(first.images ? { images: first.images } : {}) },
      { role: 'assistant', content: exchange.answer },
    ],
  );
  await interaction.update({ components: [] });
  await hub.poster.post(threadId, {
    content: `Each message <@${exchange.userId}> writes here continues the conversation with ${exchange.model.name}.`,
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
  if (!thread || msg.author.id !== thread.userId || !msg.content.trim()) return;
  const stopKey = `thread-${thread.threadId}`;
  if (service.isRunning(stopKey)) {
    await hub.poster.post(thread.threadId, {
      content: 'Still answering your previous message; press Stop or wait.',
    });
    return;
  }
  const model = service.resolveModel(thread.model);
  let route: Route;
  try {
    route = await service.route(
      model,
      isProviderName(thread.provider ?? '') ? (thread.provider as ProviderName) : undefined,
    );
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    await hub.poster.post(thread.threadId, { content: error.message });
    return;
  }
  const history = [
    ...service.threads.history(thread.threadId),
    { role: 'user' as const, content: msg.content },
  ];
  const input = {
    guildId: thread.guildId,
    channelId: thread.threadId,
    userId: thread.userId,
    kind: 'thread' as const,
    model,
    route,
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
      { role: 'user', content: msg.content },
      { role: 'assistant', content: result.answer },
    ]);
}
