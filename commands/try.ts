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
import { notOurs } from '../src/discord/command.ts';
import { modelChoices, providerChoices } from '../src/discord/model-choices.ts';
import { isCurator } from '../src/discord/permissions.ts';
import { replyPrivately } from '../src/discord/reply.ts';
import { answerPrivatelyInstead, reserveRuns, streamGeneration } from '../src/discord/try-flow.ts';
import { beforeDeferral, openInputs } from '../src/discord/try-inputs.ts';
import { continueInThread, openThread, THREAD_MAX_TOKENS } from '../src/discord/try-thread.ts';
import { UserError } from '../src/errors.ts';
import type { Hub } from '../src/hub.ts';
import { optionalText, requireText } from '../src/models/prompt.ts';
import {
  type ChatMessage,
  isProviderName,
  PROVIDER_NAMES,
  type ProviderName,
} from '../src/models/provider.ts';

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
  const [route, inputs] = await beforeDeferral(
    service.route(model, requested),
    openInputs(hub, {
      models: [model],
      prompt,
      system,
      maxTokens,
      image: interaction.options.getAttachment('image'),
      file: interaction.options.getAttachment('file'),
    }),
  );
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
    [runId] = (await reserveRuns(hub, [input])) as [number];
  } catch (error) {
    inputs.cancel();
    throw error;
  }
  await interaction.deferReply(isPrivate ? { flags: MessageFlags.Ephemeral } : {}).catch(async (error) => {
    inputs.cancel();
    await service.abandon([runId], `could not acknowledge: ${String(error)}`);
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
    await service.runs.discard([runId]);
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

export const componentActions = ['stop', 'thread'] as const;

export async function component(
  interaction: MessageComponentInteraction,
  hub: Hub,
  args: string[],
): Promise<void> {
  const [action, ...rest] = args;
  const forged = notOurs();
  if (!interaction.isButton()) throw forged;
  if (action === 'stop') {
    const outcome = hub.models.service.stop(
      rest.join(':'),
      interaction.user.id,
      isCurator(interaction, await hub.settings.get(interaction.guildId!)),
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

/** A message in a conversation thread: the thread's owner continues the conversation. */
export async function message(msg: Message, hub: Hub): Promise<void> {
  await continueInThread(msg, hub);
}
