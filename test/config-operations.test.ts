import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

const base = { DISCORD_TOKEN: 'x', DISCORD_APPLICATION_ID: '123456789012345678' };

describe('operations settings', () => {
  it('default to every interface, an open /metrics, no daily backup keeping 7, and Discord-recommended shards', () => {
    const config = loadConfig(base);
    expect(config.httpHost).toBe('0.0.0.0');
    expect(config.metricsToken).toBeUndefined();
    expect(config.backupDir).toBeUndefined();
    expect(config.backupKeep).toBe(7);
    expect(config.shards).toBe('auto');
    expect(config.shardCount).toBeUndefined();
  });

  it('read HTTP_HOST, METRICS_TOKEN, BACKUP_DIR/BACKUP_KEEP and this process share of shards', () => {
    const config = loadConfig({
      ...base,
      HTTP_HOST: '127.0.0.1',
      METRICS_TOKEN: 'a-long-enough-token',
      BACKUP_DIR: '/var/backups/omh',
      BACKUP_KEEP: '14',
      SHARD_COUNT: '4',
      SHARDS: '[2, 3]',
    });
    expect(config).toMatchObject({
      httpHost: '127.0.0.1',
      metricsToken: 'a-long-enough-token',
      backupDir: '/var/backups/omh',
      backupKeep: 14,
      shards: [2, 3],
      shardCount: 4,
    });
    expect(loadConfig({ ...base, SHARD_COUNT: '2' }).shards).toEqual([0, 1]);
  });

  it('refuse what cannot work, in sentences', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig({ ...base, ...env });
        return '';
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        return error.message;
      }
    };
    expect(problems({ METRICS_TOKEN: 'short' })).toContain('METRICS_TOKEN must be at least 16 characters');
    expect(problems({ BACKUP_KEEP: '0' })).toContain('BACKUP_KEEP must be a whole number from 1');
    expect(problems({ SHARDS: '0,1' })).toContain('SHARD_COUNT must be set when SHARDS is');
    expect(problems({ SHARDS: '0,4', SHARD_COUNT: '4' })).toContain(
      'SHARDS must hold ids below SHARD_COUNT (4)',
    );
    expect(problems({ HTTP_HOST: 'not a host' })).toContain('HTTP_HOST is not a host name or address');
  });
});
