// The ideas store on both engines (a real SQLite file, a real PostgreSQL database), and on
// PostgreSQL the races several bot processes sharing the database run into: each process is its
// own connection pool here, with its own store, lifecycle and filing service.
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.ts';
import type { GuildSettingsStore } from '../src/db/guild-settings.ts';
import type { DB } from '../src/db/schema.ts';
import type { Poster } from '../src/discord/post.ts';
import { createGitHub } from '../src/github/client.ts';
import { exportIdeas } from '../src/ideas/export.ts';
import { FILING_CLAIM_MS, IdeaFiling } from '../src/ideas/filing.ts';
import { ideaMarker } from '../src/ideas/issue-body.ts';
import { IdeaLifecycle } from '../src/ideas/lifecycle.ts';
import { IdeaMessages } from '../src/ideas/messages.ts';
import { IdeaNotifier, NOTICE_CLAIM_MS } from '../src/ideas/notify.ts';
import { IdeaStore } from '../src/ideas/store.ts';
import type { IdeaDraftInput } from '../src/ideas/types.ts';
import { createLogger } from '../src/log.ts';
import { postgresTestEngine, TEST_ENGINES } from './support/both-engines.ts';
import { GitHubEmulator } from './support/github/emulator.ts';

const log = createLogger({ level: 'silent' });
let guilds = 0;
const newGuild = () => `9100000000000${String(++guilds).padStart(5, '0')}`;
const text = (title: string, body = 'Decode is slow on long prompts.'): IdeaDraftInput => ({
  title,
  problem: body,
  proposal: `Try ${title.toLowerCase()}.`,
  evidence: '',
  family: null,
});
const later = (clock: ManualClock, ms: number) => new Date(clock.now().getTime() + ms).toISOString();

/** A poster that records DMs; the ideas here have no Discord message, so nothing else is sent. */
function dmRecorder(dms: string[]): Poster {
  return new Proxy({} as Poster, {
    get(_target, name) {
      if (name === 'dm')
        return async (userId: string) => {
          dms.push(userId);
          return { id: `dm${dms.length}`, channelId: `dm-${userId}` };
        };
      throw new Error(`these tests do not call poster.${String(name)}`);
    },
  });
}

/** One bot process's ideas services over its own connection. */
function process_(db: Kysely<DB>, engine: 'sqlite' | 'postgres', clock: ManualClock, dms: string[] = []) {
  const store = new IdeaStore(db, engine);
  const poster = dmRecorder(dms);
  const settings = { get: () => ({ defaultRepo: null }) } as unknown as GuildSettingsStore;
  const messages = new IdeaMessages({ store, poster, settings, log });
  const notifier = new IdeaNotifier({ store, poster, messages, log, clock });
  const lifecycle = new IdeaLifecycle({ store, messages, notifier, clock, log, ideasPerHour: 1000 });
  return { store, lifecycle, notifier, messages };
}

