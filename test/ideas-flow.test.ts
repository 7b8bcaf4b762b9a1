// End to end through Discord: the submit form with similar-idea suggestions, votes under
// concurrent clicks, review with permissions, duplicate merging and notifications.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from './support/harness.ts';

let t: TestHub;
let ideasChannelId: string;

beforeAll(async () => {
  t = await startTestHub({ env: { IDEAS_PER_HOUR: '3' } });
  ideasChannelId = t.discord.addChannel(t.guildId, { name: 'ideas' });
  await t.hub.settings.update(t.guildId, { ideasChannelId }, t.curatorId);
});
afterAll(async () => {
  await t?.stop();
});

const at = (userId: string) => ({ guildId: t.guildId, channelId: t.channelId, userId });

async function openForm(userId: string, family?: string) {
  const command = t.discord.command({
    ...at(userId),
    name: 'idea',
    subcommand: 'submit',
    ...(family ? { options: { family } } : {}),
  });
  const first = await command.firstResponse();
  return { command, first, customId: (command.modal() as { custom_id?: string } | undefined)?.custom_id };
}

async function submit(userId: string, fields: Record<string, string>, family?: string) {
  const form = await openForm(userId, family);
  expect(form.first.type).toBe(9);
  return t.discord.submitModal({ ...at(userId), customId: form.customId!, fields }).reply();
}

function embedField(messageId: string, name: string): string | undefined {
  const message = t.discord.message(messageId);
  return message?.embeds[0]?.fields?.find((f: { name: string }) => f.name === name)?.value;
}

function newMember(name: string): string {
  return t.discord.addMember(t.guildId, { username: name, displayName: name });
}

const SLIDING = {
  title: 'Sliding window attention for long context',
  problem: 'Full attention memory grows quadratically with context length on consumer GPUs.',
  proposal: 'Use sliding window attention in alternate layers with a window of 4096 tokens.',
  evidence: 'Mistral 7B used sliding window attention; see arxiv 2310.06825',
};

