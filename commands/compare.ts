// /compare — two models answer the same prompt side by side, streamed concurrently.
import {
  type APIEmbed,
  type AutocompleteInteraction,
  ButtonStyle,
  type ChatInputCommandInteraction,
  ComponentType,
  InteractionContextType,
  SlashCommandBuilder,
} from 'discord.js';
import { customId } from '../src/discord/command.ts';
import { modelChoices } from '../src/discord/model-choices.ts';
import { footerText } from '../src/discord/stream-reply.ts';
import { Throttle } from '../src/discord/throttle.ts';
import { answerPrivatelyInstead, reserveRuns } from '../src/discord/try-flow.ts';
import { beforeDeferral, openInputs } from '../src/discord/try-inputs.ts';
import { UserError } from '../src/errors.ts';
import type { Hub } from '../src/hub.ts';
import { requireText } from '../src/models/prompt.ts';
import type { GenerationInput, GenerationProgress, GenerationResult } from '../src/models/service.ts';

/** The most of an answer one side shows. */
const SIDE_LIMIT = 2700;
/**
 * Two embeds share Discord's 6000-character budget per message (titles, footers and
 * descriptions all count), so each side keeps within half of it, model names included.
 */
const SIDE_BUDGET = 2990;

export const data = new SlashCommandBuilder()
  .setName('compare')
  .setDescription('Two models answer the same prompt side by side')
  .setContexts(InteractionContextType.Guild)
  .addStringOption((o) =>
    o
      .setName('model_a')
      .setDescription('First model')
      .setRequired(true)
      .setAutocomplete(true)
      .setMaxLength(120),
  )
  .addStringOption((o) =>
    o
      .setName('model_b')
      .setDescription('Second model')
      .setRequired(true)
      .setAutocomplete(true)
      .setMaxLength(120),
  )
  .addStringOption((o) =>
    o.setName('prompt').setDescription('What to ask both').setRequired(true).setMaxLength(4000),
  )
  .addIntegerOption((o) =>
    o
      .setName('max_tokens')
      .setDescription('Longest answer, in tokens (default 512)')
      .setMinValue(1)
      .setMaxValue(4096),
  )
  .addAttachmentOption((o) =>
    o.setName('image').setDescription('A PNG, JPEG, WebP or GIF image for two vision models'),
  );

