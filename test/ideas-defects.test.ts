// Defects found in review, each driven end to end through the Discord emulator: a double click
// on "Submit anyway", supporting an idea closed to votes, forged custom ids, and an idea whose
// post Discord refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyLines } from '../src/ideas/render.ts';
import { startTestHub, type TestHub } from './support/harness.ts';

let t: TestHub;
let ideasChannelId: string;

beforeAll(async () => {
  t = await startTestHub({ env: { IDEAS_PER_HOUR: '50' } });
  ideasChannelId = t.discord.addChannel(t.guildId, { name: 'ideas' });
  await t.hub.settings.update(t.guildId, { ideasChannelId }, t.curatorId);
});
afterAll(async () => {
  await t?.stop();
});

const at = (userId: string) => ({ guildId: t.guildId, channelId: t.channelId, userId });

async function submit(userId: string, fields: Record<string, string>) {
  const command = t.discord.command({ ...at(userId), name: 'idea', subcommand: 'submit' });
  expect((await command.firstResponse()).type).toBe(9);
  const customId = (command.modal() as { custom_id: string }).custom_id;
  return t.discord.submitModal({ ...at(userId), customId, fields }).reply();
}

const SPARSE = {
  title: 'Sparse mixture of experts routing for granite',
  problem: 'Dense feed forward layers waste compute on every token.',
  proposal: 'Route each token to two of eight sparse experts.',
  evidence: '',
};
const similar = (title: string) => ({
  title,
  problem: 'Sparse experts routing saves compute on dense feed forward layers.',
  proposal: 'Route tokens to sparse experts.',
  evidence: '',
});

function errorLogs(): string[] {
  return t.logs.lines.filter((l) => Number(l.level) >= 50).map((l) => String(l.msg));
}

describe('drafts after the similar-ideas check', () => {
  it('a double click on "Submit anyway" saves and posts the idea once', async () => {
    await submit(t.memberId, SPARSE);
    const author = t.discord.addMember(t.guildId, { username: 'quick', displayName: 'quick' });
    const reply = await submit(author, similar('Sparse experts routing with top-2 gating'));
    expect(reply.content).toContain('look similar');
    const anyway = reply.components[0].components[0].custom_id as string;
    const before = (await t.hub.ideas.store.allIdeas(t.guildId)).length;
    const clicks = [1, 2].map(() =>
      t.discord.click({ ...at(author), customId: anyway, messageId: reply.id }),
    );
    const answers = await Promise.all(clicks.map((c) => c.firstResponse()));
    const saved = await clicks[answers.findIndex((a) => a.type === 6)]!.reply();
    expect(saved.content).toContain('Your idea is #');
    await t.hub.ideas.settled();
    expect(await t.hub.ideas.store.allIdeas(t.guildId)).toHaveLength(before + 1);
    expect(t.discord.messagesIn(ideasChannelId)).toHaveLength(before + 1);
    // One click saved it; the other was told privately, without touching the first one's answer.
    expect(answers.map((a) => a.type).sort()).toEqual([4, 6]);
    const refused = await clicks[answers.findIndex((a) => a.type === 4)]!.reply();
    expect(refused.flags & 64).toBe(64);
    expect(refused.content).toContain('This draft is gone');
    expect(t.discord.message(reply.id)?.content).toContain('Your idea is #');
  });

  it('offers no "Support" for an idea closed to votes, and a forged one keeps the draft and its buttons', async () => {
    const closed = (await t.hub.ideas.lifecycle.get(t.guildId, 1))!;
    await t.hub.ideas.lifecycle.changeStatus(t.guildId, 1, t.curatorId, 'rejected', 'Out of scope.');
    const author = t.discord.addMember(t.guildId, { username: 'late', displayName: 'late' });
    const reply = await submit(author, similar('Sparse experts routing again'));
    const labels = reply.components[0].components.map((c: { label: string }) => c.label);
    expect(labels).not.toContain(`Support #${closed.number} instead`);
    expect(reply.content).toContain(`#${closed.number}`);
    const draftId = (reply.components[0].components[0].custom_id as string).split(':')[2];
    const forged = await t.discord
      .click({ ...at(author), customId: `idea:draft:${draftId}:support:1`, messageId: reply.id })
      .reply();
    expect(forged.flags & 64).toBe(64);
    expect(forged.content).toContain('#1 is rejected, so it takes no votes');
    expect(t.discord.message(reply.id)?.components[0].components.length).toBe(labels.length);
    expect(await t.hub.ideas.store.draft(t.guildId, Number(draftId))).toBeDefined();
    expect(await t.hub.ideas.store.votes(closed.id)).toHaveLength(0);
  });

  it('another member cannot submit, cancel or use someone else’s draft', async () => {
    const author = t.discord.addMember(t.guildId, { username: 'owner', displayName: 'owner' });
    const reply = await submit(author, similar('Sparse experts routing, once more'));
    const cancel = reply.components[0].components.at(-1).custom_id as string;
    const answer = await t.discord
      .click({ ...at(t.memberId), customId: cancel, messageId: reply.id })
      .reply();
    expect(answer.flags & 64).toBe(64);
    expect(answer.content).toContain('Only the member who wrote this draft');
    expect(t.discord.message(reply.id)?.content).toContain('look similar');
  });
});

