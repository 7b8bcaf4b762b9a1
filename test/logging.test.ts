import { describe, expect, it } from 'vitest';
import { createLogger, LogCollector } from '../src/log.ts';

describe('logs', () => {
  it('never write a token, whether it sits in a field or inside a message', () => {
    const logs = new LogCollector();
    const token = 'MTIz.secret-discord-token.xyz';
    const log = createLogger({ destination: logs, secrets: [token, 'ghp_abcdefghijklmnop'] });
    log.info({ token, headers: { authorization: 'Bot whatever' } }, 'login');
    log.error(
      { err: new Error(`request to https://x/?access_token=ghp_abcdefghijklmnop failed with ${token}`) },
      'failed',
    );
    log.warn(`token is ${token}`);
    const text = logs.text();
    expect(text).not.toContain(token);
    expect(text).not.toContain('ghp_abcdefghijklmnop');
    expect(text).not.toContain('Bot whatever');
    expect(text).toContain('[REDACTED]');
    expect(logs.messages()).toEqual(['login', 'failed', 'token is [REDACTED]']);
  });
});
