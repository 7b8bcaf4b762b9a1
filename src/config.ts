// Every environment variable the bot reads, validated once, with sentences a person can act on.
import { z } from 'zod';
import { checkPostgresUrl } from './db/engine.ts';
import { IDEAS_HELP, type IdeasConfig, ideasEnvShape, toIdeasConfig } from './ideas/config.ts';
import {
  checkModelsEnv,
  MODELS_HELP,
  type ModelsConfig,
  modelsEnvShape,
  toModelsConfig,
} from './models/config.ts';
import { TRACKING_HELP, type TrackingConfig, toTrackingConfig, trackingEnvShape } from './tracking/config.ts';

const SNOWFLAKE = /^\d{17,20}$/;

const HELP: Record<string, string> = {
  DISCORD_TOKEN:
    'Create a bot at Discord Developer Portal → Applications → your app → Bot → Reset Token, then put it in .env as DISCORD_TOKEN=…',
  DISCORD_APPLICATION_ID:
    'Copy it from Discord Developer Portal → Applications → your app → General Information → Application ID, then put it in .env as DISCORD_APPLICATION_ID=…',
  DISCORD_DEV_GUILD_ID:
    'Right-click your test server in Discord (with Developer Mode on in User Settings → Advanced) → Copy Server ID; or leave it empty to register commands globally.',
  DISCORD_API_URL: 'Use the REST base without the version, e.g. https://discord.com/api, or leave it empty.',
  DATABASE_PATH: 'A file path such as ./data/open-model-hub.sqlite, or leave it empty for that default.',
  GITHUB_TOKEN:
    'Create one at GitHub → Settings → Developer settings → Personal access tokens (public repository read access; Issues write for filing ideas).',
  GITHUB_API_URL:
    'Use https://api.github.com, or your GitHub Enterprise base such as https://ghe.example.com/api/v3.',
  HF_TOKEN:
    'Create one at huggingface.co → Settings → Access Tokens (a fine-grained token with "Make calls to Inference Providers").',
  HF_ENDPOINT: 'Use https://huggingface.co or a mirror of the Hub, or leave it empty.',
  INFERENCE_ENDPOINT_URL:
    'The base URL of an OpenAI-compatible server (TGI, vLLM, llama.cpp, Ollama), e.g. http://localhost:8000/v1, or leave it empty to use Hugging Face Inference Providers.',
  HTTP_PORT: 'A port number from 0 to 65535 (0 picks a free one), or leave it empty for 8080.',
  LOG_LEVEL: 'One of fatal, error, warn, info, debug, trace, silent.',
  ...MODELS_HELP,
  ...TRACKING_HELP,
  ...IDEAS_HELP,
  HTTP_HOST:
    'An address to listen on: 0.0.0.0 (every interface, right in a container), 127.0.0.1 (this machine only), or leave it empty for 0.0.0.0.',
  METRICS_TOKEN:
    'Any long random text (e.g. `openssl rand -hex 32`); Prometheus then sends it as `Authorization: Bearer …`. Leave it empty for an open /metrics.',
  BACKUP_DIR:
    'A folder for the daily backups, such as ./data/backups, or leave it empty for no daily backup.',
  BACKUP_KEEP: 'How many daily backups to keep, a whole number from 1 (default 7).',
  SHARD_COUNT:
    "Leave it empty to use Discord's recommended shard count; set it (with SHARDS) only to split the shards across processes.",
  SHARDS:
    'The shard ids this process runs, e.g. 0,1 or [0,1], each below SHARD_COUNT; or leave it empty for all.',
  WEB_BASE_URL:
    'The public address people open the board at, e.g. https://hub.example.org (behind your TLS reverse proxy), or leave it empty to keep the web board off.',
  DATABASE_URL:
    'Use the URL your PostgreSQL host gives you, e.g. postgres://user:password@host:5432/open_model_hub, or leave it empty to keep the SQLite file of DATABASE_PATH.',
  GITHUB_POLL_BUDGET_PERCENT:
    "A whole number from 1 to 100: the share of GitHub's secondary limit (900 requests a minute per endpoint) polling may use, or leave it empty for 80.",
};

