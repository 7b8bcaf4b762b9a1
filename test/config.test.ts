import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

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
