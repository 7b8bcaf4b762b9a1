// The Discord side shared by /try and thread conversations: quota answers in words, and one
// streamed generation from reservation to final message.
import { ButtonStyle, ComponentType, type RepliableInteraction } from 'discord.js';
import { UserError } from '../errors.ts';
import type { Hub } from '../hub.ts';
import { promptOnly } from '../models/attachments.ts';
import { QuotaExceeded } from '../models/runs.ts';
import type { GenerationInput, GenerationResult } from '../models/service.ts';
import { customId } from './command.ts';
import { discordTime } from './format.ts';
import { replyPrivately } from './reply.ts';
import { ChannelSurface, InteractionSurface, StreamReply, type Surface } from './stream-reply.ts';

/** Over quota or inside the cooldown, in words, with when it resets. */
export function describeQuota(error: QuotaExceeded): string {
  const when = discordTime(error.resetsAt);
  const n = error.limit.toLocaleString('en-US');
  const zone = error.timeZone;
  switch (error.scope) {
    case 'cooldown':
      return `One moment: you can run a model again ${when}.`;
    case 'user_requests':
      return `You have used your ${n} model runs for today. Your quota resets ${when} (midnight ${zone}).`;
    case 'user_tokens':
      return `You have used your ${n} tokens for today. Your quota resets ${when} (midnight ${zone}).`;
    case 'guild_requests':
      return `This server has used its ${n} model runs for today. The quota resets ${when} (midnight ${zone}).`;
    case 'guild_tokens':
      return `This server has used its ${n} tokens for today. The quota resets ${when} (midnight ${zone}).`;
  }
}

/** Reserves runs for these generations, or throws a UserError that says why not. */
export async function reserveRuns(hub: Hub, inputs: GenerationInput[]): Promise<number[]> {
  try {
    return await hub.models.service.reserve(inputs);
  } catch (error) {
    if (error instanceof QuotaExceeded) throw new UserError(describeQuota(error));
    throw error;
  }
}

export function threadButton(runId: number) {
  return {
    type: ComponentType.ActionRow as const,
    components: [
      {
        type: ComponentType.Button as const,
        style: ButtonStyle.Secondary as const,
        label: 'Continue in thread',
        custom_id: customId('try', 'thread', runId),
      },
    ],
  };
}

/**
 * Streams one generation into Discord: into the interaction's reply when given one (falling
 * back to channel messages after 15 minutes), else into `channelId` as ordinary messages.
 */
export async function streamGeneration(
  hub: Hub,
  input: GenerationInput,
  runId: number,
  target: { interaction: RepliableInteraction; isPrivate: boolean } | { channelId: string },
  stopKey: string,
): Promise<{ result: GenerationResult; reply: StreamReply }> {
  const { service } = hub.models;
  const settings = hub.config.models;
  const surface: Surface =
    'interaction' in target
      ? new InteractionSurface(target.interaction, target.isPrivate)
      : new ChannelSurface(hub.poster, target.channelId);
  const isPrivate = 'interaction' in target && target.isPrivate;
  const reply = new StreamReply({
    surface,
    fallback: isPrivate ? undefined : () => new ChannelSurface(hub.poster, input.channelId),
    clock: hub.clock,
    log: hub.log,
    intervalMs: settings.editIntervalMs,
    maxMessages: settings.maxMessages,
    modelName: input.model.name,
    showReasoning: settings.showReasoning,
    stopCustomId: customId('try', 'stop', stopKey),
    // Tokens nobody will read still cost quota and provider time.
    onDead: () => service.stop(stopKey, input.userId, true),
    // With a guard, a crash mid-answer would leave unscreened text up: the next start removes it.
    onShown:
      service.deps.guard && !isPrivate
        ? (messages) =>
            void service.runs
              .recordShown(runId, messages)
              .catch((error: unknown) =>
                hub.log.warn({ err: error, runId }, 'Could not record where an unscreened answer shows'),
              )
        : undefined,
  });
  const control = service.control(stopKey, input.userId);
  reply.start();
  let result: GenerationResult;
  try {
    result = await service.generate(input, runId, {
      signal: control.signal,
      onProgress: (progress) => reply.update(progress),
    });
  } catch (error) {
    await reply.finish(failedResult(input, hub)).catch(() => undefined);
    throw error;
  } finally {
    control.release();
  }
  if (result.privateNotice) {
    if (isPrivate) result = { ...result, notice: result.privateNotice };
    else if ('interaction' in target && !result.answer) {
      await answerPrivatelyInstead(target.interaction, reply, result.privateNotice);
      return { result, reply };
    }
  }
  const canContinue =
    !isPrivate && input.kind === 'try' && (result.outcome === 'ok' || result.outcome === 'length');
  // Remembered before the button appears, so a quick click finds it.
  if (canContinue)
    service.rememberExchange(runId, {
      guildId: input.guildId,
      userId: input.userId,
      model: input.model,
      route: input.route,
      title: promptOnly(input.messages.at(-1)?.content ?? ''),
      messages: input.messages,
      answer: result.answer,
    });
  await reply.finish(result, canContinue ? [threadButton(runId)] : []);
  return { result, reply };
}

/**
 * An outcome about the member (their prompt refused, their model not served) goes to them alone:
 * the public reply is removed rather than left saying what they asked for.
 */
export async function answerPrivatelyInstead(
  interaction: RepliableInteraction,
  reply: StreamReply | undefined,
  text: string,
): Promise<void> {
  await reply?.withdraw();
  // Settles an untouched placeholder first when needed, so the follow-up really is private.
  await replyPrivately(interaction, text);
  // A private reply already is the private answer; only a public one goes.
  if (interaction.ephemeral !== true) await interaction.deleteReply().catch(() => undefined);
}

function failedResult(input: GenerationInput, hub: Hub): GenerationResult {
  return {
    outcome: 'error',
    answer: '',
    reasoning: '',
    model: input.model,
    provider: hub.models.service.inference.providerLabel(input.model.provider, input.route.via),
    firstTokenMs: undefined,
    durationMs: 0,
    tokensOut: 0,
    tokensPerSecond: undefined,
    notice: 'Something went wrong while answering.',
    blockedPolicy: undefined,
  };
}