describe('submitting an idea', () => {
  it('posts a new idea with separate up and down counts and vote buttons', async () => {
    const reply = await submit(t.memberId, SLIDING, 'Granite');
    expect(reply.flags & 64).toBe(64);
    expect(reply.content).toContain('#1');
    const posted = t.discord.messagesIn(ideasChannelId);
    expect(posted).toHaveLength(1);
    const embed = posted[0]!.embeds[0];
    expect(embed.title).toBe('#1 Sliding window attention for long context');
    expect(embed.footer.text).toBe('Proposed by Mo Member');
    expect(embedField(posted[0]!.id, 'Upvotes')).toBe('0');
    expect(embedField(posted[0]!.id, 'Downvotes')).toBe('0');
    expect(embedField(posted[0]!.id, 'Family')).toBe('granite');
    const labels = posted[0]!.components[0].components.map((c: { label: string }) => c.label);
    expect(labels).toEqual(['Upvote (0)', 'Downvote (0)', 'Discuss']);
  });

  it('shows similar ideas first, and "Support #N instead" upvotes it without saving a new idea', async () => {
    const author = newMember('sam');
    const reply = await submit(author, {
      title: 'Sliding window attention to cut memory',
      problem: 'Attention memory is too large for long context.',
      proposal: 'Adopt sliding window attention like Mistral.',
      evidence: '',
    });
    expect(reply.content).toContain('look similar');
    expect(reply.content).toContain('#1');
    const buttons = reply.components[0].components.map((c: { label: string }) => c.label);
    expect(buttons).toEqual(['Submit anyway', 'Support #1 instead', 'Cancel']);
    const support = reply.components[0].components[1].custom_id as string;
    const answer = await t.discord.click({ ...at(author), customId: support, messageId: reply.id }).reply();
    expect(answer.content).toContain('You now support #1');
    await t.hub.ideas.settled();
    expect((await t.hub.ideas.lifecycle.get(t.guildId, 1))!.up).toBe(1);
    expect(await t.hub.ideas.lifecycle.get(t.guildId, 2)).toBeUndefined();
    expect(embedField(t.discord.messagesIn(ideasChannelId)[0]!.id, 'Upvotes')).toBe('1');
  });

  it('"Submit anyway" saves the idea despite similar ones', async () => {
    const author = newMember('kim');
    const reply = await submit(author, {
      title: 'Sliding window attention with global tokens',
      problem: 'Sliding window attention loses long range context.',
      proposal: 'Add a few global attention tokens to the sliding window.',
      evidence: '',
    });
    const anyway = reply.components[0].components[0].custom_id as string;
    const answer = await t.discord.click({ ...at(author), customId: anyway, messageId: reply.id }).reply();
    expect(answer.content).toContain('Your idea is #2');
    expect(t.discord.messagesIn(ideasChannelId)).toHaveLength(2);
  });

  it('answers empty and over-long fields privately and saves nothing', async () => {
    const empty = await submit(t.memberId, { ...SLIDING, title: '   ' });
    expect(empty.flags & 64).toBe(64);
    expect(empty.content).toContain('The title is empty');
    const long = await submit(t.memberId, { ...SLIDING, title: 'Quantisation', proposal: 'x'.repeat(1501) });
    expect(long.content).toContain('The proposal is 1501 characters long; the limit is 1500');
    expect(await t.hub.ideas.lifecycle.get(t.guildId, 3)).toBeUndefined();
  });

  it('limits a member to IDEAS_PER_HOUR submissions an hour', async () => {
    const busy = newMember('busy');
    const topics = ['Mixture of experts routing', 'Rotary embedding scaling', 'Tokenizer byte fallback'];
    for (const topic of topics) {
      const r = await submit(busy, {
        title: topic,
        problem: `${topic} problem`,
        proposal: `${topic} plan`,
        evidence: '',
      });
      expect(r.content).toContain('Your idea is');
    }
    const refused = await openForm(busy);
    expect(refused.first.type).toBe(4);
    const answer = await refused.command.reply();
    expect(answer.flags & 64).toBe(64);
    expect(answer.content).toContain('the limit is 3 an hour');
    t.clock.advance(60 * 60_000 + 1);
    expect((await openForm(busy)).first.type).toBe(9);
  });
});

describe('voting', () => {
  it('keeps exact counts on the message under 100 concurrent clicks, and a second click withdraws', async () => {
    const idea = (await t.hub.ideas.lifecycle.get(t.guildId, 2))!;
    const messageId = idea.messageId!;
    const voters = Array.from({ length: 100 }, (_, i) => newMember(`voter${i}`));
    const up = `idea:vote:2:up`;
    const down = `idea:vote:2:down`;
    const click = (userId: string, customId: string) =>
      t.discord.click({ ...at(userId), channelId: ideasChannelId, customId, messageId });
    await Promise.all(voters.map((v) => click(v, up).reply()));
    await t.hub.ideas.settled();
    expect(embedField(messageId, 'Upvotes')).toBe('100');

    // 40 withdraw, 30 switch to down, all at once.
    const replies = await Promise.all([
      ...voters.slice(0, 40).map((v) => click(v, up).reply()),
      ...voters.slice(40, 70).map((v) => click(v, down).reply()),
    ]);
    expect(replies[0]!.content).toContain('You withdrew your upvote on #2');
    expect(replies[40]!.content).toContain('it replaced your other vote');
    await t.hub.ideas.settled();
    expect(embedField(messageId, 'Upvotes')).toBe('30');
    expect(embedField(messageId, 'Downvotes')).toBe('30');
    const stored = (await t.hub.ideas.lifecycle.get(t.guildId, 2))!;
    expect([stored.up, stored.down]).toEqual([30, 30]);
    expect(await t.hub.ideas.store.votes(stored.id)).toHaveLength(60);
  });
});

