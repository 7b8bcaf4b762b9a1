import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, SETTING_NAMES } from '../src/config.ts';

const valid = { DISCORD_TOKEN: 'abc.def.ghi', DISCORD_APPLICATION_ID: '123456789012345678' };

function errorOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected loadConfig to fail');
}

describe('configuration', () => {
  it('fills in the defaults the README promises', () => {
    const config = loadConfig(valid);
    expect(config).toMatchObject({
      discordApiUrl: 'https://discord.com/api',
      databasePath: './data/open-model-hub.sqlite',
      githubApiUrl: 'https://api.github.com',
      hfEndpoint: 'https://huggingface.co',
      httpPort: 8080,
      logLevel: 'info',
    });
    expect(config.inferenceEndpointUrl).toBeUndefined();
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names a missing token and says where to get it', () => {
    const message = errorOf({ DISCORD_APPLICATION_ID: valid.DISCORD_APPLICATION_ID });
    expect(message).toMatch(/^DISCORD_TOKEN is not set\./);
    expect(message).toContain('Developer Portal');
    expect(message).toContain('Reset Token');
  });

  it('treats an empty value as missing', () => {
    expect(errorOf({ ...valid, DISCORD_TOKEN: '  ' })).toMatch(/DISCORD_TOKEN is not set/);
  });

  it('lists every problem at once', () => {
    const message = errorOf({
      DISCORD_APPLICATION_ID: 'abc',
      HTTP_PORT: '99999',
      GITHUB_API_URL: 'ftp://x',
      LOG_LEVEL: 'loud',
    });
    expect(message).toContain('DISCORD_TOKEN is not set');
    expect(message).toContain('DISCORD_APPLICATION_ID must be a Discord id');
    expect(message).toContain('HTTP_PORT must be a port number');
    expect(message).toContain('GITHUB_API_URL must start with http');
    expect(message).toContain('LOG_LEVEL is not a log level');
  });

  it('strips trailing slashes from base URLs so paths join cleanly', () => {
    const config = loadConfig({
      ...valid,
      DISCORD_API_URL: 'http://127.0.0.1:9/api/',
      INFERENCE_ENDPOINT_URL: 'http://x:8000/v1/',
    });
    expect(config.discordApiUrl).toBe('http://127.0.0.1:9/api');
    expect(config.inferenceEndpointUrl).toBe('http://x:8000/v1');
  });
});

describe('one sentence per setting', () => {
  const lines = (env: Record<string, string>) => errorOf(env).split('\n');
  const about = (env: Record<string, string>, name: string) =>
    lines(env).filter((line) => line.startsWith(`${name} `));

  it.each(['DISCORD_TOKEN', 'DISCORD_APPLICATION_ID'])(
    'says once that the required %s is not set',
    (name) => {
      const env: Record<string, string> = { ...valid };
      delete env[name];
      expect(about(env, name)).toEqual([expect.stringMatching(new RegExp(`^${name} is not set\\.`))]);
      expect(about({ ...valid, [name]: '   ' }, name)).toHaveLength(1);
    },
  );

  it('reports a missing DISCORD_APPLICATION_ID as missing only, not also as a bad id', () => {
    const message = errorOf({ DISCORD_TOKEN: valid.DISCORD_TOKEN });
    expect(message).toContain('DISCORD_APPLICATION_ID is not set');
    expect(message).not.toContain('must be a Discord id');
  });

  // Every format-checked setting, with a value that breaks its format in each way we check.
  const bad: Array<[string, string]> = [
    ['DISCORD_APPLICATION_ID', 'abc'],
    ['DISCORD_DEV_GUILD_ID', '12'],
    ['DISCORD_API_URL', 'not a url'],
    ['DISCORD_API_URL', 'ftp://x'],
    ['GITHUB_API_URL', 'not a url'],
    ['GITHUB_API_URL', 'ftp://x'],
    ['HF_ENDPOINT', '::'],
    ['INFERENCE_ENDPOINT_URL', 'localhost:8000'],
    ['HTTP_PORT', '99999'],
    ['HTTP_PORT', 'eighty'],
    ['LOG_LEVEL', 'loud'],
    ['INFERENCE_ROUTER_URL', 'nope'],
    ['SHOW_REASONING', 'always'],
    ['INFERENCE_TIMEOUT_MS', '0'],
    ['INFERENCE_FIRST_TOKEN_TIMEOUT_MS', '-1'],
    ['INFERENCE_LOADING_RETRIES', 'two'],
    ['INFERENCE_BACKOFF_MAX_MS', '1.5'],
    ['TRY_EDIT_INTERVAL_MS', '0'],
    ['TRY_MAX_MESSAGES', 'x'],
    ['TRY_COOLDOWN_MS', '-5'],
    ['TRY_USER_DAILY_REQUESTS', 'x'],
    ['TRY_USER_DAILY_TOKENS', 'x'],
    ['TRY_GUILD_DAILY_REQUESTS', 'x'],
    ['TRY_GUILD_DAILY_TOKENS', 'x'],
    ['POLL_INTERVAL_MINUTES', '0'],
    ['POLL_INTERVAL_MINUTES', 'often'],
    ['IDEAS_PER_HOUR', '0'],
    ['IDEAS_SYNC_MINUTES', 'x'],
  ];

  it.each(bad)('%s=%s gets exactly one sentence that says how to fix it', (name, value) => {
    const mine = about({ ...valid, [name]: value }, name);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatch(/\.( |$)/);
    expect(lines({ ...valid, [name]: value })).toHaveLength(1);
  });
});

describe('the documentation of every setting', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const example = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
  // A row of the README settings table starts with `| `NAME`` (several names may share one row).
  const rows = readme.split('\n').filter((line) => line.startsWith('| `'));
  it.each(SETTING_NAMES)('%s has a README settings row and a line in .env.example', (name) => {
    expect(rows.some((row) => row.split('|')[1]!.includes(`\`${name}\``))).toBe(true);
    expect(example).toMatch(new RegExp(`^#? ?${name}=`, 'm'));
  });
});