describe('forged and stale custom ids', () => {
  it('get a clear private answer, change nothing and log no error', async () => {
    const idea = (await t.hub.ideas.lifecycle.get(t.guildId, 1))!;
    const forged = [
      'idea:vote:abc:up',
      'idea:vote:1:sideways',
      'idea:vote:-1:up',
      'idea:page:NaN:-:-:top',
      'idea:page:0:-:-:random',
      'idea:nothing:1',
      'idea:draft:999999:submit',
      'idea:draft:1:explode',
      'idea:review:filed:1',
      'idea:review:accepted:x',
    ];
    const errorsBefore = errorLogs().length;
    for (const customId of forged) {
      const answer = await t.discord
        .click({ ...at(t.curatorId), channelId: ideasChannelId, customId, messageId: idea.messageId! })
        .reply();
      expect(answer.flags & 64, customId).toBe(64);
      expect(answer.content, customId).not.toContain('Something went wrong');
    }
    const forms: Array<[string, Record<string, string>]> = [
      ['idea:submit:', { title: 'Only a title' }],
      ['idea:decide:duplicate:1', { reason: 'No number field' }],
      ['idea:decide:accepted:1', {}],
      ['idea:decide:filed:1', { reason: 'Not a curator status' }],
      ['idea:unknown:1', { reason: 'x' }],
    ];
    for (const [customId, fields] of forms) {
      const answer = await t.discord.submitModal({ ...at(t.curatorId), customId, fields }).reply();
      expect(answer.flags & 64, customId).toBe(64);
      expect(answer.content, customId).toContain('out of date or not one of ours');
    }
    expect(errorLogs().slice(errorsBefore)).toEqual([]);
    const after = (await t.hub.ideas.lifecycle.get(t.guildId, 1))!;
    expect([after.status, after.up, after.down]).toEqual([idea.status, idea.up, idea.down]);
  });
});

