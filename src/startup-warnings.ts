// Settings that are optional but change what the bot does: said once at start, in words.
import type { Config } from './config.ts';

export function startupWarnings(config: Readonly<Config>): string[] {
  const warnings: string[] = [];
  if (!config.githubToken)
    warnings.push(
      'GITHUB_TOKEN is not set: GitHub allows 60 requests an hour without one, so tracking will be slow and /idea file is off. Create a token at GitHub → Settings → Developer settings → Personal access tokens.',
    );
  if (config.hfToken && !config.hfToken.startsWith('hf_'))
    warnings.push(
      `HF_TOKEN is set but is not a Hugging Face token (those start with hf_), so it is not used${config.inferenceEndpointUrl ? '' : ' and /try is off'}. Copy it again from huggingface.co → Settings → Access Tokens.`,
    );
  if (config.databaseUrl && config.backupDir)
    warnings.push(
      "BACKUP_DIR is set, but the bot backs up only SQLite files: with DATABASE_URL, back PostgreSQL up with pg_dump or your host's snapshots.",
    );
  return warnings;
}
