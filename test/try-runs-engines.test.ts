// /try's data on both engines: quotas and cooldown counted in model_runs, crash recovery, thread
// conversations and per-server quota settings; on PostgreSQL, two bot processes (two pools)
// starting runs at the same moment cannot both pass a limit, and appended turns are all kept.
import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.ts';
import type { DB } from '../src/db/schema.ts';
import { QuotaSettingsStore } from '../src/models/quota-settings.ts';
import { ModelRunStore, QuotaExceeded, type RunStart } from '../src/models/runs.ts';
import { ThreadStore } from '../src/models/threads.ts';
import { TEST_ENGINES, type TestEngine } from './support/both-engines.ts';

const NO_LIMITS = { userDailyRequests: 0, userDailyTokens: 0, guildDailyRequests: 0, guildDailyTokens: 0 };
let guilds = 0;
/** Each test has its own server, so the tests of a file share one database without meeting. */
const newGuild = () => `g${++guilds}-${Math.random().toString(36).slice(2, 8)}`;

const start = (guildId: string, userId: string, tokensIn = 3, kind: RunStart['kind'] = 'try'): RunStart => ({
  guildId,
  channelId: 'c',
  userId,
  model: 'm/x',
  provider: 'auto',
  kind,
  tokensIn,
});

async function refusal(attempt: Promise<unknown>): Promise<QuotaExceeded> {
  try {
    await attempt;
  } catch (error) {
    if (error instanceof QuotaExceeded) return error;
    throw error;
  }
  throw new Error('expected a QuotaExceeded');
}

const runsOf = (engine: TestEngine, db: Kysely<DB>, clock: ManualClock) =>
  new ModelRunStore(db, clock, engine.kind);