describe.each(TEST_ENGINES)('the ideas store on %s', (_label, makeEngine) => {
  const engine = makeEngine();
  const clock = new ManualClock('2026-06-01T10:00:00Z');
  let store: IdeaStore;
  beforeAll(() => {
    store = new IdeaStore(engine.connect(), engine.kind);
  });
  const now = () => clock.now().toISOString();

  it('numbers ideas per server, records the submission and makes the author a follower', async () => {
    const [a, b] = [newGuild(), newGuild()];
    const first = await store.insertIdea(a, 'u1', 'Ann', text('Grouped query attention'), now());
    const second = await store.insertIdea(a, 'u2', 'Bo', text('Sliding window attention'), now());
    const other = await store.insertIdea(b, 'u1', 'Ann', text('Rotary scaling'), now());
    expect([first.number, second.number, other.number]).toEqual([1, 2, 1]);
    expect(await store.get(a, 2)).toEqual(second);
    expect(await store.getById(first.id)).toEqual(first);
    expect(first).toMatchObject({ status: 'new', up: 0, down: 0, isForum: false, messageId: null });
    expect(await store.followers(first.id, a)).toEqual(['u1']);
    expect((await store.events(first.id)).map((e) => [e.action, e.toStatus])).toEqual([['submitted', 'new']]);
    expect(await store.submittedSince(a, 'u1', '2026-01-01T00:00:00Z')).toBe(1);
    expect(await store.unpublished(later(clock, 1), 10)).toContainEqual(first);
    await store.setMessage(first.id, { channelId: 'c', messageId: 'm', threadId: 't', isForum: true });
    expect(await store.getById(first.id)).toMatchObject({ messageId: 'm', threadId: 't', isForum: true });
    expect((await store.unpublished(later(clock, 1), 10)).map((i) => i.id)).not.toContain(first.id);
  });

  it('counts a vote, withdraws it on the same click, switches it on the other, and returns the counts', async () => {
    const g = newGuild();
    const idea = await store.insertIdea(g, 'author', 'A', text('Speculative decoding'), now());
    expect(await store.vote(idea.id, 'v1', 1, now())).toEqual({ outcome: 'added', up: 1, down: 0 });
    expect(await store.vote(idea.id, 'v2', -1, now())).toEqual({ outcome: 'added', up: 1, down: 1 });
    expect(await store.vote(idea.id, 'v2', 1, now())).toEqual({ outcome: 'changed', up: 2, down: 0 });
    expect(await store.vote(idea.id, 'v1', 1, now())).toEqual({ outcome: 'withdrawn', up: 1, down: 0 });
    expect(await store.voteOf(idea.id, 'v2')).toBe(1);
    expect(await store.voteOf(idea.id, 'v1')).toBeUndefined();
    expect((await store.votes(idea.id)).map((v) => [v.userId, v.value])).toEqual([['v2', 1]]);
    // A vote follows the idea; an explicit unfollow is not undone by voting again.
    expect(await store.isFollowing(idea.id, 'v2')).toBe(true);
    await store.setFollowing(idea.id, 'v2', false, now());
    await store.vote(idea.id, 'v2', -1, now());
    expect(await store.isFollowing(idea.id, 'v2')).toBe(false);
    await store.setNotifications(g, 'author', false, now());
    expect(await store.notificationsEnabled(g, 'author')).toBe(false);
    // v1 withdrew the vote but still follows; v2 unfollowed; the author opted out of the server's notices.
    expect(await store.followers(idea.id, g)).toEqual(['v1']);
    await store.setNotifications(g, 'author', true, now());
    expect((await store.followers(idea.id, g)).sort()).toEqual(['author', 'v1']);
  });

  it('lists top, new and trending, hides duplicates, and merges a duplicate’s voters once', async () => {
    const g = newGuild();
    const a = await store.insertIdea(g, 'u', 'U', text('Mixture of experts routing'), now());
    const b = await store.insertIdea(g, 'u', 'U', text('Expert routing by mixture'), now());
    const c = await store.insertIdea(g, 'u', 'U', text('Int4 quantisation'), now());
    await store.vote(a.id, 'x', 1, now());
    await store.vote(b.id, 'x', 1, now());
    await store.vote(b.id, 'y', 1, now());
    await store.vote(c.id, 'z', -1, now());
    const numbers = async (q: Parameters<IdeaStore['list']>[1]) =>
      (await store.list(g, q)).map((i) => i.number);
    expect(await numbers({ sort: 'top', limit: 10, offset: 0 })).toEqual([2, 1, 3]);
    expect(await numbers({ sort: 'new', limit: 2, offset: 1 })).toEqual([2, 1]);
    expect(
      await numbers({ sort: 'trending', trendingSince: '2026-01-01T00:00:00Z', limit: 10, offset: 0 }),
    ).toEqual([2, 1, 3]);
    await store.transaction(async (tx) => {
      await tx.lockIdeas([a.id, b.id]);
      await tx.mergeInto(b.id, a.id);
      await tx.setStatus(b.id, 'duplicate', 'Same idea.', a.id, now());
    });
    // x voted on both: counted once.
    expect(await store.getById(a.id)).toMatchObject({ up: 2, down: 0 });
    expect(await numbers({ sort: 'top', limit: 10, offset: 0 })).toEqual([1, 3]);
    expect(await numbers({ status: 'duplicate', sort: 'top', limit: 10, offset: 0 })).toEqual([2]);
    await store.transaction(async (tx) => {
      await tx.unmerge(b.id, a.id);
      await tx.setStatus(b.id, 'new', 'Different after all.', null, now());
    });
    expect(await store.getById(a.id)).toMatchObject({ up: 1, down: 0 });
    expect(await store.queueSize(g)).toBe(3);
    expect((await store.nextInQueue(g, a.id))?.id).toBe(b.id);
  });

  it('rolls a failed transaction back whole', async () => {
    const g = newGuild();
    const idea = await store.insertIdea(g, 'u', 'U', text('Flash attention kernels'), now());
    await expect(
      store.transaction(async (tx) => {
        await tx.setStatus(idea.id, 'accepted', 'Yes.', null, now());
        throw new Error('a step after it failed');
      }),
    ).rejects.toThrow('a step after it failed');
    expect((await store.getById(idea.id))!.status).toBe('new');
  });

  it('finds ideas with the engine’s full-text index, best match first', async () => {
    const g = newGuild();
    await store.insertIdea(g, 'u', 'U', text('Sliding window attention for long context'), now());
    await store.insertIdea(
      g,
      'u',
      'U',
      text('Better tokenizer merges', 'Byte fallback wastes tokens.'),
      now(),
    );
    const hits = await store.search.match(g, ['sliding', 'window'], 10);
    expect(hits.map((h) => h.title)).toEqual(['Sliding window attention for long context']);
    expect(hits[0]!.rank).toBeLessThan(0);
    expect((await store.search.newestMatching(g, ['tokenizer', 'merges'], 10)).map((i) => i.number)).toEqual([
      2,
    ]);
    expect(await store.search.newestMatching(g, ['tokenizer', 'sliding'], 10)).toEqual([]);
    const stems = await store.search.stems(['windows', 'merges']);
    expect(stems.get('windows')).toBe('window');
    const { terms, docs } = await store.search.termFrequencies();
    expect(terms.get(stems.get('merges')!)).toBeGreaterThanOrEqual(1);
    expect(docs).toBeGreaterThanOrEqual(2);
  });

  it('saves a draft once and lets one delete of it win', async () => {
    const g = newGuild();
    const id = await store.saveDraft(g, 'u', 'U', text('LoRA adapters'), now(), '2026-01-01T00:00:00Z');
    expect(await store.draft(g, id)).toMatchObject({ userId: 'u', title: 'LoRA adapters' });
    expect(await store.draft(newGuild(), id)).toBeUndefined();
    expect((await Promise.all([store.deleteDraft(id), store.deleteDraft(id)])).sort()).toEqual([false, true]);
  });

  it('claims a filing for one process, lets it go or lapse, and finishes it once', async () => {
    const g = newGuild();
    const idea = await store.insertIdea(g, 'u', 'U', text('Int8 KV cache'), now());
    const intent = { ideaId: idea.id, repo: 'acme/x', marker: 'm', labels: ['a'], by: 'curator' };
    const until = later(clock, FILING_CLAIM_MS);
    expect((await store.claimFiling(intent, 'p1', now(), until)).kind).toBe('first');
    expect((await store.claimFiling(intent, 'p2', now(), until)).kind).toBe('busy');
    await store.releaseFiling(idea.id, 'p1');
    const retry = await store.claimFiling({ ...intent, repo: 'other/ignored' }, 'p2', now(), until);
    expect(retry).toMatchObject({ kind: 'retry', filing: { repo: 'acme/x', attempts: 2, labels: ['a'] } });
    // p2 died holding it: the claim lapses.
    expect((await store.claimFiling(intent, 'p3', later(clock, FILING_CLAIM_MS - 1), until)).kind).toBe(
      'busy',
    );
    expect((await store.claimFiling(intent, 'p3', until, later(clock, 2 * FILING_CLAIM_MS))).kind).toBe(
      'retry',
    );
    expect(await store.finishFiling(idea.id, 'acme/x', 7, 'https://github.com/acme/x/issues/7', now())).toBe(
      true,
    );
    expect(await store.finishFiling(idea.id, 'acme/x', 8, 'https://github.com/acme/x/issues/8', now())).toBe(
      false,
    );
    expect((await store.claimFiling(intent, 'p4', now(), until)).kind).toBe('done');
    expect(await store.getById(idea.id)).toMatchObject({ issueNumber: 7, issueRepo: 'acme/x' });
    expect((await store.filedIdeas(1000)).map((i) => i.id)).toContain(idea.id);
    // A refusal forgets the intent, only the claimant's own.
    const refused = await store.insertIdea(g, 'u', 'U', text('Int4 KV cache'), now());
    await store.claimFiling({ ...intent, ideaId: refused.id }, 'p1', now(), until);
    await store.dropFiling(refused.id, 'p2');
    expect(await store.filing(refused.id)).toBeDefined();
    await store.dropFiling(refused.id, 'p1');
    expect(await store.filing(refused.id)).toBeUndefined();
  });

  it('gives every notice batch its own number, held by its sender until the claim lapses', async () => {
    const g = newGuild();
    const idea = await store.insertIdea(g, 'u', 'U', text('Muon optimizer'), now());
    const claim = { claimant: 'p1', until: later(clock, NOTICE_CLAIM_MS) };
    const [one, two] = await Promise.all([
      store.addNotices(idea.id, ['a', 'b'], 'first', now(), claim),
      store.addNotices(idea.id, ['c'], 'second', now(), claim),
    ]);
    expect(one).not.toBe(two);
    expect((await store.openNotices(one)).map((n) => n.userId)).toEqual(['a', 'b']);
    expect(await store.claimNotices(one, 'p2', now(), later(clock, NOTICE_CLAIM_MS))).toEqual([]);
    expect(await store.openNoticeBatches(now())).not.toContain(one);
    expect((await store.claimNotices(one, 'p1', now(), claim.until)).map((n) => n.userId)).toEqual([
      'a',
      'b',
    ]);
    const lapsed = claim.until;
    expect(await store.openNoticeBatches(lapsed)).toEqual(expect.arrayContaining([one, two]));
    const taken = await store.claimNotices(one, 'p2', lapsed, later(clock, 2 * NOTICE_CLAIM_MS));
    expect(taken.map((n) => n.userId)).toEqual(['a', 'b']);
    await store.setNoticeState(taken[0]!.id, 'sent');
    expect((await store.openNotices(one)).map((n) => n.userId)).toEqual(['b']);
  });

  it('exports a server’s ideas and votes', async () => {
    const g = newGuild();
    const idea = await store.insertIdea(g, 'u', 'U', text('Weight decay schedule'), now());
    await store.vote(idea.id, 'v', -1, now());
    expect((await store.allIdeas(g)).map((i) => i.number)).toEqual([1]);
    expect(await store.allVotes(g)).toEqual([{ ideaId: idea.id, userId: 'v', value: -1, votedAt: now() }]);
    const json = JSON.parse((await exportIdeas(store, g, 'json')).data.toString('utf8'));
    expect(json.ideas[0]).toMatchObject({ number: 1, down: 1, votes: [{ userId: 'v', value: -1 }] });
    expect(json.ideas[0].history.map((e: { action: string }) => e.action)).toEqual(['submitted']);
  });

  it('takes 20 members voting on one idea at once, each vote counted once with the counts just after it', async () => {
    const g = newGuild();
    // Two processes on PostgreSQL; SQLite's one connection takes them in turn.
    const stores =
      engine.kind === 'postgres' ? [store, new IdeaStore(engine.connect(), 'postgres')] : [store];
    const idea = await store.insertIdea(g, 'u', 'U', text('Grouped query attention'), now());
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        stores[i % stores.length]!.vote(idea.id, `member${i}`, i % 4 === 0 ? -1 : 1, now()),
      ),
    );
    expect(results.every((r) => r.outcome === 'added')).toBe(true);
    expect(new Set(results.map((r) => r.up + r.down)).size).toBe(20);
    expect(await store.getById(idea.id)).toMatchObject({ up: 15, down: 5 });
    // The same member clicking Upvote in both processes at once: added, then withdrawn.
    const twice = await Promise.all(stores.map((s) => s.vote(idea.id, 'member1', 1, now())));
    expect(twice.map((r) => r.outcome).sort()).toEqual(
      stores.length === 2 ? ['added', 'withdrawn'] : ['withdrawn'],
    );
  });

  it('numbers 20 ideas submitted at once without a gap or a repeat', async () => {
    const g = newGuild();
    const stores =
      engine.kind === 'postgres' ? [store, new IdeaStore(engine.connect(), 'postgres')] : [store];
    const ideas = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        stores[i % stores.length]!.insertIdea(g, `u${i}`, 'U', text(`Idea ${i}`), now()),
      ),
    );
    expect(ideas.map((i) => i.number).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
  });
});

