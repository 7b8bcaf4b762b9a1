import { describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.ts';
import { validateRepo, validateTimeZone } from '../src/settings/validate.ts';

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