describe('review', () => {
  it('refuses review, status and export to members who are not curators', async () => {
    const review = await t.discord.command({ ...at(t.memberId), name: 'idea', subcommand: 'review' }).reply();
    expect(review.flags & 64).toBe(64);
    expect(review.content).toContain('Only curators can review ideas');
    const status = await t.discord
      .command({
        ...at(t.memberId),
        name: 'idea',
        subcommand: 'status',
        options: { id: 1, status: 'rejected', reason: 'no' },
      })
      .reply();
    expect(status.content).toContain('Only curators can change the status of ideas');
    const click = await t.discord
      .click({
        ...at(t.memberId),
        channelId: ideasChannelId,
        customId: 'idea:review:accepted:1',
        messageId: (await t.hub.ideas.lifecycle.get(t.guildId, 1))!.messageId!,
      })
      .reply();
    expect(click.content).toContain('Only curators can review ideas');
    expect((await t.hub.ideas.lifecycle.get(t.guildId, 1))!.status).toBe('new');
  });

  it('walks the queue: Accept opens a reason form, updates the message, tells the author, shows the next idea', async () => {
    const review = t.discord.command({ ...at(t.curatorId), name: 'idea', subcommand: 'review' });
    const queue = await review.reply();
    expect(queue.flags & 64).toBe(64);
    expect(queue.embeds[0].title).toContain('#1 ');
    const accept = t.discord.click({
      ...at(t.curatorId),
      customId: 'idea:review:accepted:1',
      messageId: queue.id,
    });
    expect((await accept.firstResponse()).type).toBe(9);
    const decided = await t.discord
      .submitModal({
        ...at(t.curatorId),
        customId: 'idea:decide:accepted:1',
        fields: { reason: 'Clear problem and a concrete plan.' },
        messageId: queue.id,
      })
      .reply();
    expect(decided.content).toContain('#1 is now accepted');
    expect(decided.embeds[0].title).toContain('#2 ');
    await t.hub.ideas.settled();
    const idea = (await t.hub.ideas.lifecycle.get(t.guildId, 1))!;
    expect(idea.status).toBe('accepted');
    expect(embedField(idea.messageId!, 'Status')).toBe('accepted — Clear problem and a concrete plan.');
    const dm = t.discord.dmsTo(t.memberId).at(-1)!;
    expect(dm.content).toContain('Idea #1 “Sliding window attention for long context” is now **accepted**');
    expect(dm.content).toContain('Reason: Clear problem and a concrete plan.');
    const trail = await t.hub.ideas.lifecycle.history(idea);
    expect(trail.at(-1)).toMatchObject({
      actorId: t.curatorId,
      fromStatus: 'new',
      toStatus: 'accepted',
      reason: 'Clear problem and a concrete plan.',
    });
  });

  it('a rejection closes voting (buttons disabled) and a revision reopens it, both in the audit trail', async () => {
    const run = (status: string, reason: string) =>
      t.discord
        .command({
          ...at(t.curatorId),
          name: 'idea',
          subcommand: 'status',
          options: { id: 3, status, reason },
        })
        .reply();
    expect((await run('rejected', 'Out of scope for this family.')).content).toContain('#3 is now rejected');
    await t.hub.ideas.settled();
    const idea = (await t.hub.ideas.lifecycle.get(t.guildId, 3))!;
    const buttons = () => t.discord.message(idea.messageId!)!.components[0].components;
    expect(buttons()[0].disabled).toBe(true);
    await expect(t.hub.ideas.lifecycle.vote(t.guildId, 3, t.memberId, 1)).rejects.toThrow(
      'Voting on #3 is closed',
    );
    expect((await run('new', 'Reconsidered after discussion.')).content).toContain('#3 is now new');
    await t.hub.ideas.settled();
    expect(buttons()[0].disabled).toBe(false);
    const trail = (await t.hub.ideas.lifecycle.history(idea)).map((e) => [
      e.action,
      e.fromStatus,
      e.toStatus,
      e.reason,
    ]);
    expect(trail).toEqual([
      ['submitted', null, 'new', null],
      ['decided', 'new', 'rejected', 'Out of scope for this family.'],
      ['revised', 'rejected', 'new', 'Reconsidered after discussion.'],
    ]);
  });

  it('merges a duplicate into the original without counting a member twice, and a revision takes it back', async () => {
    const a = newMember('dup-a');
    const b = newMember('dup-b');
    const c = newMember('dup-c');
    const { lifecycle } = t.hub.ideas;
    // #4 and #5 are the busy member's ideas from the rate-limit test.
    await lifecycle.vote(t.guildId, 4, a, 1);
    await lifecycle.vote(t.guildId, 4, b, 1);
    await lifecycle.vote(t.guildId, 5, b, 1);
    await lifecycle.vote(t.guildId, 5, c, -1);
    const reply = await t.discord
      .command({
        ...at(t.curatorId),
        name: 'idea',
        subcommand: 'status',
        options: { id: 5, status: 'duplicate', reason: 'Same proposal as #4.', duplicate_of: 4 },
      })
      .reply();
    expect(reply.content).toContain('#5 is now duplicate');
    await t.hub.ideas.settled();
    const original = (await lifecycle.get(t.guildId, 4))!;
    expect([original.up, original.down]).toEqual([2, 1]);
    expect(embedField(original.messageId!, 'Upvotes')).toBe('2');
    expect(embedField(original.messageId!, 'Downvotes')).toBe('1');
    expect(embedField((await lifecycle.get(t.guildId, 5))!.messageId!, 'Status')).toBe(
      'duplicate of #4 — Same proposal as #4.',
    );
    // The duplicate's voters now follow the original.
    expect(await t.hub.ideas.store.followers(original.id, t.guildId)).toEqual(expect.arrayContaining([b, c]));

    await lifecycle.changeStatus(t.guildId, 5, t.curatorId, 'new', 'Different enough after all.');
    const back = (await lifecycle.get(t.guildId, 4))!;
    expect([back.up, back.down]).toEqual([2, 0]);
    expect((await lifecycle.get(t.guildId, 5))!.up).toBe(1);
    await t.hub.ideas.settled();
  });
});