describe('several bot processes on one PostgreSQL', () => {
  const engine = postgresTestEngine();
  const clock = new ManualClock('2026-06-01T10:00:00Z');
  const REPO = 'ibm-granite/granite-ideas';
  const TOKEN = 'ghp_engines';
  let gh: GitHubEmulator;
  beforeAll(async () => {
    gh = await GitHubEmulator.start({ token: TOKEN, login: 'omh-bot' });
    gh.addRepo(REPO);
  });
  afterAll(async () => {
    await gh?.stop();
  });

  function filingProcess(dms: string[] = []) {
    const p = process_(engine.connect(), 'postgres', clock, dms);
    const github = createGitHub({
      token: TOKEN,
      baseUrl: gh.baseUrl,
      log,
      throttleId: `engines-${Math.random()}`,
    });
    const settings = { get: () => ({ defaultRepo: REPO }) } as unknown as GuildSettingsStore;
    const filing = new IdeaFiling({ ...p, settings, github, clock, log });
    return { ...p, filing };
  }

  async function acceptedIdea(p: ReturnType<typeof filingProcess>, g: string, title: string) {
    const idea = await p.store.insertIdea(g, 'author', 'Ann', text(title), clock.now().toISOString());
    await p.lifecycle.changeStatus(g, idea.number, 'curator', 'accepted', 'Worth filing.');
    return idea;
  }
  const file = (p: ReturnType<typeof filingProcess>, g: string, number: number) =>
    p.filing.file(g, number, 'curator', { guildName: 'Open Models' });

  it('files an idea once when two processes file it at the same moment', async () => {
    const [a, b] = [filingProcess(), filingProcess()];
    const g = newGuild();
    const idea = await acceptedIdea(a, g, 'Rotary scaling for long context');
    const outcomes = await Promise.allSettled([file(a, g, idea.number), file(b, g, idea.number)]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const refused = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(String(refused.reason)).toMatch(/is being filed right now|is already filed/);
    expect(gh.issues(REPO).filter((i) => i.body?.includes(ideaMarker(g, idea.number)))).toHaveLength(1);
    await Promise.all([a.notifier.settled(), b.notifier.settled()]);
  });

  it('tells a second process the idea is being filed while GitHub is still answering the first', async () => {
    const [a, b] = [filingProcess(), filingProcess()];
    const g = newGuild();
    const idea = await acceptedIdea(a, g, 'Fused SwiGLU kernels');
    const held = gh.hold('POST', new RegExp(`^/repos/${REPO}/issues$`));
    let first: Promise<unknown> | undefined;
    try {
      first = file(a, g, idea.number);
      await held.arrived;
      await expect(file(b, g, idea.number)).rejects.toThrow(`#${idea.number} is being filed right now`);
    } finally {
      held.release();
    }
    await first;
    await expect(file(b, g, idea.number)).rejects.toThrow(`#${idea.number} is already filed`);
    expect(gh.issues(REPO).filter((i) => i.body?.includes(ideaMarker(g, idea.number)))).toHaveLength(1);
    expect((await b.store.getById(idea.id))!.status).toBe('filed');
    await Promise.all([a.notifier.settled(), b.notifier.settled()]);
  });

  it('files the idea of a process that died mid-filing once its claim lapses, finding its issue first', async () => {
    const b = filingProcess();
    const g = newGuild();
    const idea = await acceptedIdea(b, g, 'Curriculum of synthetic math');
    const marker = ideaMarker(g, idea.number);
    // The dead process claimed the filing and GitHub created its issue; its answer was lost.
    const at = clock.now().toISOString();
    await b.store.claimFiling(
      { ideaId: idea.id, repo: REPO, marker, labels: [], by: 'curator' },
      'dead-process',
      at,
      later(clock, FILING_CLAIM_MS),
    );
    gh.openIssue(REPO, {
      title: 'Curriculum of synthetic math',
      body: `filed\n${marker}`,
      author: 'omh-bot',
    });
    await expect(file(b, g, idea.number)).rejects.toThrow('is being filed right now');
    clock.advance(FILING_CLAIM_MS);
    const adopted = await file(b, g, idea.number);
    expect(adopted.adopted).toBe(true);
    expect(gh.issues(REPO).filter((i) => i.body?.includes(marker))).toHaveLength(1);
    await b.notifier.settled();
  });

  it('keeps counts equal to the votes while a curator merges a duplicate and members vote in another process', async () => {
    const [a, b] = [filingProcess(), filingProcess()];
    const g = newGuild();
    const at = clock.now().toISOString();
    const original = await a.store.insertIdea(g, 'author', 'Ann', text('KV cache quantisation'), at);
    const duplicate = await a.store.insertIdea(g, 'author', 'Ann', text('Quantise the KV cache'), at);
    for (const m of ['m1', 'm2', 'm3', 'm4']) await a.lifecycle.vote(g, duplicate.number, m, 1);
    const [, ...clicks] = await Promise.all([
      a.lifecycle.changeStatus(g, duplicate.number, 'curator', 'duplicate', 'Same idea.', {
        duplicateOf: original.number,
      }),
      ...['m1', 'm2', 'x1', 'x2', 'x3', 'x4'].map((m) => b.lifecycle.vote(g, original.number, m, 1)),
    ]);
    const votes = await a.store.votes(original.id);
    const counted = (await a.store.getById(original.id))!;
    expect(counted.up).toBe(votes.filter((v) => v.value === 1).length);
    // m1 and m2 count once: an upvote before the merge keeps theirs; one after it finds the
    // carried-over vote and withdraws it, as a second click does.
    const withdrawn = clicks.filter((c) => (c as { outcome?: string }).outcome === 'withdrawn').length;
    expect(counted.up).toBe(8 - withdrawn);
    await Promise.all([
      a.notifier.settled(),
      b.notifier.settled(),
      a.messages.settled(),
      b.messages.settled(),
    ]);
  });

  it('refuses every vote that arrives after a curator closed the idea in another process', async () => {
    const [a, b] = [filingProcess(), filingProcess()];
    const g = newGuild();
    const idea = await a.store.insertIdea(
      g,
      'author',
      'Ann',
      text('Shampoo optimizer'),
      clock.now().toISOString(),
    );
    const outcomes = await Promise.allSettled([
      a.lifecycle.changeStatus(g, idea.number, 'curator', 'rejected', 'Out of scope.'),
      ...Array.from({ length: 10 }, (_, i) => b.lifecycle.vote(g, idea.number, `m${i}`, 1)),
    ]);
    const accepted = outcomes.slice(1).filter((o) => o.status === 'fulfilled').length;
    for (const o of outcomes.slice(1))
      if (o.status === 'rejected') expect(String(o.reason)).toContain(`Voting on #${idea.number} is closed`);
    expect(outcomes[0]!.status).toBe('fulfilled');
    expect((await a.store.getById(idea.id))!.up).toBe(accepted);
    expect(await a.store.votes(idea.id)).toHaveLength(accepted);
    await Promise.all([
      a.notifier.settled(),
      b.notifier.settled(),
      a.messages.settled(),
      b.messages.settled(),
    ]);
  });

  it('sends a notice batch from one process only, and a dead sender’s batch once after its claim lapses', async () => {
    const [dmsA, dmsB] = [[] as string[], [] as string[]];
    const a = process_(engine.connect(), 'postgres', clock, dmsA);
    const b = process_(engine.connect(), 'postgres', clock, dmsB);
    const g = newGuild();
    const idea = await a.store.insertIdea(
      g,
      'author',
      'Ann',
      text('Adam to Muon'),
      clock.now().toISOString(),
    );
    await a.notifier.tell(idea, 'Idea #1 is now accepted.');
    expect(await b.notifier.resume()).toBe(0);
    await a.notifier.settled();
    expect(dmsA).toEqual(['author']);
    // A batch written by a process that died before sending it.
    const batch = await a.store.addNotices(
      idea.id,
      ['author', 'follower'],
      'Left behind',
      clock.now().toISOString(),
      {
        claimant: 'dead-process',
        until: later(clock, NOTICE_CLAIM_MS),
      },
    );
    expect(await Promise.all([a.notifier.resume(), b.notifier.resume()])).toEqual([0, 0]);
    clock.advance(NOTICE_CLAIM_MS);
    // Both may see it open; only one gets the claim.
    const resumed = await Promise.all([a.notifier.resume(), b.notifier.resume()]);
    expect(resumed[0]! + resumed[1]!).toBeGreaterThanOrEqual(1);
    await Promise.all([a.notifier.settled(), b.notifier.settled()]);
    expect([...dmsA, ...dmsB].filter((u) => u === 'follower')).toHaveLength(1);
    expect(await a.store.openNotices(batch)).toEqual([]);
  });
});
