// Checks for the values curators type into /hub config; each returns the clean value or throws UserError.
import { UserError } from '../errors.ts';

/** Returns the canonical IANA name (e.g. "europe/paris" → "Europe/Paris"). */
export function validateTimeZone(input: string): string {
  const value = input.trim();
  try {
    // Intl is the authority Node's date formatting will use, so accept exactly what it accepts.
    const canonical = new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
    if (!value.includes('/') && canonical !== 'UTC') throw new RangeError('abbreviation');
    return canonical;
  } catch {
    throw new UserError(
      `"${value.slice(0, 60)}" is not a time zone I know. Use an IANA name such as Europe/Paris, America/New_York or UTC.`,
    );
  }
}

const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const NAME = /^[A-Za-z0-9._-]{1,100}$/;

/** An `owner/name` GitHub repository; also accepts a github.com URL and trims `.git`. */
export function validateRepo(input: string): string {
  let value = input
    .trim()
    .replace(/^https?:\/\/(www\.)?github\.com\//i, '')
    .replace(/\.git$/i, '')
    .replace(/\/+$/, '');
  value = value.replace(/^\/+/, '');
  const [owner, name, ...rest] = value.split('/');
  if (
    !owner ||
    !name ||
    rest.length > 0 ||
    !OWNER.test(owner) ||
    !NAME.test(name) ||
    name === '.' ||
    name === '..'
  ) {
    throw new UserError(
      `"${input.trim().slice(0, 120)}" is not a GitHub repository. Write it as owner/name, for example ibm-granite/granite-3.1-language-models.`,
    );
  }
  return `${owner}/${name}`;
}

/** Every IANA zone Node knows, for autocomplete. */
export function timeZoneNames(): string[] {
  return ['UTC', ...Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC')];
}
