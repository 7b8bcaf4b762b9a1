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
import { reserveRuns } from '../src/discord/try-flow.ts';
import { UserError } from '../src/errors.ts';
import type { Hub } from '../src/hub.ts';
import type { GenerationInput, GenerationProgress, GenerationResult } from '../src/models/service.ts';

/** Two embeds share Discord's 6000-character budget per message. */
const SIDE_LIMIT = 2700;

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
  );

export async function execute(interaction: ChatInputCommandInteraction, hub: Hub): Promise<void> {
  const { service } = hub.models;
  const models = [
    service.resolveModel(interaction.options.getString('model_a', true)),
    service.resolveModel(interaction.options.getString('model_b', true)),
  ];
  if (models[0]!.id === models[1]!.id) throw new UserError('Pick two different models to compare.');
  const prompt = interaction.options.getString('prompt', true);
  const inputs: GenerationInput[] = models.map((model) => ({
    guildId: interaction.guildId!,
    channelId: interaction.channelId,
    userId: interaction.user.id,
    kind: 'compare',
    model,
    messages: [{ role: 'user', content: prompt }],
    maxTokens: interaction.options.getInteger('max_tokens') ?? 512,
  }));
  const runIds = reserveRuns(hub, inputs);
  await interaction.deferReply().catch((error) => {
    service.abandon(runIds, `could not acknowledge: ${String(error)}`);
    throw error;
  });

  const stopId = customId('try', 'stop', interaction.id);
  const sides: Array<{ progress: GenerationProgress; result?: GenerationResult }> = inputs.map(() => ({
    progress: { answer: '', reasoning: '', thinking: false },
  }));
  let done = false;
  const render = () => {
    const embeds = sides.map((side, i) => sideEmbed(inputs[i]!, side.progress, side.result));
    const long = sides.some((s) => (s.result?.answer.length ?? 0) > SIDE_LIMIT);
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
): APIEmbed {
  const answer = result ? result.answer : progress.answer;
  let text = answer.length > SIDE_LIMIT ? `${answer.slice(0, SIDE_LIMIT)}…` : answer;
  // A cut inside a code block would leave the rest of the embed as code.
  if ((text.match(/^ {0,3}```/gm)?.length ?? 0) % 2 === 1) text += '\n```';
  const notes = [
    result?.notice,
    answer.length > SIDE_LIMIT && result ? 'The whole answer is attached.' : undefined,
  ].filter(Boolean);
  const status = result
    ? footerText(result)
    : `${input.model.name} · ${progress.answer ? 'writing…' : 'waiting…'}`;
  return {
    title: input.model.name.slice(0, 256),
    url: `https://huggingface.co/${input.model.id}`,
    description:
      [text || (result ? '' : '…'), ...notes.map((n) => `*${n}*`)].filter(Boolean).join('\n\n') || '—',
    footer: { text: status.slice(0, 2048) },
    color: result ? (result.outcome === 'ok' ? 0x2f855a : 0xc53030) : 0x718096,
  };
}
