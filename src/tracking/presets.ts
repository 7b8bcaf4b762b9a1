// Model-family presets (/watch preset): a data file the operator can edit, validated on load.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const REPO = /^[A-Za-z0-9-]{1,39}\/[A-Za-z0-9._-]{1,100}$/;

const presetSchema = z.object({
  title: z.string().min(1).max(100),
  huggingface: z.string().min(1).max(96).optional(),
  github: z.array(z.string().regex(REPO, 'must be owner/repo')).max(20).default([]),
  kinds: z.enum(['releases', 'issues', 'both']).default('releases'),
});

export type Preset = z.output<typeof presetSchema> & { name: string };

/** Reads the presets file; a broken file is the operator's to fix, so the message says where. */
export function loadPresets(path: string): Preset[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(
      `Could not read the /watch presets from ${path} (${(error as Error).message}). Fix the file or point PRESETS_PATH at another one.`,
    );
  }
  const parsed = z.record(z.string().regex(/^[a-z0-9-]{1,32}$/), presetSchema).safeParse(raw);
  if (!parsed.success) {
    const problem = parsed.error.issues[0]!;
    throw new Error(
      `The /watch presets in ${path} are invalid at ${problem.path.join('.')}: ${problem.message}. Fix the file or point PRESETS_PATH at another one.`,
    );
  }
  return Object.entries(parsed.data).map(([name, preset]) => ({ name, ...preset }));
}
