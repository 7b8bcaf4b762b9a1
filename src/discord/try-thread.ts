// "Continue in thread": opening the thread on a /try answer, and each message its owner writes
// there continuing the conversation with the same model, provider and first-turn attachments.
import type { Message, MessageComponentInteraction } from 'discord.js';
import { UserError } from '../errors.ts';
import type { Hub } from '../hub.ts';
import { isProviderName, type ProviderName } from '../models/provider.ts';
import { QuotaExceeded } from '../models/runs.ts';
import type { Route } from '../models/service.ts';
import { fitToContext } from '../models/threads.ts';
import { PostError } from './post.ts';
import { describeQuota, streamGeneration } from './try-flow.ts';

/** Answer budget in a thread, where there is no max_tokens option; also /try's default. */
export const THREAD_MAX_TOKENS = 1024;

export async function openThread(
  interaction: MessageComponentInteraction,
  hub: Hub,
  runId: number,
): Promise<void> {
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
  await service.threads.create(
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
export async function continueInThread(msg: Message, hub: Hub): Promise<void> {
  const { service } = hub.models;
  const thread = await service.threads.get(msg.channelId);
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
  const history = [...(await service.threads.history(thread.threadId)), { role: 'user' as const, content }];
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
    [runId] = (await service.reserve([input])) as [number];
  } catch (error) {
    if (!(error instanceof QuotaExceeded)) throw error;
    await hub.poster.post(thread.threadId, { content: describeQuota(error) });
    return;
  }
  const { result } = await streamGeneration(hub, input, runId, { channelId: thread.threadId }, stopKey);
  if (result.outcome === 'ok' || result.outcome === 'length')
    await service.threads.addTurns(thread.threadId, [
      { role: 'user', content },
      { role: 'assistant', content: result.answer },
    ]);
}
