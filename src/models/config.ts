// The settings of /try, /compare and /models; config.ts spreads these into the one schema.
import { z } from 'zod';
import { projectPath } from '../paths.ts';
import { isProviderName, PROVIDER_NAMES, type ProviderName } from './provider.ts';

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
  PROVIDER_ORDER:
    'A comma list of self-hosted, watsonx, huggingface (the first configured one that serves a model answers), or leave it empty for that order.',
  WATSONX_AI_URL:
    'The service URL of your watsonx.ai region, e.g. https://us-south.ml.cloud.ibm.com (watsonx.ai → your project → Manage → General shows the region).',
  WATSONX_AI_APIKEY:
    'Create one at IBM Cloud → Manage → Access (IAM) → API keys, or leave it empty to not use watsonx.ai.',
  WATSONX_AI_PROJECT_ID:
    'Copy it from watsonx.ai → your project → Manage → General → Project ID (or set WATSONX_AI_SPACE_ID instead).',
  WATSONX_AI_SPACE_ID: 'A deployment space id, instead of WATSONX_AI_PROJECT_ID.',
  WATSONX_AI_AUTH_URL:
    'Leave it empty for https://iam.cloud.ibm.com, or give your private cloud’s IAM base URL.',
  TRY_IMAGE_MAX_MB: 'The largest image /try and /compare accept, in MB (default 5).',
  TRY_FILE_MAX_CHARS: 'How many characters of a /try file go into the prompt (default 20000).',
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
  PROVIDER_ORDER: optionalText
    .refine(
      (v) => v === undefined || v.split(',').every((n) => isProviderName(n.trim())),
      `must be a comma list of ${PROVIDER_NAMES.join(', ')}`,
    )
    .transform((v) =>
      v === undefined ? undefined : [...new Set(v.split(',').map((n) => n.trim() as ProviderName))],
    ),
  WATSONX_AI_URL: optionalText
    .refine((v) => v === undefined || /^https?:\/\/[^\s]+$/.test(v), 'is not a valid http(s) URL')
    .transform((v) => v?.replace(/\/+$/, '')),
  WATSONX_AI_APIKEY: optionalText,
  WATSONX_AI_PROJECT_ID: optionalText,
  WATSONX_AI_SPACE_ID: optionalText,
  WATSONX_AI_AUTH_URL: optionalText
    .refine((v) => v === undefined || /^https?:\/\/[^\s]+$/.test(v), 'is not a valid http(s) URL')
    .transform((v) =>
      (v ?? 'https://iam.cloud.ibm.com').replace(/\/+$/, '').replace(/\/identity\/token$/, ''),
    ),
  TRY_IMAGE_MAX_MB: count(5, 1),
  TRY_FILE_MAX_CHARS: count(20_000, 1),
};

/** watsonx.ai needs its settings together; one sentence names what is missing. */
export function checkModelsEnv(v: Record<string, unknown>, ctx: z.RefinementCtx): void {
  if (!v.WATSONX_AI_APIKEY) return;
  if (!v.WATSONX_AI_URL)
    ctx.addIssue({ code: 'custom', path: ['WATSONX_AI_URL'], message: 'is not set (WATSONX_AI_APIKEY is)' });
  if (!v.WATSONX_AI_PROJECT_ID && !v.WATSONX_AI_SPACE_ID)
    ctx.addIssue({
      code: 'custom',
      path: ['WATSONX_AI_PROJECT_ID'],
      message: 'is not set (nor WATSONX_AI_SPACE_ID), and watsonx.ai needs one of them',
    });
  if (v.WATSONX_AI_PROJECT_ID && v.WATSONX_AI_SPACE_ID)
    ctx.addIssue({
      code: 'custom',
      path: ['WATSONX_AI_SPACE_ID'],
      message: 'is set together with WATSONX_AI_PROJECT_ID; set only one of them',
    });
}

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
  /** PROVIDER_ORDER, when the operator gave one. */
  providerOrder: ProviderName[] | undefined;
  /** IBM watsonx.ai, when WATSONX_AI_APIKEY is set. */
  watsonx:
    | {
        url: string;
        apiKey: string;
        projectId: string | undefined;
        spaceId: string | undefined;
        authUrl: string;
      }
    | undefined;
  imageMaxBytes: number;
  fileMaxChars: number;
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
    providerOrder: v.PROVIDER_ORDER,
    watsonx:
      v.WATSONX_AI_APIKEY && v.WATSONX_AI_URL
        ? {
            url: v.WATSONX_AI_URL,
            apiKey: v.WATSONX_AI_APIKEY,
            projectId: v.WATSONX_AI_PROJECT_ID,
            spaceId: v.WATSONX_AI_SPACE_ID,
            authUrl: v.WATSONX_AI_AUTH_URL,
          }
        : undefined,
    imageMaxBytes: v.TRY_IMAGE_MAX_MB * 1024 * 1024,
    fileMaxChars: v.TRY_FILE_MAX_CHARS,
  };
}
