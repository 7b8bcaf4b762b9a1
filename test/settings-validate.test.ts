import { describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.ts';
import {
  currentTimeZoneName,
  matchTimeZones,
  timeZoneNames,
  validateRepo,
  validateTimeZone,
} from '../src/settings/validate.ts';

describe('setting values', () => {
  it.each([
    ['Europe/Paris', 'Europe/Paris'],
    ['europe/paris', 'Europe/Paris'],
    ['UTC', 'UTC'],
    ['America/New_York', 'America/New_York'],
  ])('accepts the time zone %s', (input, expected) => {
    expect(validateTimeZone(input)).toBe(expected);
  });

  it.each(['Mars/Olympus', 'Paris', '', 'EST', '../../etc/passwd'])(
    'refuses the time zone %j with a hint',
    (input) => {
      expect(() => validateTimeZone(input)).toThrow(UserError);
      expect(() => validateTimeZone(input)).toThrow(/IANA name such as Europe\/Paris/);
    },
  );

  it.each([
    ['ibm-granite/granite-3.1-language-models', 'ibm-granite/granite-3.1-language-models'],
    ['https://github.com/meta-llama/llama-models', 'meta-llama/llama-models'],
    ['mistralai/mistral-inference.git', 'mistralai/mistral-inference'],
  ])('accepts the repository %s', (input, expected) => {
    expect(validateRepo(input)).toBe(expected);
  });

  it.each(['granite', 'a/b/c', '-bad/repo', 'owner/..', 'own er/repo', 'owner/re po', '@everyone/x'])(
    'refuses the repository %j',
    (input) => {
      expect(() => validateRepo(input)).toThrow(/is not a GitHub repository\. Write it as owner\/name/);
    },
  );
});

describe('time zone names', () => {
  // Names the tz database renamed; ICU (Node 20's Intl) still calls the old spelling canonical.
  const renamed: Array<[string, string]> = [
    ['Europe/Kiev', 'Europe/Kyiv'],
    ['Asia/Calcutta', 'Asia/Kolkata'],
    ['Asia/Saigon', 'Asia/Ho_Chi_Minh'],
    ['Asia/Katmandu', 'Asia/Kathmandu'],
    ['Asia/Rangoon', 'Asia/Yangon'],
    ['America/Godthab', 'America/Nuuk'],
    ['Pacific/Enderbury', 'Pacific/Kanton'],
    ['Atlantic/Faeroe', 'Atlantic/Faroe'],
    ['America/Buenos_Aires', 'America/Argentina/Buenos_Aires'],
    ['America/Indianapolis', 'America/Indiana/Indianapolis'],
  ];

  it.each(renamed)('keeps the current name the curator chose (not %s for %s)', (_old, current) => {
    expect(validateTimeZone(current)).toBe(current);
    expect(validateTimeZone(current.toLowerCase())).toBe(current);
  });

  it.each(renamed)('keeps the older valid name %s when that is what the curator chose', (old) => {
    expect(validateTimeZone(old)).toBe(old);
  });

  it('offers the current names, and each works with Intl', () => {
    const names = timeZoneNames();
    for (const [old, current] of renamed) {
      expect(names).toContain(current);
      expect(names).not.toContain(old);
    }
    expect(new Set(names).size).toBe(names.length);
    for (const name of names)
      expect(() => new Intl.DateTimeFormat('en-US', { timeZone: name })).not.toThrow();
  });

  it('finds a current name from its old spelling too', () => {
    expect(matchTimeZones('kiev')).toContain('Europe/Kyiv');
    expect(matchTimeZones('kyiv')).toEqual(['Europe/Kyiv']);
    expect(matchTimeZones('calcutta')).toContain('Asia/Kolkata');
    expect(matchTimeZones('')).toHaveLength(25);
  });

  it('offers every zone Intl knows here, under its current name', () => {
    const names = new Set(timeZoneNames());
    const missing = Intl.supportedValuesOf('timeZone').filter(
      (zone) => !names.has(zone) && !renamed.some(([old, current]) => old === zone && names.has(current)),
    );
    // Old names beyond the table above must map to a current name that is offered.
    for (const zone of missing) expect(names.has(currentTimeZoneName(zone)), zone).toBe(true);
  });
});