const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const required = z
  .string({ error: (issue) => (issue.input === undefined ? 'is not set' : 'must be text') })
  .trim()
  .min(1, 'is not set');

const url = (fallback?: string) =>
  optionalText
    .refine((v) => v === undefined || URL.canParse(v), 'is not a valid URL')
    .refine(
      (v) => v === undefined || !URL.canParse(v) || /^https?:$/.test(new URL(v).protocol),
      'must start with http:// or https://',
    )
    .transform((v) => (v ?? fallback)?.replace(/\/+$/, ''));

const schema = z
  .object({
    DISCORD_TOKEN: required,
    DISCORD_APPLICATION_ID: required.regex(SNOWFLAKE, 'must be a Discord id (17 to 20 digits)'),
    DISCORD_DEV_GUILD_ID: optionalText.refine(
      (v) => v === undefined || SNOWFLAKE.test(v),
      'must be a Discord server id (17 to 20 digits)',
    ),
    DISCORD_API_URL: url('https://discord.com/api'),
    DATABASE_PATH: optionalText.transform((v) => v ?? './data/open-model-hub.sqlite'),
    GITHUB_TOKEN: optionalText,
    GITHUB_API_URL: url('https://api.github.com'),
    HF_TOKEN: optionalText,
    HF_ENDPOINT: url('https://huggingface.co'),
    INFERENCE_ENDPOINT_URL: url(),
    HTTP_PORT: optionalText
      .refine(
        (v) => v === undefined || (/^\d+$/.test(v) && Number(v) <= 65535),
        'must be a port number from 0 to 65535',
      )
      .transform((v) => (v === undefined ? 8080 : Number(v))),
    LOG_LEVEL: optionalText
      .refine(
        (v) => v === undefined || ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(v),
        'is not a log level',
      )
      .transform((v) => (v ?? 'info') as 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'),
    ...modelsEnvShape,
    ...trackingEnvShape,
    ...ideasEnvShape,
    HTTP_HOST: optionalText
      .refine((v) => v === undefined || /^[\w.:%[\]-]+$/.test(v), 'is not a host name or address')
      .transform((v) => v ?? '0.0.0.0'),
    METRICS_TOKEN: optionalText.refine(
      (v) => v === undefined || v.length >= 16,
      'must be at least 16 characters',
    ),
    BACKUP_DIR: optionalText,
    BACKUP_KEEP: optionalText
      .refine((v) => v === undefined || (/^\d+$/.test(v) && Number(v) >= 1), 'must be a whole number from 1')
      .transform((v) => (v === undefined ? 7 : Number(v))),
    SHARD_COUNT: optionalText
      .refine((v) => v === undefined || (/^\d+$/.test(v) && Number(v) >= 1), 'must be a whole number from 1')
      .transform((v) => (v === undefined ? undefined : Number(v))),
    SHARDS: optionalText
      .refine(
        (v) => v === undefined || /^\[?\s*\d+(\s*,\s*\d+)*\s*\]?$/.test(v),
        'must be a list of shard ids such as 0,1',
      )
      .transform((v) => (v === undefined ? undefined : (v.match(/\d+/g) ?? []).map(Number))),
    WEB_BASE_URL: url().refine(
      (v) => v === undefined || new URL(v).pathname === '/',
      'must be an address without a path, e.g. https://hub.example.org (the board serves /g/… at its root)',
    ),
    DATABASE_URL: optionalText.superRefine((v, ctx) => {
      const problem = v === undefined ? undefined : checkPostgresUrl(v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
    GITHUB_POLL_BUDGET_PERCENT: optionalText
      .refine(
        (v) => v === undefined || (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 100),
        'must be a whole number from 1 to 100',
      )
      .transform((v) => (v === undefined ? 80 : Number(v))),
  })
  .superRefine((v, ctx) => {
    checkModelsEnv(v, ctx);
    if (v.SHARDS && !v.SHARD_COUNT)
      ctx.addIssue({ code: 'custom', path: ['SHARD_COUNT'], message: 'must be set when SHARDS is' });
    if (v.SHARDS && v.SHARD_COUNT && v.SHARDS.some((id) => id >= v.SHARD_COUNT!))
      ctx.addIssue({
        code: 'custom',
        path: ['SHARDS'],
        message: `must hold ids below SHARD_COUNT (${v.SHARD_COUNT})`,
      });
  });

export interface Config {
  discordToken: string;
  discordApplicationId: string;
  discordDevGuildId: string | undefined;
  discordApiUrl: string;
  databasePath: string;
  githubToken: string | undefined;
  githubApiUrl: string;
  hfToken: string | undefined;
  hfEndpoint: string;
  inferenceEndpointUrl: string | undefined;
  httpPort: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** /try, /compare and /models. */
  models: ModelsConfig;
  /** /watch: polling, webhooks, presets. */
  tracking: TrackingConfig;
  /** /idea: submission limit, issue sync. */
  ideas: IdeasConfig;
  /** The address the HTTP server binds (0.0.0.0 by default, so containers work). */
  httpHost: string;
  /** When set, /metrics needs `Authorization: Bearer <token>`. */
  metricsToken: string | undefined;
  /** Daily backups go here when set; the newest `backupKeep` are kept. */
  backupDir: string | undefined;
  backupKeep: number;
  /** 'auto' (Discord's recommended count, all in this process) or this process's shard ids. */
  shards: 'auto' | number[];
  shardCount: number | undefined;
  /** The public address of the web board (no trailing slash); the board is off everywhere without it. */
  webBaseUrl: string | undefined;
  /** postgres://… selects PostgreSQL and wins over databasePath; undefined: SQLite. */
  databaseUrl: string | undefined;
  /** Share (percent) of GitHub's 900 points a minute per endpoint that polling may spend. */
  githubPollBudgetPercent: number;
}

/** A configuration problem: its message is meant for the operator, without a stack trace. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads and validates the environment once; only main.ts and scripts call this. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    // zod reports every check a value fails ("is not set" and "must be a Discord id" for an empty
    // id); the operator needs one sentence per setting: the first check, which is the most basic.
    const seen = new Set<string>();
    const firstPerSetting = parsed.error.issues.filter((issue) => {
      const name = String(issue.path[0]);
      if (seen.has(name)) return false;
      seen.add(name);
      return true;
    });
    const lines = firstPerSetting.map((issue) => {
      const name = String(issue.path[0]);
      const help = HELP[name] ? ` ${HELP[name]}` : '';
      return `${name} ${issue.message}.${help}`;
    });
    throw new ConfigError(lines.join('\n'));
  }
  const v = parsed.data;
  return Object.freeze({
    discordToken: v.DISCORD_TOKEN,
    discordApplicationId: v.DISCORD_APPLICATION_ID,
    discordDevGuildId: v.DISCORD_DEV_GUILD_ID,
    discordApiUrl: v.DISCORD_API_URL!,
    databasePath: v.DATABASE_PATH,
    githubToken: v.GITHUB_TOKEN,
    githubApiUrl: v.GITHUB_API_URL!,
    hfToken: v.HF_TOKEN,
    hfEndpoint: v.HF_ENDPOINT!,
    inferenceEndpointUrl: v.INFERENCE_ENDPOINT_URL,
    httpPort: v.HTTP_PORT,
    logLevel: v.LOG_LEVEL,
    models: toModelsConfig(v),
    tracking: toTrackingConfig(v),
    ideas: toIdeasConfig(v),
    httpHost: v.HTTP_HOST,
    metricsToken: v.METRICS_TOKEN,
    backupDir: v.BACKUP_DIR,
    backupKeep: v.BACKUP_KEEP,
    shards: v.SHARDS ?? (v.SHARD_COUNT ? Array.from({ length: v.SHARD_COUNT }, (_, i) => i) : 'auto'),
    shardCount: v.SHARD_COUNT,
    webBaseUrl: v.WEB_BASE_URL,
    databaseUrl: v.DATABASE_URL,
    githubPollBudgetPercent: v.GITHUB_POLL_BUDGET_PERCENT,
  });
}

/** Every environment variable the bot reads: the README settings table and .env.example name each one. */
export const SETTING_NAMES: readonly string[] = Object.keys(schema.shape);