describe.each(TEST_ENGINES)('/try data on %s', (_label, makeEngine) => {
  const engine = makeEngine();

  it('caps a member and the whole server per day, counting tokens once they are known', async () => {
    const db = engine.connect();
    const clock = new ManualClock('2026-11-23T09:00:00Z');
    const store = runsOf(engine, db, clock);
    const g = newGuild();
    const limits = { ...NO_LIMITS, guildDailyRequests: 3, userDailyTokens: 100 };
    const [first] = await store.begin([start(g, 'a', 20)], limits, 0);
    await store.finish(first!, {
      outcome: 'ok',
      durationMs: 5,
      tokensIn: 20,
      tokensOut: 90,
      firstTokenMs: 1.4,
    });
    expect((await refusal(store.begin([start(g, 'a')], limits, 0))).scope).toBe('user_tokens');
    const two = await store.begin([start(g, 'b'), start(g, 'b')], limits, 0);
    expect(two).toHaveLength(2);
    expect(two[1]! > two[0]!).toBe(true);
    const over = await refusal(store.begin([start(g, 'c')], limits, 0));
    expect(over.scope).toBe('guild_requests');
    expect(over.resetsAt.toISOString()).toBe('2026-11-24T00:00:00.000Z');
    expect(await store.usedToday(g, 'a')).toEqual({ requests: 1, tokens: 110 });
    expect(await store.usedToday(g)).toEqual({ requests: 3, tokens: 116 });
    expect(await store.get(first!)).toMatchObject({ outcome: 'ok', first_token_ms: 1, tokens_out: 90 });
    clock.set('2026-11-24T00:00:01Z');
    expect(await store.begin([start(g, 'c')], limits, 0)).toHaveLength(1);
  });

  it('refuses a second slash command inside the cooldown, but not a thread message', async () => {
    const db = engine.connect();
    const clock = new ManualClock('2026-11-23T09:00:00Z');
    const store = runsOf(engine, db, clock);
    const g = newGuild();
    await store.begin([start(g, 'a')], NO_LIMITS, 10_000);
    clock.advance(4_000);
    const over = await refusal(store.begin([start(g, 'a')], NO_LIMITS, 10_000));
    expect(over.scope).toBe('cooldown');
    expect(over.resetsAt.toISOString()).toBe('2026-11-23T09:00:10.000Z');
    expect(await store.begin([start(g, 'a', 3, 'thread')], NO_LIMITS, 10_000)).toHaveLength(1);
    clock.advance(6_000);
    expect(await store.begin([start(g, 'a')], NO_LIMITS, 10_000)).toHaveLength(1);
  });

  it("counts the day from the server's local midnight", async () => {
    const db = engine.connect();
    const clock = new ManualClock('2026-11-23T22:30:00Z'); // 23:30 in Paris
    const store = runsOf(engine, db, clock);
    const g = newGuild();
    const limits = { ...NO_LIMITS, userDailyRequests: 1 };
    await store.begin([start(g, 'a')], limits, 0, 'Europe/Paris');
    const over = await refusal(store.begin([start(g, 'a')], limits, 0, 'Europe/Paris'));
    expect(over.resetsAt.toISOString()).toBe('2026-11-23T23:00:00.000Z');
    clock.set('2026-11-23T23:00:01Z');
    expect(await store.begin([start(g, 'a')], limits, 0, 'Europe/Paris')).toHaveLength(1);
    expect((await store.usedToday(g, 'a', 'Europe/Paris')).requests).toBe(1);
    expect((await store.usedToday(g, 'a', 'UTC')).requests).toBe(2);
  });

  it('discards refused runs, and closes the runs a stopped process left running (older ones only, when asked)', async () => {
    const db = engine.connect();
    const clock = new ManualClock('2026-11-23T09:00:00Z');
    const store = runsOf(engine, db, clock);
    const g = newGuild();
    const [refused] = await store.begin([start(g, 'u')], NO_LIMITS, 0);
    await store.discard([refused!]);
    expect(await store.get(refused!)).toBeUndefined();
    const [old] = await store.begin([start(g, 'u')], NO_LIMITS, 0);
    await store.recordShown(old!, [{ channelId: 'c', messageId: 'm1' }]);
    clock.advance(60 * 60_000);
    const [recent] = await store.begin([start(g, 'u')], NO_LIMITS, 0);
    const [done] = await store.begin([start(g, 'u')], NO_LIMITS, 0);
    await store.finish(done!, { outcome: 'ok', durationMs: 10, tokensOut: 5 });
    const cutoff = new Date(clock.now().getTime() - 30 * 60_000);
    expect(await store.unscreenedLeftovers({ startedBefore: cutoff })).toContainEqual({
      channelId: 'c',
      messageId: 'm1',
    });
    expect(await store.closeInterrupted({ startedBefore: cutoff })).toBeGreaterThanOrEqual(1);
    expect(await store.get(old!)).toMatchObject({
      outcome: 'error',
      error: 'interrupted: the bot stopped during the answer',
    });
    expect(await store.get(recent!)).toMatchObject({ outcome: 'running' });
    expect(await store.closeInterrupted()).toBeGreaterThanOrEqual(1);
    expect(await store.get(recent!)).toMatchObject({ outcome: 'error' });
    expect(await store.get(done!)).toMatchObject({ outcome: 'ok' });
  });

  it('closes only the runs of processes that are gone, and names the other owners of running runs', async () => {
    const db = engine.connect();
    const clock = new ManualClock('2026-11-23T09:00:00Z');
    const [gone, alive, me] = [7_001, 7_002, 7_003];
    const of = (owner: number) => new ModelRunStore(db, clock, engine.kind, owner);
    const g = newGuild();
    const [left] = await of(gone).begin([start(g, 'u')], NO_LIMITS, 0);
    await of(gone).recordShown(left!, [{ channelId: 'c', messageId: 'left' }]);
    const [streaming] = await of(alive).begin([start(g, 'v')], NO_LIMITS, 0);
    const [mine] = await of(me).begin([start(g, 'w')], NO_LIMITS, 0);
    expect((await of(me).runningOwners()).filter((o) => o >= 7_001 && o <= 7_003).sort()).toEqual([
      gone,
      alive,
    ]);
    const past = new Date(clock.now().getTime() - 60 * 60_000);
    expect(await of(me).unscreenedLeftovers({ owners: [gone], startedBefore: past })).toEqual([
      { channelId: 'c', messageId: 'left' },
    ]);
    expect(await of(me).closeInterrupted({ owners: [gone], startedBefore: past })).toBe(1);
    expect(await runsOf(engine, db, clock).get(left!)).toMatchObject({ outcome: 'error', owner: gone });
    expect(await runsOf(engine, db, clock).get(streaming!)).toMatchObject({
      outcome: 'running',
      owner: alive,
    });
    expect(await runsOf(engine, db, clock).get(mine!)).toMatchObject({ outcome: 'running', owner: me });
    // Nobody known to be gone and nothing old: nothing is closed.
    expect(await of(me).closeInterrupted({ owners: [], startedBefore: past })).toBe(0);
  });

  it('keeps a thread conversation in order, images included', async () => {
    const db = engine.connect();
    const clock = new ManualClock('2026-11-23T09:00:00Z');
    const threads = new ThreadStore(db, clock, engine.kind);
    const threadId = `t-${newGuild()}`;
    const image = { type: 'image_url' as const, image_url: { url: 'data:image/png;base64,AAAA' } };
    await threads.create(
      {
        threadId,
        guildId: 'g',
        userId: 'u',
        model: 'm/x',
        systemPrompt: 'Be brief.',
        provider: 'self-hosted',
      },
      [
        { role: 'user', content: 'What is this?', images: [image] },
        { role: 'assistant', content: 'A cat.' },
      ],
    );
    await threads.addTurns(threadId, [
      { role: 'user', content: 'Sure?' },
      { role: 'assistant', content: 'Yes.' },
    ]);
    expect(await threads.get(threadId)).toEqual({
      threadId,
      guildId: 'g',
      userId: 'u',
      model: 'm/x',
      systemPrompt: 'Be brief.',
      provider: 'self-hosted',
    });
    expect(await threads.history(threadId)).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'What is this?', images: [image] },
      { role: 'assistant', content: 'A cat.' },
      { role: 'user', content: 'Sure?' },
      { role: 'assistant', content: 'Yes.' },
    ]);
    expect(await threads.history('no-such-thread')).toEqual([]);
  });

  it("keeps a server's own quotas, and falls back to the operator's for the rest", async () => {
    const db = engine.connect();
    const clock = new ManualClock('2026-11-23T09:00:00Z');
    const defaults = {
      userDailyRequests: 20,
      userDailyTokens: 0,
      guildDailyRequests: 500,
      guildDailyTokens: 0,
    };
    const quotas = new QuotaSettingsStore(db, clock, defaults);
    const g = newGuild();
    expect(await quotas.get(g)).toEqual(defaults);
    expect(await quotas.update(g, { userDailyRequests: 5, guildDailyTokens: 0 }, 'curator')).toEqual({
      ...defaults,
      userDailyRequests: 5,
    });
    expect(await quotas.update(g, { userDailyRequests: null, guildDailyRequests: 50 }, 'curator')).toEqual({
      ...defaults,
      guildDailyRequests: 50,
    });
    expect(await quotas.update(g, {}, 'curator')).toEqual({ ...defaults, guildDailyRequests: 50 });
  });
});

