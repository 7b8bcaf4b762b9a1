// The settings of tracking; config.ts spreads these into the one schema.
import { z } from 'zod';
import { projectPath } from '../paths.ts';

// The shipped file, wherever the bot is started from.
const SHIPPED_PRESETS = projectPath('data-files', 'presets.json');

const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

export const TRACKING_HELP: Record<string, string> = {
  POLL_INTERVAL_MINUTES:
    'A whole number of minutes from 1 to 1440 between two polls of the same repository or organisation, or leave it empty for 5.',
  GITHUB_WEBHOOK_SECRET:
    'The secret you typed in GitHub → repository → Settings → Webhooks → Secret, or leave it empty to rely on polling only.',
  PRESETS_PATH: 'A JSON file of /watch presets, e.g. ./data-files/presets.json (the shipped one).',
};

export const trackingEnvShape = {
  POLL_INTERVAL_MINUTES: optionalText
    .refine(
      (v) => v === undefined || (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 1440),
      'must be a whole number of minutes from 1 to 1440',
    )
    .transform((v) => (v === undefined ? 5 : Number(v))),
  GITHUB_WEBHOOK_SECRET: optionalText,
  PRESETS_PATH: optionalText.transform((v) => v ?? SHIPPED_PRESETS),
};

type Parsed = z.output<z.ZodObject<typeof trackingEnvShape>>;

export interface TrackingConfig {
  pollIntervalMinutes: number;
  /** When set, POST /webhooks/github accepts GitHub's signed deliveries. */
  webhookSecret: string | undefined;
  presetsPath: string;
}

export function toTrackingConfig(v: Parsed): TrackingConfig {
  return {
    pollIntervalMinutes: v.POLL_INTERVAL_MINUTES,
    webhookSecret: v.GITHUB_WEBHOOK_SECRET,
    presetsPath: v.PRESETS_PATH,
  };
}
