// Releases and issues of GitHub repositories, from the emulator through the real bot to Discord.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTrackingWorld, type TrackingWorld } from './support/github/tracking-hub.ts';

let w: TrackingWorld;
beforeAll(async () => {
  w = await startTrackingWorld();
});
afterAll(() => w.close());

const titles = (channelId: string) =>
  w.discord.messagesIn(channelId).map((m) => m.embeds[0]?.title ?? m.content);

describe('GitHub releases', () => {
  it('takes a baseline on the first poll: nothing that already existed is announced', async () => {
    w.github.publishRelease('ibm-granite/granite-guardian', { tag: 'v1.0', body: 'old' });
    w.github.publishRelease('ibm-granite/granite-guardian', { tag: 'v1.1', body: 'older' });
    const releases = w.addChannel('releases');
    const answer = await w.watch({
      source: 'github',
      target: 'ibm-granite/granite-guardian',
      channel: releases,
    });
    expect(answer).toMatch(/^Watch #\d+: <#\d+> gets releases of ibm-granite\/granite-guardian/);
    await w.nextCycle();
    await w.nextCycle();
    expect(w.discord.messagesIn(releases)).toEqual([]);
  });

  it('announces one new release exactly once in every channel that watches it, polling GitHub once', async () => {
    const repo = 'meta-llama/llama-models';
    w.github.addRepo(repo);
    const a = w.addChannel('llama-a');
    const b = w.addChannel('llama-b');
    await w.watch({ source: 'github', target: repo, channel: a });
    await w.watch({ source: 'github', target: repo, channel: b, kinds: 'both' });
    w.github.publishRelease(repo, {
      tag: 'v4.0.0',
      name: 'Llama 4',
      body: '## Highlights\n- faster',
      author: 'ashwin',
    });
    const before = w.github.requestLog.length;
    const report = await w.nextCycle();
    const releaseCalls = w.github.requestLog
      .slice(before)
      .filter((r) => r.path === `/repos/${repo}/releases`);
    expect(releaseCalls).toHaveLength(1);
    expect(report.delivered).toBeGreaterThanOrEqual(2);
    for (const channel of [a, b]) {
      const messages = w.discord.messagesIn(channel);
      expect(messages).toHaveLength(1);
      const embed = messages[0]!.embeds[0];
      expect(embed.title).toBe('Release Llama 4 (v4.0.0) · meta-llama/llama-models');
      expect(embed.url).toBe('https://github.com/meta-llama/llama-models/releases/tag/v4.0.0');
      expect(embed.author.name).toBe('ashwin');
      expect(embed.description).toContain('**Highlights**');
      expect(messages[0]!.allowedMentions).toMatchObject({ parse: [] });
    }
    await w.nextCycle();
    expect(w.discord.messagesIn(a)).toHaveLength(1);
  });

  it('asks again with the stored ETag, and an unchanged list is a free 304', async () => {
    const repo = 'mistralai/mistral-common';
    w.github.publishRelease(repo, { tag: 'v1.0.0' });
    await w.watch({ source: 'github', target: repo, channel: w.addChannel('mistral') });
    const charged = w.github.chargedRequests;
    const notModified = w.github.notModified;
    const before = w.github.requestLog.length;
    await w.nextCycle();
    const calls = w.github.requestLog.slice(before).filter((r) => r.path === `/repos/${repo}/releases`);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.ifNoneMatch).toMatch(/^"[0-9a-f]{40}"$/);
    expect(calls[0]!.status).toBe(304);
    expect(w.github.notModified).toBeGreaterThan(notModified);
    // Other sources answered 304 too: the cycle cost nothing.
    expect(w.github.chargedRequests).toBe(charged);
  });

  it('applies the pre-release filter, and a promotion reaches the final-only channel once', async () => {
    const repo = 'ibm-granite/granite-3.1-language-models';
    w.github.addRepo(repo);
    const all = w.addChannel('all');
    const finals = w.addChannel('finals');
    const previews = w.addChannel('previews');
    await w.watch({ source: 'github', target: repo, channel: all, prereleases: 'include' });
    await w.watch({ source: 'github', target: repo, channel: finals, prereleases: 'exclude' });
    await w.watch({ source: 'github', target: repo, channel: previews, prereleases: 'only' });
    w.github.publishRelease(repo, { tag: 'v3.2.0-rc1', prerelease: true, body: 'candidate' });
    await w.nextCycle();
    expect(titles(all)).toEqual(['Pre-release v3.2.0-rc1 · ibm-granite/granite-3.1-language-models']);
    expect(titles(previews)).toHaveLength(1);
    expect(titles(finals)).toEqual([]);

    w.github.editRelease(repo, 'v3.2.0-rc1', { prerelease: false });
    await w.nextCycle();
    await w.nextCycle();
    expect(titles(finals)).toEqual(['Release v3.2.0-rc1 · ibm-granite/granite-3.1-language-models']);
    // The channels that saw the pre-release get their message updated, not a second one.
    expect(titles(all)).toEqual(['Release v3.2.0-rc1 · ibm-granite/granite-3.1-language-models']);
    expect(w.discord.editsOf(w.discord.messagesIn(all)[0]!.id)).toHaveLength(1);
    expect(titles(previews)).toHaveLength(1);
  });

  it('announces the promotion of a pre-release that existed before the watch', async () => {
    const repo = 'acme/early-preview';
    w.github.publishRelease(repo, { tag: 'v2.0.0-beta', prerelease: true });
    const channel = w.addChannel('early-finals');
    await w.watch({ source: 'github', target: repo, channel, prereleases: 'exclude' });
    await w.nextCycle();
    expect(titles(channel)).toEqual([]);
    w.github.editRelease(repo, 'v2.0.0-beta', { prerelease: false });
    await w.nextCycle();
    expect(titles(channel)).toEqual(['Release v2.0.0-beta · acme/early-preview']);
  });

  it('updates the posted message when notes are added after publication, without a second post', async () => {
    const repo = 'meta-llama/llama-stack';
    w.github.addRepo(repo);
    const channel = w.addChannel('stack');
    await w.watch({ source: 'github', target: repo, channel });
    w.github.publishRelease(repo, { tag: 'v0.2.0' });
    await w.nextCycle();
    const [posted] = w.discord.messagesIn(channel);
    expect(posted!.embeds[0].description).toBeUndefined();
    w.github.editRelease(repo, 'v0.2.0', { body: 'Notes written ten minutes later' });
    await w.nextCycle();
    const messages = w.discord.messagesIn(channel);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.id).toBe(posted!.id);
    expect(messages[0]!.embeds[0].description).toBe('Notes written ten minutes later');
  });

  it('does not announce a tag deleted and re-created', async () => {
    const repo = 'mistralai/mistral-inference';
    w.github.addRepo(repo);
    const channel = w.addChannel('inference');
    await w.watch({ source: 'github', target: repo, channel });
    w.github.publishRelease(repo, { tag: 'v1.5.0', body: 'same' });
    await w.nextCycle();
    w.github.deleteRelease(repo, 'v1.5.0');
    await w.nextCycle();
    w.github.publishRelease(repo, { tag: 'v1.5.0', body: 'same' });
    await w.nextCycle();
    expect(w.discord.messagesIn(channel)).toHaveLength(1);
  });

  it('turns a 10,000-character release body into a valid embed that links to the rest', async () => {
    const repo = 'meta-llama/PurpleLlama';
    w.github.addRepo(repo);
    const channel = w.addChannel('purple');
    await w.watch({ source: 'github', target: repo, channel });
    const section = (i: number) =>
      `## Section ${i}\n<!-- hidden -->\n![diagram](https://example.com/${i}.png)\n- item with **bold** and [a link](https://example.com/${i})\n\n\`\`\`python\nprint(${i})\n\`\`\`\n`;
    let body = '# Llama Guard 4\n@everyone look\n';
    for (let i = 0; body.length < 10_000; i++) body += section(i);
    w.github.publishRelease(repo, { tag: 'guard-4', body });
    await w.nextCycle();
    const [message] = w.discord.messagesIn(channel);
    const description: string = message!.embeds[0].description;
    expect(description.length).toBeLessThanOrEqual(4096);
    expect(description).toMatch(
      /\[… Read the full notes\]\(https:\/\/github\.com\/meta-llama\/PurpleLlama\/releases\/tag\/guard-4\)$/,
    );
    expect(description).not.toContain('<!--');
    expect(description).not.toMatch(/^#/m);
    expect(description).toContain('[🖼 diagram](https://example.com/0.png)');
    expect(description).toContain('@\u200beveryone');
    expect((description.match(/```/g) ?? []).length % 2).toBe(0);
  });
});

describe('GitHub issues', () => {
  it('posts newly opened issues that carry a watched label, never pull requests', async () => {
    const repo = 'ibm-granite/granite-code-models';
    w.github.openIssue(repo, { title: 'Old bug', labels: ['bug'] });
    const channel = w.addChannel('bugs');
    await w.watch({ source: 'github', target: repo, channel, kinds: 'issues', labels: 'bug, Regression' });
    w.github.openIssue(repo, { title: 'Crash on load', labels: ['bug'], author: 'reporter' });
    w.github.openIssue(repo, { title: 'Typo in README', labels: ['docs'] });
    w.github.openIssue(repo, { title: 'Slower than 3.0', labels: ['regression'] });
    w.github.openPullRequest(repo, { title: 'Fix crash', labels: ['bug'] });
    await w.nextCycle();
    expect(titles(channel)).toEqual(['#2 Crash on load', '#4 Slower than 3.0']);
    const embed = w.discord.messagesIn(channel)[0]!.embeds[0];
    expect(embed.fields.find((f: { name: string }) => f.name === 'Labels').value).toBe('`bug`');
    expect(embed.url).toBe(`https://github.com/${repo}/issues/2`);
  });
});