export async function execute(interaction: ChatInputCommandInteraction, hub: Hub): Promise<void> {
  const { service } = hub.models;
  const models = [
    service.resolveModel(interaction.options.getString('model_a', true)),
    service.resolveModel(interaction.options.getString('model_b', true)),
  ];
  if (models[0]!.id === models[1]!.id) throw new UserError('Pick two different models to compare.');
  const prompt = requireText(interaction.options.getString('prompt', true), 'prompt');
  const maxTokens = interaction.options.getInteger('max_tokens') ?? 512;
  // Checked before the public deferral, so a model that is not served is told privately.
  const [routes, opened] = await beforeDeferral(
    Promise.all(models.map((model) => service.route(model))),
    openInputs(hub, {
      models,
      prompt,
      system: undefined,
      maxTokens,
      image: interaction.options.getAttachment('image'),
      file: null,
    }),
  );
  const inputs: GenerationInput[] = models.map((model, i) => ({
    guildId: interaction.guildId!,
    channelId: interaction.channelId,
    userId: interaction.user.id,
    kind: 'compare',
    model,
    route: routes[i]!,
    messages: [{ role: 'user', content: prompt }],
    maxTokens,
  }));
  let runIds: number[];
  try {
    runIds = await reserveRuns(hub, inputs);
  } catch (error) {
    opened.cancel();
    throw error;
  }
  await interaction.deferReply().catch(async (error) => {
    opened.cancel();
    await service.abandon(runIds, `could not acknowledge: ${String(error)}`);
    throw error;
  });
  try {
    const turn = await opened.complete();
    for (const input of inputs)
      input.messages = [
        { role: 'user', content: turn.content, ...(turn.images.length ? { images: turn.images } : {}) },
      ];
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    await service.runs.discard(runIds);
    return answerPrivatelyInstead(interaction, undefined, error.message);
  }

  // One screening for both: the same prompt goes to each model.
  const refusal = await service.screenPrompt(inputs[0]!);
  if (refusal) {
    await service.refuse(runIds, refusal);
    return answerPrivatelyInstead(interaction, undefined, refusal.privateNotice ?? refusal.notice);
  }

  const stopId = customId('try', 'stop', interaction.id);
  const sides: Array<{ progress: GenerationProgress; result?: GenerationResult }> = inputs.map(() => ({
    progress: { answer: '', reasoning: '', thinking: false },
  }));
  let done = false;
  const render = () => {
    const shown = sides.map((side, i) => sideEmbed(inputs[i]!, side.progress, side.result));
    const embeds = shown.map((s) => s.embed);
    const long = shown.some((s, i) => s.cut && sides[i]!.result);
    return {
      content: '',
      embeds,
      allowedMentions: { parse: [] },
      components: done
        ? []
        : [
            {
              type: ComponentType.ActionRow,
              components: [
                { type: ComponentType.Button, style: ButtonStyle.Danger, label: 'Stop', custom_id: stopId },
              ],
            },
          ],
      ...(done && long
        ? {
            files: sides.map((s, i) => ({
              attachment: Buffer.from(s.result?.answer ?? '', 'utf8'),
              name: `${String.fromCharCode(97 + i)}-${inputs[i]!.model.id.replace(/\W+/g, '-')}.md`,
            })),
          }
        : {}),
    };
  };
  const throttle = new Throttle(hub.config.models.editIntervalMs, async () => {
    await interaction.editReply(render() as Parameters<typeof interaction.editReply>[0]);
  });
  const control = service.control(interaction.id, interaction.user.id);
  throttle.poke();
  try {
    await Promise.all(
      inputs.map(async (input, i) => {
        sides[i]!.result = await service.generate(input, runIds[i]!, {
          signal: control.signal,
          prescreened: true,
          onProgress: (progress) => {
            sides[i]!.progress = progress;
            throttle.poke();
          },
        });
        throttle.poke();
      }),
    );
  } finally {
    control.release();
    done = true;
    await throttle.close();
  }
}

export async function autocomplete(interaction: AutocompleteInteraction, hub: Hub): Promise<void> {
  await interaction.respond(await modelChoices(hub, interaction.options.getFocused()));
}

function sideEmbed(
  input: GenerationInput,
  progress: GenerationProgress,
  result?: GenerationResult,
): { embed: APIEmbed; cut: boolean } {
  const answer = result ? result.answer : progress.answer;
  const title = input.model.name.slice(0, 256);
  const status = (
    result ? footerText(result) : `${input.model.name} · ${progress.answer ? 'writing…' : 'waiting…'}`
  ).slice(0, 2048);
  const notes = (cut: boolean) =>
    [result?.notice, cut && result ? 'The whole answer is attached.' : undefined]
      .filter(Boolean)
      .map((n) => `*${n}*`);
  // 10 covers the "…", a closing fence and the blank line before the notes.
  const room = Math.max(
    0,
    Math.min(SIDE_LIMIT, SIDE_BUDGET - title.length - status.length - notes(true).join('\n\n').length - 10),
  );
  const cut = answer.length > room;
  let text = cut ? `${answer.slice(0, room)}…` : answer;
  // A cut inside a code block would leave the rest of the embed as code.
  if ((text.match(/^ {0,3}```/gm)?.length ?? 0) % 2 === 1) text += '\n```';
  return {
    cut,
    embed: {
      title,
      url: `https://huggingface.co/${input.model.id}`,
      description: [text || (result ? '' : '…'), ...notes(cut)].filter(Boolean).join('\n\n') || '—',
      footer: { text: status },
      color: result ? (result.outcome === 'ok' ? 0x2f855a : 0xc53030) : 0x718096,
    },
  };
}
