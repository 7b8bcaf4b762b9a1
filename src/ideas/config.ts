// The settings of ideas; config.ts spreads these into the one schema.
import { z } from 'zod';

const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

export const IDEAS_HELP: Record<string, string> = {
  IDEAS_PER_HOUR:
    'A whole number from 1 to 100: how many ideas one member may submit per hour, or leave it empty for 5.',
  IDEAS_SYNC_MINUTES:
    'A whole number of minutes from 1 to 60 between two checks of filed GitHub issues, or leave it empty for 10.',
};

const wholeNumber = (min: number, max: number, fallback: number, what: string) =>
  optionalText
    .refine(
      (v) => v === undefined || (/^\d+$/.test(v) && Number(v) >= min && Number(v) <= max),
      `must be a whole number ${what} from ${min} to ${max}`,
    )
    .transform((v) => (v === undefined ? fallback : Number(v)));

export const ideasEnvShape = {
  IDEAS_PER_HOUR: wholeNumber(1, 100, 5, 'of ideas'),
  IDEAS_SYNC_MINUTES: wholeNumber(1, 60, 10, 'of minutes'),
};

type Parsed = z.output<z.ZodObject<typeof ideasEnvShape>>;

export interface IdeasConfig {
  perHour: number;
  syncMinutes: number;
}

export function toIdeasConfig(v: Parsed): IdeasConfig {
  return { perHour: v.IDEAS_PER_HOUR, syncMinutes: v.IDEAS_SYNC_MINUTES };
}
