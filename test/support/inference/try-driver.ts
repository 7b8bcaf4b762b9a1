// Test verbs for /try end to end: start the bot with the inference emulator, run a command, and
// wait for the final state of the answer (a footer that no longer ends in "…").

import { ManualClock } from '../../../src/clock.ts';
import type { Interaction, Message, RestCall } from '../discord/index.ts';
import { startTestHub, type TestHub, type TestHubOptions } from '../harness.ts';
import { WatsonxEmulator } from '../watsonx/index.ts';
import { InferenceEmulator } from './emulator.ts';

export interface TryWorld {
  hub: TestHub;
  inference: InferenceEmulator;
  stop(): Promise<void>;
}

/** `env` may depend on the emulator (its URL is known only once it runs). */
export async function startTryWorld(
  env: Record<string, string> | ((inference: InferenceEmulator) => Record<string, string>) = {},
  options: TestHubOptions = {},
): Promise<TryWorld> {
  const inference = await InferenceEmulator.start();
  const hub = await startTestHub({
    ...options,
    env: {
      INFERENCE_ENDPOINT_URL: inference.endpointUrl,
      HF_ENDPOINT: inference.url,
      TRY_EDIT_INTERVAL_MS: '40',
      TRY_COOLDOWN_MS: '0',
      INFERENCE_BACKOFF_MAX_MS: '10',
      ...(typeof env === 'function' ? env(inference) : env),
    },
  });
  return {
    hub,
    inference,
    async stop() {
      await hub.stop();
      await inference.stop();
    },
  };
}

export interface MultiWorld extends TryWorld {
  watsonx: WatsonxEmulator;
}

export const WATSONX_TEST_APIKEY = 'wx-test-apikey-0123456789';
export const WATSONX_TEST_PROJECT = '6f1e3b52-0000-4000-8000-000000000001';

/**
 * The bot with IBM watsonx.ai (the watsonx emulator) and, unless `only` says otherwise, the
 * self-hosted endpoint and the Hugging Face router (both played by the inference emulator).
 */
export async function startMultiWorld(
  options: { only?: 'watsonx'; env?: Record<string, string> } = {},
): Promise<MultiWorld> {
  const clock = new ManualClock('2026-11-23T09:00:00Z');
  const watsonx = await WatsonxEmulator.start({ clock, apiKeys: [WATSONX_TEST_APIKEY] });
  try {
    const world = await startTryWorld(
      (inference) => ({
        WATSONX_AI_URL: watsonx.serviceUrl,
        WATSONX_AI_AUTH_URL: watsonx.authUrl,
        WATSONX_AI_APIKEY: WATSONX_TEST_APIKEY,
        WATSONX_AI_PROJECT_ID: WATSONX_TEST_PROJECT,
        ...(options.only === 'watsonx'
          ? { INFERENCE_ENDPOINT_URL: '' }
          : { HF_TOKEN: 'hf_multi_test_token', INFERENCE_ROUTER_URL: inference.url }),
        ...options.env,
      }),
      { clock },
    );
    return {
      ...world,
      watsonx,
      async stop() {
        try {
          await world.stop();
        } finally {
          await watsonx.stop();
        }
      },
    };
  } catch (error) {
    await watsonx.stop();
    throw error;
  }
}

// biome-ignore lint/suspicious/noExplicitAny: raw Discord API JSON
type Body = any;

/** A call that wrote the final state of an answer: its status embed has the timing footer. */
export function isFinalWrite(call: RestCall): boolean {
  const body = call.body as Body;
  return (
    call.status >= 200 &&
    call.status < 300 &&
    Array.isArray(body?.embeds) &&
    body.embeds.some((e: Body) => typeof e?.footer?.text === 'string' && !e.footer.text.endsWith('…'))
  );
}

/** Waits for the final write of the answer to the interaction with this token. */
export function waitForFinal(world: TryWorld, token: string, timeoutMs = 8000): Promise<RestCall> {
  return world.hub.discord.waitForCall((c) => isOf(c, token) && isFinalWrite(c), timeoutMs);
}

/** A webhook call made with this interaction token (paths carry it URL-encoded). */
export function isOf(call: RestCall, token: string): boolean {
  return call.path.includes(encodeURIComponent(token));
}

/** Every message of an interaction's answer, original first. */
export function answerMessages(interaction: Interaction): Message[] {
  const original = interaction.original();
  return [...(original ? [original] : []), ...interaction.followUps()];
}

export function footerOf(message: { embeds: Body[] }): string {
  return message.embeds.map((e) => e?.footer?.text).find(Boolean) ?? '';
}

export function noticeOf(message: { embeds: Body[] }): string {
  return message.embeds.map((e) => e?.description ?? '').join('\n');
}
