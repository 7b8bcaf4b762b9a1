import { type LevelWithSilent, type Logger, pino } from 'pino';

export type { Logger };

/** Header and field names whose values are secrets wherever they appear in a log object. */
const REDACT_PATHS = [
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'request.headers.authorization',
  '*.request.headers.authorization',
  'config.discordToken',
  'config.githubToken',
  'config.hfToken',
];

/**
 * Secrets learnt while running (an IAM bearer token): every logger scrubs them too. Bounded,
 * since tokens are renewed hourly and an old one is worthless soon after.
 */
const runtimeSecrets = new Set<string>();
export function registerSecret(secret: string): void {
  if (secret.length < 6) return;
  runtimeSecrets.add(secret);
  if (runtimeSecrets.size > 16) runtimeSecrets.delete(runtimeSecrets.values().next().value!);
}

export interface LogOptions {
  level?: LevelWithSilent;
  /** Secret values (tokens) that must never be written, whatever field or message holds them. */
  secrets?: Array<string | undefined>;
  /** Where lines go; stdout by default. Tests pass a collector. */
  destination?: { write(line: string): void };
  pretty?: boolean;
}

/**
 * JSON logs by default, readable ones on a terminal. Redaction works twice: by field path,
 * and on the final line by value, because an error message or a URL can carry a token
 * in a place no path names.
 */
export function createLogger(options: LogOptions = {}): Logger {
  const secrets = (options.secrets ?? []).filter((s): s is string => !!s && s.length >= 6);
  const scrub = (line: string) => {
    let out = line;
    for (const secret of secrets) out = out.split(secret).join('[REDACTED]');
    for (const secret of runtimeSecrets) out = out.split(secret).join('[REDACTED]');
    return out;
  };
  const usePretty = options.pretty ?? (!options.destination && process.stdout.isTTY === true);
  const base = {
    level: options.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    hooks: { streamWrite: scrub },
  };
  if (options.destination) return pino(base, options.destination);
  if (usePretty) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true } } });
  }
  return pino(base);
}

/** Collects log lines in memory so tests can assert the sentence an operator will read. */
export class LogCollector {
  readonly lines: Array<Record<string, unknown>> = [];
  write(line: string): void {
    this.lines.push(JSON.parse(line));
  }
  messages(): string[] {
    return this.lines.map((l) => String(l.msg ?? ''));
  }
  text(): string {
    return this.lines.map((l) => JSON.stringify(l)).join('\n');
  }
}
