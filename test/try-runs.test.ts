// model_runs: quotas, cooldown and crash recovery against a real SQLite file.
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.ts';
import { sqliteKysely } from '../src/db/engine.ts';
import { migrate } from '../src/db/migrate.ts';
import { type Db, openDatabase } from '../src/db/open.ts';
import { ModelRunStore, QuotaExceeded, type RunStart } from '../src/models/runs.ts';
import { tempDir } from './support/temp.ts';

const NO_LIMITS = { userDailyRequests: 0, userDailyTokens: 0, guildDailyRequests: 0, guildDailyTokens: 0 };
const start = (userId: string, tokensIn = 3): RunStart => ({
  guildId: 'g',
  channelId: 'c',
  userId,
  model: 'm/x',
  provider: 'auto',
  kind: 'try',
  tokensIn,
});

let db: Db;
let clock: ManualClock;
let store: ModelRunStore;
beforeEach(() => {
  db = openDatabase(join(tempDir('omh-runs-'), 'hub.sqlite'));
  migrate(db);
  clock = new ManualClock('2026-11-23T09:00:00Z');
  store = new ModelRunStore(sqliteKysely(db), clock);
});

async function refusal(fn: () => Promise<unknown>): Promise<QuotaExceeded> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof QuotaExceeded) return error;
    throw error;
  }
  throw new Error('expected a QuotaExceeded');
}

describe('quotas in model_runs', () => {
  it('caps the whole server, across members, until midnight UTC', async () => {
    const limits = { ...NO_LIMITS, guildDailyRequests: 3 };
    await store.begin([start('a')], limits, 0);
    await store.begin([start('b'), start('b')], limits, 0);
    const over = await refusal(() => store.begin([start('c')], limits, 0));
    expect(over.scope).toBe('guild_requests');
    expect(over.resetsAt.toISOString()).toBe('2026-11-24T00:00:00.000Z');
    clock.set('2026-11-24T00:00:01Z');
    expect(await store.begin([start('c')], limits, 0)).toHaveLength(1);
  });

  it('stops a member once their tokens for the day are spent', async () => {
    const limits = { ...NO_LIMITS, userDailyTokens: 100 };
    const [run] = await store.begin([start('a', 20)], limits, 0);
    await store.finish(run!, { outcome: 'ok', durationMs: 5, tokensIn: 20, tokensOut: 90 });
    expect((await refusal(() => store.begin([start('a')], limits, 0))).scope).toBe('user_tokens');
    expect(await store.begin([start('b')], limits, 0)).toHaveLength(1);
    expect(await store.usedToday('g', 'a')).toEqual({ requests: 1, tokens: 110 });
  });

  it('refuses a second run inside the cooldown and says when it ends', async () => {
    await store.begin([start('a')], NO_LIMITS, 10_000);
    clock.advance(4_000);
    const over = await refusal(() => store.begin([start('a')], NO_LIMITS, 10_000));
    expect(over.scope).toBe('cooldown');
    expect(over.resetsAt.toISOString()).toBe('2026-11-23T09:00:10.000Z');
    clock.advance(6_000);
    expect(await store.begin([start('a')], NO_LIMITS, 10_000)).toHaveLength(1);
  });
});

describe('model_runs after a crash', () => {
  it('closes runs a stopped process left running, so they stop looking in progress', async () => {
    const [running] = await store.begin([start('u')], NO_LIMITS, 0);
    const [done] = await store.begin([start('u')], NO_LIMITS, 0);
    await store.finish(done!, { outcome: 'ok', durationMs: 10, tokensOut: 5 });
    expect(await store.closeInterrupted()).toBe(1);
    expect(await store.get(running!)).toMatchObject({
      outcome: 'error',
      error: 'interrupted: the bot stopped during the answer',
    });
    expect(await store.get(done!)).toMatchObject({ outcome: 'ok' });
  });
});

describe("the quota day follows the server's time zone", () => {
  it('counts from local midnight and resets at the next one', async () => {
    const limits = { ...NO_LIMITS, userDailyRequests: 1 };
    // 23:30 in Paris on the 23rd is 22:30 UTC.
    clock.set('2026-11-23T22:30:00Z');
    await store.begin([start('a')], limits, 0, 'Europe/Paris');
    const over = await refusal(() => store.begin([start('a')], limits, 0, 'Europe/Paris'));
    expect(over.resetsAt.toISOString()).toBe('2026-11-23T23:00:00.000Z');
    expect(over.timeZone).toBe('Europe/Paris');
    // Past Paris midnight, though still the 23rd in UTC: a new day.
    clock.set('2026-11-23T23:00:01Z');
    expect(await store.begin([start('a')], limits, 0, 'Europe/Paris')).toHaveLength(1);
    expect((await store.usedToday('g', 'a', 'Europe/Paris')).requests).toBe(1);
    expect((await store.usedToday('g', 'a', 'UTC')).requests).toBe(2);
  });
});
