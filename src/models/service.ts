// What /try, /compare and thread conversations do, without Discord: reserve quota, screen the
// prompt, stream the model (reasoning kept apart), screen the answer, record the run.

import type { Kysely } from 'kysely';
import type { Clock } from '../clock.ts';
import type { DB } from '../db/schema.ts';
import { UserError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { CatalogModel, ModelCatalog } from './catalog.ts';
import { ModelCatalog as Catalog, servedIds } from './catalog.ts';
import type { ModelsConfig } from './config.ts';
import type { EndpointModels } from './endpoint-models.ts';
import { type Guard, GuardUnreadable } from './guard.ts';
import { type ChatMessage, InferenceError, type InferenceGateway } from './inference.ts';
import { PROVIDER_TITLES, type ProviderName } from './provider.ts';
import { QuotaSettingsStore } from './quota-settings.ts';
import { ThinkFilter } from './reasoning.ts';
import { ModelRunStore, type RunKind, type RunOutcome } from './runs.ts';
import { messageTokens, ThreadStore } from './threads.ts';

export interface GenerationInput {
  guildId: string;
  channelId: string;
  userId: string;
  kind: RunKind;
  model: CatalogModel;
  /** Which platform runs it, under which id (from route()). */
  route: Route;
  /** The whole conversation, system prompt and history included; the last one is the user's. */
  messages: ChatMessage[];
  temperature?: number | undefined;
  maxTokens?: number | undefined;
  /** Told with the answer whatever its outcome (how much of a file was used). */
  note?: string | undefined;
}

/** Where a generation runs: the platform, and the model's id there. */
export interface Route {
  via: ProviderName;
  id: string;
}

export interface GenerationProgress {
  answer: string;
  reasoning: string;
  /** Inside a <think> block right now. */
  thinking: boolean;
}

export interface GenerationResult {
  outcome: RunOutcome;
  /** What may be shown: empty when the guard blocked the answer. */
  answer: string;
  reasoning: string;
  model: CatalogModel;
  provider: string;
  firstTokenMs: number | undefined;
  durationMs: number;
  tokensOut: number;
  tokensPerSecond: number | undefined;
  /** A sentence for the user when the answer is not simply complete; fit for the channel. */
  notice: string | undefined;
  /**
   * Set when the outcome is about the member (a refused prompt, a model that is not served): the
   * sentence to tell them privately, while the channel keeps nothing that points at them.
   */
  privateNotice?: string | undefined;
  blockedPolicy: string | undefined;
}

export interface Exchange {
  guildId: string;
  userId: string;
  model: CatalogModel;
  route: Route;
  /** What the member asked, for the thread's name (without an inlined file). */
  title: string;
  messages: ChatMessage[];
  answer: string;
}

export interface ModelServiceDeps {
  db: Kysely<DB>;
  /** Which engine `db` runs on: quotas take a lock on PostgreSQL, where several processes count. */
  engine?: 'sqlite' | 'postgres';
  /** This process's number on the runs it streams (src/db/liveness.ts). */
  processId?: number | null;
  clock: Clock;
  log: Logger;
  config: ModelsConfig;
  catalog: ModelCatalog;
  inference: InferenceGateway;
  guard: Guard | undefined;
  /** The self-hosted server's model list, when one is configured. */
  endpointModels?: EndpointModels | undefined;
  /** Told about every finished generation (metrics). */
  observe?: (result: GenerationResult) => void;
}

/**
 * A Hub repo id as the Hub itself accepts them: owner/name, each part starting and ending with a
 * letter, digit or _, no '--' or '..'. Stricter than "word characters, dots and dashes", which let
 * `../whoami-v2` walk out of /api/models/ on the URL the inference client builds from the id.
 */
const MODEL_ID = /^(?!.*(?:--|\.\.))\w(?:[\w.-]{0,94}\w)?\/\w(?:[\w.-]{0,94}\w)?$/;
const SHUTDOWN = 'shutdown';
/** How long a restart waits for the guard to screen an answer it interrupted. */
const SHUTDOWN_SCREEN_MS = 3000;

export interface GenerateOptions {
  signal?: AbortSignal;
  onProgress?: (p: GenerationProgress) => void;
  /** The prompt was already screened (/compare screens once for both models). */
  prescreened?: boolean;
}

export class ModelService {
  readonly runs: ModelRunStore;
  readonly quotas: QuotaSettingsStore;
  readonly threads: ThreadStore;
  private readonly active = new Map<string, { controller: AbortController; userId: string }>();
  private readonly exchanges = new Map<number, Exchange>();

  constructor(readonly deps: ModelServiceDeps) {
    this.runs = new ModelRunStore(deps.db, deps.clock, deps.engine ?? 'sqlite', deps.processId ?? null);
    this.quotas = new QuotaSettingsStore(deps.db, deps.clock, deps.config.quotas);
    this.threads = new ThreadStore(deps.db, deps.clock, deps.engine ?? 'sqlite');
  }

  get catalog(): ModelCatalog {
    return this.deps.catalog;
  }

  get inference(): InferenceGateway {
    return this.deps.inference;
  }

  /** A catalog model, or any Hub model id typed or picked in autocomplete. */
  resolveModel(id: string): CatalogModel {
    const trimmed = id.trim();
    const found = this.deps.catalog.find(trimmed);
    if (found?.role === 'guard')
      throw new UserError(`${found.name} is a safety model; pick a chat model from /models.`);
    if (found) return found;
    if (!MODEL_ID.test(trimmed))
      throw new UserError(
        `“${trimmed.slice(0, 100)}” is not a model id. Pick one from the list, or type a Hugging Face id such as ibm-granite/granite-3.0-8b-instruct.`,
      );
    return Catalog.adHoc(trimmed);
  }

  /**
   * Which configured platform runs `model`: the member's choice, else the first in the operator's
   * order that serves it. Checked before anything is shown publicly, so "not served" is private.
   */
  async route(model: CatalogModel, requested?: ProviderName): Promise<Route> {
    const { inference, endpointModels } = this.deps;
    const ids = servedIds(model);
    const configured = inference.order;
    if (configured.length === 0)
      throw new UserError(
        'No inference provider is configured on this bot; ask its operator to set HF_TOKEN, INFERENCE_ENDPOINT_URL or WATSONX_AI_APIKEY.',
      );
    const endpointSays = async (id: string) => (endpointModels ? endpointModels.serves(id) : undefined);
    if (requested) {
      if (!inference.has(requested))
        throw new UserError(
          `${PROVIDER_TITLES[requested]} is not configured on this bot. It uses: ${configured.map((n) => PROVIDER_TITLES[n]).join(', ')}.`,
        );
      const id = ids[requested];
      if (!id)
        throw new UserError(`${model.name} is not served by ${PROVIDER_TITLES[requested]}. See /models.`);
      if (requested === 'self-hosted' && (await endpointSays(id)) === false)
        throw new UserError(await this.notOnEndpoint(id));
      return { via: requested, id };
    }
    for (const via of configured) {
      const id = ids[via];
      if (!id) continue;
      if (via === 'self-hosted' && (await endpointSays(id)) === false) continue;
      return { via, id };
    }
    if (configured.length === 1 && configured[0] === 'self-hosted')
      throw new UserError(await this.notOnEndpoint(ids['self-hosted']!));
    throw new UserError(
      `${model.id} is not served by ${configured.map((n) => PROVIDER_TITLES[n]).join(' or ')} here. See /models for models that are.`,
    );
  }

  private async notOnEndpoint(id: string): Promise<string> {
    const served = [...((await this.deps.endpointModels?.list()) ?? [])];
    const list = served.slice(0, 10).join(', ');
    return `${id} is not served by this bot's self-hosted endpoint.${served.length ? ` It serves: ${list}${served.length > 10 ? ', …' : ''}.` : ''} See /models.`;
  }

  /**
   * Checks the cooldown and today's quotas and records the runs as started (one per input).
   * Throws QuotaExceeded; the caller turns it into words.
   */
  async reserve(inputs: GenerationInput[]): Promise<number[]> {
    const first = inputs[0]!;
    const { limits, timeZone } = await this.quotas.withTimeZone(first.guildId);
    return this.runs.begin(
      inputs.map((input) => ({
        guildId: input.guildId,
        channelId: input.channelId,
        userId: input.userId,
        model: input.model.id,
        provider: input.route.via,
        kind: input.kind,
        tokensIn: input.messages.reduce((n, m) => n + messageTokens(m), 0),
      })),
      limits,
      this.deps.config.cooldownMs,
      timeZone,
    );
  }

  /** Runs reserved but never started (the interaction could not be acknowledged). */
  async abandon(runIds: number[], reason: string): Promise<void> {
    for (const runId of runIds)
      await this.runs.finish(runId, { outcome: 'error', durationMs: 0, tokensOut: 0, error: reason });
  }

  /** Runs whose prompt screenPrompt() refused: recorded as such, nothing was sent. */
  async refuse(
    runIds: number[],
    refusal: { outcome: RunOutcome; blockedPolicy?: string | undefined },
  ): Promise<void> {
    for (const runId of runIds)
      await this.runs.finish(runId, {
        outcome: refusal.outcome,
        durationMs: 0,
        tokensOut: 0,
        guardPolicy: refusal.blockedPolicy,
      });
  }

  /** Registers a generation that a Stop button may cancel; call release() when it ends. */
  control(key: string, userId: string): { signal: AbortSignal; release(): void } {
    const controller = new AbortController();
    this.active.set(key, { controller, userId });
    return { signal: controller.signal, release: () => this.active.delete(key) };
  }

  /** Stops a running generation; only its caller (or a curator) may. */
  stop(key: string, userId: string, mayStopOthers: boolean): 'stopped' | 'not_running' | 'not_yours' {
    const entry = this.active.get(key);
    if (!entry) return 'not_running';
    if (entry.userId !== userId && !mayStopOthers) return 'not_yours';
    entry.controller.abort();
    return 'stopped';
  }

  /**
   * Keeps a finished exchange so "Continue in thread" can seed the thread. In memory and
   * bounded: after a restart the button asks for a new /try.
   */
  rememberExchange(runId: number, exchange: Exchange): void {
    if (this.exchanges.size >= 1000) this.exchanges.delete(this.exchanges.keys().next().value!);
    this.exchanges.set(runId, exchange);
  }

  takeExchange(runId: number): Exchange | undefined {
    const exchange = this.exchanges.get(runId);
    this.exchanges.delete(runId);
    return exchange;
  }

  /** Shutting down: every generation ends now, keeping what it wrote, so the drain is quick. */
  stopAll(): void {
    for (const { controller } of this.active.values()) controller.abort(SHUTDOWN);
  }

  isRunning(key: string): boolean {
    return this.active.has(key);
  }

  get running(): number {
    return this.active.size;
  }

  async generate(
    input: GenerationInput,
    runId: number,
    options: GenerateOptions = {},
  ): Promise<GenerationResult> {
    try {
      const result = await this.generateOnce(input, runId, options);
      this.deps.observe?.(result);
      return result;
    } catch (error) {
      // A bug, not a provider failure: the run must not stay "running" and count as in progress.
      await this.runs.finish(runId, { outcome: 'error', durationMs: 0, tokensOut: 0, error: String(error) });
      throw error;
    }
  }

  private async generateOnce(
    input: GenerationInput,
    runId: number,
    options: GenerateOptions,
  ): Promise<GenerationResult> {
    const { guard, inference, log } = this.deps;
    const started = performance.now();
    const filter = new ThinkFilter();
    let firstTokenMs: number | undefined;
    let streamStart: number | undefined;
    let tokensOut = 0;
    let tokensIn: number | undefined;
    let outcome: RunOutcome = 'ok';
    let notice: string | undefined;
    let privateNotice: string | undefined;
    let blockedPolicy: string | undefined;
    let errorText: string | undefined;

    const finish = async (): Promise<GenerationResult> => {
      const durationMs = performance.now() - started;
      const streamMs = streamStart === undefined ? 0 : performance.now() - streamStart;
      await this.runs.finish(runId, {
        outcome,
        firstTokenMs,
        durationMs,
        tokensIn,
        tokensOut,
        guardPolicy: blockedPolicy,
        error: errorText,
      });
      const blocked = outcome === 'blocked_answer' || outcome === 'blocked_prompt';
      return {
        outcome,
        answer: blocked ? '' : filter.answer,
        reasoning: blocked ? '' : filter.reasoning,
        model: input.model,
        provider: inference.providerLabel(input.model.provider, input.route.via),
        firstTokenMs,
        durationMs,
        tokensOut,
        tokensPerSecond: streamMs > 0 && tokensOut > 1 ? (tokensOut - 1) / (streamMs / 1000) : undefined,
        notice: [input.note, notice].filter(Boolean).join('\n') || undefined,
        privateNotice,
        blockedPolicy,
      };
    };

    if (guard && !options.prescreened) {
      const refusal = await this.screenPrompt(input, options.signal);
      if (refusal) {
        ({ outcome, notice, privateNotice, blockedPolicy } = refusal);
        if (outcome === 'blocked_prompt')
          log.info({ runId, model: input.model.id, policy: blockedPolicy }, 'Guard blocked a prompt');
        return finish();
      }
    }

    try {
      for await (const event of inference.stream({
        model: input.route.id,
        provider: input.model.provider,
        via: input.route.via,
        messages: input.messages,
        temperature: input.temperature,
        maxTokens: input.maxTokens,
        signal: options.signal,
      })) {
        if (event.type === 'end') {
          if (event.finishReason === 'length') outcome = 'length';
          if (event.usage) {
            tokensIn = event.usage.promptTokens || undefined;
            if (event.usage.completionTokens) tokensOut = event.usage.completionTokens;
          }
          continue;
        }
        if (firstTokenMs === undefined) {
          firstTokenMs = performance.now() - started;
          streamStart = performance.now();
        }
        if (event.type === 'reasoning') filter.pushReasoning(event.text);
        else filter.push(event.text);
        tokensOut++;
        options.onProgress?.({
          answer: filter.answer,
          reasoning: filter.reasoning,
          thinking: filter.thinking,
        });
      }
    } catch (error) {
      if (!(error instanceof InferenceError)) throw error;
      ({ outcome, notice } = this.describeFailure(error, input.model, input.route));
      // A model the platform does not know is about the member's choice, not the channel's business.
      if (outcome === 'unknown_model') privateNotice = notice;
      errorText = error.message;
      if (options.signal?.reason === SHUTDOWN)
        notice = 'The bot is restarting; the answer so far is kept. Run /try again in a minute.';
    }
    filter.end();
    if (outcome === 'length')
      notice = `The answer reached the max_tokens limit${input.maxTokens ? ` (${input.maxTokens})` : ''}.`;

    // Whatever ended the stream (the end, Stop, a timeout, a restart), what stays visible is
    // screened: a stopped answer whose flagged words had started to show must not stay up.
    if (guard && filter.answer.trim()) {
      const shuttingDown = options.signal?.reason === SHUTDOWN;
      // A restart waits for this; bounded so the drain does not give up and leave the text unscreened.
      const signal = shuttingDown ? AbortSignal.timeout(SHUTDOWN_SCREEN_MS) : undefined;
      const verdict = await this.screen(guard, input.messages, filter.answer, signal);
      if (verdict.kind !== 'allowed') {
        outcome = verdict.kind === 'blocked' ? 'blocked_answer' : 'guard_error';
        blockedPolicy = verdict.policy;
        notice =
          verdict.kind === 'blocked'
            ? `The answer was withheld: the safety check (${guard.model}) flagged it for ${verdict.policy}.`
            : 'The answer was withheld because the safety check could not be completed.';
        if (shuttingDown) notice += ' The bot is restarting; run /try again in a minute.';
        if (verdict.kind === 'blocked')
          log.info({ runId, model: input.model.id, policy: verdict.policy }, 'Guard blocked an answer');
      }
    }
    return finish();
  }

  /**
   * Screens everything the model would be sent (system prompt and history included); undefined
   * when it may go, else the refusal to report. /compare calls this once for both models.
   */
  async screenPrompt(
    input: GenerationInput,
    signal?: AbortSignal,
  ): Promise<
    | { outcome: RunOutcome; notice: string; privateNotice?: string; blockedPolicy?: string | undefined }
    | undefined
  > {
    const { guard } = this.deps;
    if (!guard) return undefined;
    const verdict = await this.screen(guard, input.messages, undefined, signal);
    if (verdict.kind === 'allowed') return undefined;
    if (verdict.kind === 'failed')
      return {
        outcome: 'guard_error',
        notice: 'The safety check could not be completed, so the prompt was not sent. Try again in a minute.',
      };
    // The policy names what the member asked about: for their eyes only.
    return {
      outcome: 'blocked_prompt',
      notice: 'This prompt was not sent to the model.',
      privateNotice: `Your prompt was not sent: the safety check (${guard.model}) flagged it for ${verdict.policy}.`,
      blockedPolicy: verdict.policy,
    };
  }

  private async screen(
    guard: Guard,
    conversation: ChatMessage[],
    answer: string | undefined,
    signal?: AbortSignal,
  ): Promise<{ kind: 'allowed' | 'blocked' | 'failed'; policy?: string }> {
    try {
      const verdict = await guard.screen(conversation, answer, signal);
      return verdict.allowed ? { kind: 'allowed' } : { kind: 'blocked', policy: verdict.policy };
    } catch (error) {
      // Fail closed: an unscreened answer is what the guard exists to prevent.
      this.deps.log.warn(
        // Not the error itself: an unreadable verdict quotes the guard's output, which can echo the prompt.
        {
          guardModel: guard.model,
          errorName: (error as Error | undefined)?.name,
          ...(error instanceof InferenceError
            ? { failure: error.failure, status: error.details.status }
            : {}),
        },
        error instanceof GuardUnreadable
          ? 'Guard model gave no verdict; check that GUARD_MODEL is a Llama Guard or Granite Guardian model'
          : 'Guard model call failed; prompts are refused until it answers again',
      );
      return { kind: 'failed' };
    }
  }

  private describeFailure(
    error: InferenceError,
    model: CatalogModel,
    route: Route,
  ): { outcome: RunOutcome; notice: string } {
    const { config } = this.deps;
    switch (error.failure) {
      case 'loading': {
        const wait = error.details.estimatedTimeS;
        return {
          outcome: 'loading',
          notice: `${model.name} is still loading at the provider${wait ? ` (about ${Math.ceil(wait)} s more)` : ''}. Try again in a minute.`,
        };
      }
      case 'busy':
        return {
          outcome: 'busy',
          notice: 'The provider is busy right now (too many requests). Try again in a minute.',
        };
      case 'unknown_model':
        return {
          outcome: 'unknown_model',
          notice:
            route.via === 'watsonx'
              ? `${route.id} is not available from IBM watsonx.ai in this bot's region. See /models for models that are.`
              : `${model.id} is not available from the configured provider. See /models for models that are.`,
        };
      case 'auth':
        return {
          outcome: 'error',
          notice: `${PROVIDER_TITLES[route.via]} refused this bot's credentials; its operator can see why in the log. Try another model or provider.`,
        };
      case 'timeout':
        return {
          outcome: 'timeout',
          notice: /start/.test(error.message)
            ? `The model did not start answering within ${Math.round(config.firstTokenTimeoutMs / 1000)} s. Try again later, or try another model.`
            : `The model took longer than ${Math.round(config.timeoutMs / 1000)} s; the answer so far is kept.`,
        };
      case 'aborted':
        return { outcome: 'stopped', notice: 'Stopped; the answer so far is kept.' };
      case 'cut':
        return { outcome: 'cut', notice: 'The answer was cut off: the provider stopped before finishing.' };
      case 'not_configured':
        return {
          outcome: 'not_configured',
          notice:
            'No inference provider is configured on this bot; ask its operator to set HF_TOKEN, INFERENCE_ENDPOINT_URL or WATSONX_AI_APIKEY.',
        };
      default:
        return {
          outcome: 'error',
          notice: 'The provider failed to answer. Try again later, or try another model.',
        };
    }
  }
}
