// Checks for the values curators type into /hub config; each returns the clean value or throws UserError.
import { UserError } from '../errors.ts';

/**
 * Zones the tz database renamed (its `backward` file) whose old spelling ICU, and so Node 20's
 * Intl, still reports as canonical: Intl.supportedValuesOf('timeZone') lists Europe/Kiev, not
 * Europe/Kyiv. Both spellings work with Intl; curators should be offered the current one.
 */
const RENAMED: Readonly<Record<string, string>> = {
  'Africa/Asmera': 'Africa/Asmara',
  'America/Buenos_Aires': 'America/Argentina/Buenos_Aires',
  'America/Catamarca': 'America/Argentina/Catamarca',
  'America/Coral_Harbour': 'America/Atikokan',
  'America/Cordoba': 'America/Argentina/Cordoba',
  'America/Godthab': 'America/Nuuk',
  'America/Indianapolis': 'America/Indiana/Indianapolis',
  'America/Jujuy': 'America/Argentina/Jujuy',
  'America/Louisville': 'America/Kentucky/Louisville',
  'America/Mendoza': 'America/Argentina/Mendoza',
  'Asia/Calcutta': 'Asia/Kolkata',
  'Asia/Katmandu': 'Asia/Kathmandu',
  'Asia/Rangoon': 'Asia/Yangon',
  'Asia/Saigon': 'Asia/Ho_Chi_Minh',
  'Atlantic/Faeroe': 'Atlantic/Faroe',
  'Europe/Kiev': 'Europe/Kyiv',
  'Pacific/Enderbury': 'Pacific/Kanton',
  'Pacific/Ponape': 'Pacific/Pohnpei',
  'Pacific/Truk': 'Pacific/Chuuk',
};

/** The tz database's current name of a zone (Europe/Kiev → Europe/Kyiv); other names unchanged. */
export function currentTimeZoneName(name: string): string {
  return RENAMED[name] ?? name;
}

let spellings: Map<string, string> | undefined;

/** Every name we know how to spell, by its lower case: Intl's names, old and current. */
function knownSpellings(): Map<string, string> {
  if (!spellings) {
    spellings = new Map();
    for (const name of [
      ...Intl.supportedValuesOf('timeZone'),
      ...Object.keys(RENAMED),
      ...Object.values(RENAMED),
    ])
      spellings.set(name.toLowerCase(), name);
    spellings.set('utc', 'UTC');
  }
  return spellings;
}

/**
 * Returns the IANA name the curator chose, spelled as the tz database spells it
 * ("europe/kyiv" → "Europe/Kyiv", "Asia/Calcutta" stays Asia/Calcutta). A valid alias we cannot
 * spell (a link such as US/Eastern typed in lower case) becomes the zone it links to.
 */
export function validateTimeZone(input: string): string {
  const value = input.trim();
  try {
    // Intl is the authority Node's date formatting will use, so accept exactly what it accepts.
    const canonical = new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
    if (!value.includes('/') && canonical !== 'UTC') throw new RangeError('abbreviation');
    return knownSpellings().get(value.toLowerCase()) ?? currentTimeZoneName(canonical);
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

/** Every IANA zone Node knows, under its current name, for autocomplete. */
export function timeZoneNames(): string[] {
  const names = Intl.supportedValuesOf('timeZone')
    .filter((z) => z !== 'UTC')
    .map(currentTimeZoneName);
  return ['UTC', ...new Set(names)];
}

/** Up to `limit` current names containing `typed`, also found by their old spelling ("kiev"). */
export function matchTimeZones(typed: string, limit = 25): string[] {
  const needle = typed.trim().toLowerCase();
  const oldNames = new Map(Object.entries(RENAMED).map(([old, current]) => [current, old.toLowerCase()]));
  return timeZoneNames()
    .filter((z) => z.toLowerCase().includes(needle) || oldNames.get(z)?.includes(needle))
    .slice(0, limit);
}