describe('notifications', () => {
  it('falls back to a mention-free note in the idea thread when the author blocks DMs, and respects opt-outs', async () => {
    const author = newMember('private-author');
    const follower = newMember('quiet-follower');
    t.discord.blockDms(author);
    const created = await submit(author, {
      title: 'Speculative decoding draft head',
      problem: 'Decoding latency is dominated by sequential steps.',
      proposal: 'Train a small draft head for speculative decoding.',
      evidence: '',
    });
    const number = Number(/#(\d+)/.exec(created.content)![1]);
    await t.hub.ideas.lifecycle.vote(t.guildId, number, follower, 1);
    await t.discord
      .command({ ...at(follower), name: 'idea', subcommand: 'notifications', options: { enabled: false } })
      .reply();
    const dmsBefore = t.discord.dmsTo(follower).length;
    await t.hub.ideas.lifecycle.changeStatus(
      t.guildId,
      number,
      t.curatorId,
      'needs_info',
      'Which model sizes?',
    );
    await t.hub.ideas.settled();
    const idea = (await t.hub.ideas.lifecycle.get(t.guildId, number))!;
    expect(idea.status).toBe('needs_info');
    expect(idea.threadId).toBeTruthy();
    const note = t.discord.messagesIn(idea.threadId!).at(-1)!;
    expect(note.content).toContain('is now **needs info**');
    expect(note.allowedMentions).toMatchObject({ parse: [] });
    expect(t.discord.dmsTo(follower)).toHaveLength(dmsBefore);
  });

  it('Discuss opens the idea thread and links to it', async () => {
    const idea = (await t.hub.ideas.lifecycle.get(t.guildId, 1))!;
    const reply = await t.discord
      .click({
        ...at(t.memberId),
        channelId: ideasChannelId,
        customId: 'idea:discuss:1',
        messageId: idea.messageId!,
      })
      .reply();
    const threadId = (await t.hub.ideas.lifecycle.get(t.guildId, 1))!.threadId!;
    expect(reply.content).toBe(`Discuss #1 here: <#${threadId}>`);
    expect(t.discord.threads(ideasChannelId).map((th) => th.id)).toContain(threadId);
  });
});

describe('reading', () => {
  it('searches with FTS5 ranking and lists with page buttons', async () => {
    const found = await t.discord
      .command({
        ...at(t.memberId),
        name: 'idea',
        subcommand: 'search',
        options: { query: 'sliding window' },
      })
      .reply();
    const lines = (found.embeds[0].description as string).split('\n');
    expect(lines[0]).toContain('Sliding window');
    expect(lines.some((l) => l.includes('Mixture of experts'))).toBe(false);

    for (let i = 0; i < 8; i++)
      await t.hub.ideas.store.insertIdea(
        t.guildId,
        t.memberId,
        'Mo Member',
        { title: `Filler idea ${i}`, problem: 'p', proposal: 'q', evidence: '', family: null },
        t.clock.now().toISOString(),
      );
    const first = await t.discord
      .command({ ...at(t.memberId), name: 'idea', subcommand: 'list', options: { sort: 'new' } })
      .reply();
    expect(first.embeds[0].footer.text).toBe('Page 1');
    const next = first.components[0].components[1];
    expect(next.label).toBe('Next');
    const second = await t.discord
      .click({ ...at(t.memberId), customId: next.custom_id, messageId: first.id })
      .reply();
    expect(second.embeds[0].footer.text).toBe('Page 2');
    expect((second.embeds[0].description as string).split('\n').length).toBeGreaterThan(0);
    expect(second.components[0].components[1].disabled).toBe(true);
  });
});

describe('a forum ideas channel', () => {
  it('gets one tagged post per idea, re-tagged when the status changes', async () => {
    const forumId = t.discord.addChannel(t.guildId, {
      name: 'ideas-forum',
      type: 'forum',
      availableTags: [{ name: 'Granite' }, { name: 'new' }, { name: 'accepted' }, { name: 'llama' }],
    });
    await t.hub.settings.update(t.guildId, { ideasChannelId: forumId }, t.curatorId);
    const author = newMember('forum-author');
    const reply = await submit(
      author,
      {
        title: 'Forum posted idea about tied embeddings',
        problem: 'Untied input and output embeddings double the vocabulary parameters.',
        proposal: 'Tie them for the small granite models.',
        evidence: '',
      },
      'granite',
    );
    const number = Number(/#(\d+)/.exec(reply.content)![1]);
    const [post] = t.discord.threads(forumId);
    const { tags } = await t.hub.poster.channel(forumId);
    const tagName = (id: string) => tags.find((tag) => tag.id === id)?.name;
    expect(post!.name).toBe(`#${number} Forum posted idea about tied embeddings`);
    expect(post!.appliedTags!.map(tagName).sort()).toEqual(['Granite', 'new']);
    const first = t.discord.messagesIn(post!.id)[0]!;
    expect(first.embeds[0].title).toBe(`#${number} Forum posted idea about tied embeddings`);

    await t.hub.ideas.lifecycle.changeStatus(t.guildId, number, t.curatorId, 'accepted', 'Cheap and proven.');
    await t.hub.ideas.settled();
    expect(t.discord.threads(forumId)[0]!.appliedTags!.map(tagName).sort()).toEqual(['Granite', 'accepted']);
    await t.hub.settings.update(t.guildId, { ideasChannelId }, t.curatorId);
  });
});