describe('an idea Discord would not post', () => {
  it('is saved, the author hears the truth, and the retry job posts it once', async () => {
    const before = t.discord.messagesIn(ideasChannelId).length;
    // discord.js tries a 5xx four times before giving up.
    t.discord.failNext('POST', new RegExp(`^/channels/${ideasChannelId}/messages$`), { status: 503 }, 4);
    const reply = await submit(t.memberId, {
      title: 'Quantisation aware training for the 2B model',
      problem: 'Post-training int4 loses accuracy on reasoning benchmarks.',
      proposal: 'Train with fake quantisation in the last epoch.',
      evidence: '',
    });
    expect(reply.content).toContain('Your idea is #');
    expect(reply.content).toContain('tries again every few minutes');
    expect(reply.content).not.toContain('no ideas channel');
    const number = Number(/#(\d+)/.exec(reply.content)![1]);
    expect(t.discord.messagesIn(ideasChannelId)).toHaveLength(before);

    // Within the grace minute the retry leaves it to its submit; after it, the retry posts it.
    expect(await t.hub.ideas.lifecycle.publishPending()).toBe(0);
    t.clock.advance(61_000);
    expect(await t.hub.ideas.lifecycle.publishPending()).toBe(1);
    expect(await t.hub.ideas.lifecycle.publishPending()).toBe(0);
    const posted = t.discord.messagesIn(ideasChannelId);
    expect(posted).toHaveLength(before + 1);
    expect(posted.at(-1)!.embeds[0].title).toContain(`#${number} Quantisation aware training`);
    expect((await t.hub.ideas.lifecycle.get(t.guildId, number))!.messageId).toBe(posted.at(-1)!.id);
  });

  it('an idea saved in a server without an ideas channel is never retried', async () => {
    const other = t.discord.addGuild({ name: 'no-ideas' });
    const idea = await t.hub.ideas.store.insertIdea(
      other,
      t.memberId,
      'Mo',
      { title: 'Longer rope base', problem: 'p', proposal: 'q', evidence: '', family: null },
      new Date(t.clock.now().getTime() - 120_000).toISOString(),
    );
    expect(await t.hub.ideas.lifecycle.publishNew(idea)).toMatchObject({ posted: 'no-channel' });
    t.clock.advance(61_000);
    expect(await t.hub.ideas.lifecycle.publishPending()).toBe(0);
    expect(await t.hub.ideas.store.unpublished(t.clock.now().toISOString(), 10)).toHaveLength(0);
  });
});

describe('discussion threads', () => {
  it('two members clicking Discuss at once get the same, single thread', async () => {
    const idea = (await t.hub.ideas.store.allIdeas(t.guildId)).find((i) => i.messageId && !i.threadId)!;
    const other = t.discord.addMember(t.guildId, { username: 'talker', displayName: 'talker' });
    const replies = await Promise.all(
      [t.memberId, other].map((userId) =>
        t.discord
          .click({
            ...at(userId),
            channelId: ideasChannelId,
            customId: `idea:discuss:${idea.number}`,
            messageId: idea.messageId!,
          })
          .reply(),
      ),
    );
    const threads = t.discord.threads(ideasChannelId).filter((th) => th.messageId === idea.messageId);
    expect(threads).toHaveLength(1);
    for (const reply of replies)
      expect(reply.content).toBe(`Discuss #${idea.number} here: <#${threads[0]!.id}>`);
    expect((await t.hub.ideas.store.getById(idea.id))!.threadId).toBe(threads[0]!.id);
  });
});

describe('discussing an idea whose message is gone', () => {
  it('gets a clear private answer instead of an error', async () => {
    const guild = t.discord.addGuild({ name: 'gone-channel' });
    const channel = t.discord.addChannel(guild, { name: 'ideas' });
    const general = t.discord.addChannel(guild, { name: 'general' });
    const member = t.discord.addMember(guild, { username: 'gone', displayName: 'gone' });
    await t.hub.settings.update(guild, { ideasChannelId: channel }, t.curatorId);
    const idea = await t.hub.ideas.store.insertIdea(
      guild,
      member,
      'gone',
      { title: 'Deleted later', problem: 'p', proposal: 'q', evidence: '', family: null },
      t.clock.now().toISOString(),
    );
    expect(await t.hub.ideas.lifecycle.publishNew(idea)).toMatchObject({ posted: 'posted' });
    const anchor = await t.discord
      .command({ guildId: guild, channelId: general, userId: member, name: 'idea', subcommand: 'list' })
      .reply();
    t.discord.deleteChannel(channel);
    const errorsBefore = errorLogs().length;
    const answer = await t.discord
      .click({
        guildId: guild,
        channelId: general,
        userId: member,
        customId: `idea:discuss:${idea.number}`,
        messageId: anchor.id,
      })
      .reply();
    expect(answer.flags & 64).toBe(64);
    expect(answer.content).toContain(`The message of idea #${idea.number} or its channel was deleted`);
    expect(errorLogs().slice(errorsBefore)).toEqual([]);
  });
});

describe('voting after unfollowing', () => {
  it('does not claim the member follows the idea', async () => {
    const idea = (await t.hub.ideas.store.allIdeas(t.guildId)).find(
      (i) => i.status === 'new' && i.messageId,
    )!;
    const voter = t.discord.addMember(t.guildId, { username: 'quiet', displayName: 'quiet' });
    const unfollow = await t.discord
      .command({
        ...at(voter),
        name: 'idea',
        subcommand: 'follow',
        options: { id: idea.number, following: false },
      })
      .reply();
    expect(unfollow.content).toContain('You no longer follow');
    const click = (userId: string) =>
      t.discord
        .click({
          ...at(userId),
          channelId: ideasChannelId,
          customId: `idea:vote:${idea.number}:up`,
          messageId: idea.messageId!,
        })
        .reply();
    const quiet = await click(voter);
    expect(quiet.content).toContain('counts');
    expect(quiet.content).not.toContain('You follow this idea now');
    const keen = await click(t.discord.addMember(t.guildId, { username: 'keen', displayName: 'keen' }));
    expect(keen.content).toContain('You follow this idea now');
    await t.hub.ideas.settled();
  });
});

describe('an idea message edit Discord would not take', () => {
  it('is made again by the retry job, so the message ends on the exact counts', async () => {
    const idea = (await t.hub.ideas.store.allIdeas(t.guildId)).find(
      (i) => i.status === 'new' && i.messageId,
    )!;
    const upvotes = () =>
      t.discord
        .message(idea.messageId!)
        ?.embeds[0]?.fields?.find((f: { name: string }) => f.name === 'Upvotes')?.value;
    const shown = upvotes();
    t.discord.failNext('PATCH', new RegExp(`/messages/${idea.messageId}$`), { status: 503 }, 4);
    const voter = t.discord.addMember(t.guildId, { username: 'outage', displayName: 'outage' });
    await t.hub.ideas.lifecycle.vote(t.guildId, idea.number, voter, 1);
    await t.hub.ideas.settled();
    expect(upvotes()).toBe(shown);
    expect(t.hub.ideas.messages.retryFailedEdits()).toBe(1);
    await t.hub.ideas.settled();
    expect(upvotes()).toBe(String((await t.hub.ideas.store.getById(idea.id))!.up));
    expect(upvotes()).not.toBe(shown);
    expect(t.hub.ideas.messages.retryFailedEdits()).toBe(0);
  });
});

describe('status notices', () => {
  it('a DM that Discord would not take is sent by the retry job, once', async () => {
    const author = t.discord.addMember(t.guildId, { username: 'patient', displayName: 'patient' });
    const created = await t.hub.ideas.lifecycle.submit(
      t.guildId,
      { id: author, name: 'patient' },
      {
        title: 'Speculative decoding drafts',
        problem: 'Slow decode.',
        proposal: 'Draft model.',
        evidence: '',
        family: null,
      },
    );
    if (created.kind !== 'created') throw new Error('expected a new idea');
    t.discord.failNext('POST', /^\/users\/@me\/channels$/, { status: 503 }, 4);
    await t.hub.ideas.lifecycle.changeStatus(
      t.guildId,
      created.idea.number,
      t.curatorId,
      'accepted',
      'Good plan.',
    );
    await t.hub.ideas.settled();
    expect(t.discord.dmsTo(author)).toHaveLength(0);
    // Within the grace minute the batch belongs to its sender; after it, the job resumes it.
    expect(await t.hub.ideas.notifier.resume()).toBe(0);
    t.clock.advance(61_000);
    expect(await t.hub.ideas.notifier.resume()).toBe(1);
    await t.hub.ideas.settled();
    const dms = t.discord.dmsTo(author);
    expect(dms).toHaveLength(1);
    expect(dms[0]!.content).toContain('is now **accepted**');
    expect(await t.hub.ideas.notifier.resume()).toBe(0);
  });

  it('notices left by a process that stopped are sent after a restart', async () => {
    const author = t.discord.addMember(t.guildId, { username: 'restart', displayName: 'restart' });
    const idea = (await t.hub.ideas.store.allIdeas(t.guildId))[0]!;
    // Claimed by a process that then stopped: its claim lapses a minute later.
    await t.hub.ideas.store.addNotices(idea.id, [author], 'Left behind', t.clock.now().toISOString(), {
      claimant: 'a-stopped-process',
      until: new Date(t.clock.now().getTime() + 60_000).toISOString(),
    });
    await t.restart();
    t.clock.advance(61_000);
    expect(await t.hub.ideas.notifier.resume()).toBe(1);
    await t.hub.ideas.settled();
    expect(t.discord.dmsTo(author).map((m) => m.content)).toEqual(['Left behind']);
  });
});

describe('history', () => {
  it('names GitHub as the actor of upstream changes instead of a broken mention', () => {
    const lines = historyLines([
      {
        id: 1,
        ideaId: 1,
        actorId: 'github',
        action: 'upstream',
        fromStatus: 'filed',
        toStatus: 'done',
        reason: 'Closed.',
        detail: null,
        at: '2026-01-01T00:00:00.000Z',
      },
      {
        id: 2,
        ideaId: 1,
        actorId: '123456789012345678',
        action: 'decided',
        fromStatus: 'new',
        toStatus: 'accepted',
        reason: 'Yes.',
        detail: null,
        at: '2026-01-01T00:00:00.000Z',
      },
    ]);
    expect(lines).toContain('GitHub filed → done: Closed.');
    expect(lines).not.toContain('<@github>');
    expect(lines).toContain('<@123456789012345678> new → accepted: Yes.');
  });
});

describe('review queue', () => {
  it('after the last idea, Skip comes back to the skipped ones instead of saying none wait', async () => {
    const waiting = await t.hub.ideas.store.queueSize(t.guildId);
    expect(waiting).toBeGreaterThan(0);
    const last = (await t.hub.ideas.store.allIdeas(t.guildId)).filter((i) => i.status === 'new').at(-1)!;
    const review = await t.discord
      .command({ ...at(t.curatorId), name: 'idea', subcommand: 'review' })
      .reply();
    const skipped = await t.discord
      .click({ ...at(t.curatorId), customId: `idea:review:skip:${last.number}`, messageId: review.id })
      .reply();
    expect(skipped.content).not.toContain('No new ideas wait');
    expect(skipped.content).toContain(`${waiting} new idea`);
    expect(skipped.embeds[0].title).toMatch(/^#\d+ /);
  });

  it('a server whose ideas channel fails gets one warning per retry pass, not one per idea', async () => {
    const guild = t.discord.addGuild({ name: 'broken-channel' });
    const channel = t.discord.addChannel(guild, { name: 'ideas' });
    await t.hub.settings.update(guild, { ideasChannelId: channel }, t.curatorId);
    t.discord.deleteChannel(channel);
    const old = new Date(t.clock.now().getTime() - 120_000).toISOString();
    for (const title of ['One', 'Two', 'Three'])
      await t.hub.ideas.store.insertIdea(
        guild,
        t.memberId,
        'Mo',
        { title, problem: 'p', proposal: 'q', evidence: '', family: null },
        old,
      );
    const before = t.logs.messages().filter((m) => m.includes('still cannot be posted')).length;
    expect(await t.hub.ideas.lifecycle.publishPending()).toBe(0);
    const after = t.logs.messages().filter((m) => m.includes('still cannot be posted')).length;
    expect(after - before).toBe(1);
    expect(await t.hub.ideas.store.unpublished(t.clock.now().toISOString(), 10)).toHaveLength(3);
  });
});
