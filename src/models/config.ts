// The settings of /try, /compare and /models; config.ts spreads these into the one schema.
import { z } from 'zod';
import { projectPath } from '../paths.ts';

// The shipped catalog is found next to the code, whatever the working directory.
const SHIPPED_CATALOG = projectPath('data-files', 'models.json');

const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const count = (fallback: number, min = 0) =>
  optionalText
    .refine(
      (v) => v === undefined || (/^\d+$/.test(v) && Number(v) >= min),
      `must be a whole number ≥ ${min}`,
    )
    .transform((v) => (v === undefined ? fallback : Number(v)));

export const MODELS_HELP: Record<string, string> = {
  MODEL_CATALOG_PATH:
    'A JSON file listing the models /try offers, e.g. ./data-files/models.json (the shipped one).',
  INFERENCE_ROUTER_URL:
    'Leave it empty for https://router.huggingface.co, or give a proxy of the Hugging Face router.',
  GUARD_MODEL:
    'A safety model id such as ibm-granite/granite-guardian-3.1-2b or meta-llama/Llama-Guard-3-8B, or leave it empty to screen nothing.',
  SHOW_REASONING: 'hide (drop <think> text) or spoiler (show it collapsed under the answer).',
};

export const modelsEnvShape = {
  MODEL_CATALOG_PATH: optionalText.transform((v) => v ?? SHIPPED_CATALOG),
  INFERENCE_ROUTER_URL: optionalText
    .refine((v) => v === undefined || /^https?:\/\/[^\s]+$/.test(v), 'is not a valid http(s) URL')
    .transform((v) => (v ?? 'https://router.huggingface.co').replace(/\/+$/, '')),
  GUARD_MODEL: optionalText,
  SHOW_REASONING: optionalText
    .refine((v) => v === undefined || v === 'hide' || v === 'spoiler', 'must be hide or spoiler')
    .transform((v) => (v ?? 'hide') as 'hide' | 'spoiler'),
  INFERENCE_TIMEOUT_MS: count(120_000, 1),
  INFERENCE_FIRST_TOKEN_TIMEOUT_MS: count(60_000, 1),
  INFERENCE_LOADING_RETRIES: count(2),
  INFERENCE_BACKOFF_MAX_MS: count(10_000),
  TRY_EDIT_INTERVAL_MS: count(1000, 1),
  TRY_MAX_MESSAGES: count(4, 1),
  TRY_COOLDOWN_MS: count(10_000),
  TRY_USER_DAILY_REQUESTS: count(30),
  TRY_USER_DAILY_TOKENS: count(30_000),
  TRY_GUILD_DAILY_REQUESTS: count(500),
  TRY_GUILD_DAILY_TOKENS: count(500_000),
};

type Parsed = z.output<z.ZodObject<typeof modelsEnvShape>>;

export interface ModelsConfig {
  catalogPath: string;
  routerUrl: string;
  guardModel: string | undefined;
  showReasoning: 'hide' | 'spoiler';
  timeoutMs: number;
  firstTokenTimeoutMs: number;
  loadingRetries: number;
  backoffMaxMs: number;
  editIntervalMs: number;
  maxMessages: number;
  cooldownMs: number;
  /** Defaults when a server set no quota of its own; 0 means no limit. */
  quotas: QuotaLimits;
}

export interface QuotaLimits {
  userDailyRequests: number;
  userDailyTokens: number;
  guildDailyRequests: number;
  guildDailyTokens: number;
}

export function toModelsConfig(v: Parsed): ModelsConfig {
  return {
    catalogPath: v.MODEL_CATALOG_PATH,
    routerUrl: v.INFERENCE_ROUTER_URL,
    guardModel: v.GUARD_MODEL,
    showReasoning: v.SHOW_REASONING,
    timeoutMs: v.INFERENCE_TIMEOUT_MS,
    firstTokenTimeoutMs: v.INFERENCE_FIRST_TOKEN_TIMEOUT_MS,
    loadingRetries: v.INFERENCE_LOADING_RETRIES,
    backoffMaxMs: v.INFERENCE_BACKOFF_MAX_MS,
    editIntervalMs: v.TRY_EDIT_INTERVAL_MS,
    maxMessages: v.TRY_MAX_MESSAGES,
    cooldownMs: v.TRY_COOLDOWN_MS,
    quotas: {
      userDailyRequests: v.TRY_USER_DAILY_REQUESTS,
      userDailyTokens: v.TRY_USER_DAILY_TOKENS,
      guildDailyRequests: v.TRY_GUILD_DAILY_REQUESTS,
      guildDailyTokens: v.TRY_GUILD_DAILY_TOKENS,
    },
  };
}