describe('two bot processes on one PostgreSQL', () => {
  const engine = TEST_ENGINES[1][1]();

  it('cannot both pass a limit of one run, however many clicks arrive at once', async () => {
    const pools = [engine.connect(), engine.connect()];
    const clock = new ManualClock('2026-11-23T09:00:00Z');
    const stores = pools.map((db) => runsOf(engine, db, clock));
    for (let round = 0; round < 10; round++) {
      const g = newGuild();
      const attempts = await Promise.allSettled(
        Array.from({ length: 6 }, (_, i) =>
          stores[i % 2]!.begin([start(g, 'member')], { ...NO_LIMITS, userDailyRequests: 1 }, 0),
        ),
      );
      expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
      for (const a of attempts)
        if (a.status === 'rejected') expect((a.reason as QuotaExceeded).scope).toBe('user_requests');
      expect((await stores[0]!.usedToday(g, 'member')).requests).toBe(1);
    }
  });

  it("counts the server's limit across members started at once from both processes", async () => {
    const pools = [engine.connect(), engine.connect()];
    const clock = new ManualClock('2026-11-23T09:00:00Z');
    const stores = pools.map((db) => runsOf(engine, db, clock));
    for (let round = 0; round < 5; round++) {
      const g = newGuild();
      const attempts = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) =>
          stores[i % 2]!.begin([start(g, `member-${i}`)], { ...NO_LIMITS, guildDailyRequests: 4 }, 0),
        ),
      );
      expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(4);
      expect((await stores[1]!.usedToday(g)).requests).toBe(4);
    }
  });

  it('keeps every turn two processes append to one thread at once', async () => {
    const pools = [engine.connect(), engine.connect()];
    const clock = new ManualClock('2026-11-23T09:00:00Z');
    const [a, b] = pools.map((db) => new ThreadStore(db, clock, engine.kind)) as [ThreadStore, ThreadStore];
    const threadId = `t-${newGuild()}`;
    await a.create(
      { threadId, guildId: 'g', userId: 'u', model: 'm/x', systemPrompt: null, provider: null },
      [],
    );
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? a : b).addTurns(threadId, [
          { role: 'user', content: `q${i}` },
          { role: 'assistant', content: `a${i}` },
        ]),
      ),
    );
    const history = await b.history(threadId);
    expect(history).toHaveLength(40);
    // Each exchange lands whole: its answer right after its question.
    for (let i = 0; i < 40; i += 2) expect(history[i + 1]?.content).toBe(`a${history[i]!.content.slice(1)}`);
    expect(new Set(history.map((t) => t.content)).size).toBe(40);
  });
});
