// /watch as a server's members use it, plus Hugging Face models, presets, webhooks and /hub status.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTrackingWorld, type TrackingWorld } from './support/github/tracking-hub.ts';
import { all } from './support/sql.ts';

const SECRET = 'webhook-secret-for-tests';
let w: TrackingWorld;
beforeAll(async () => {
  w = await startTrackingWorld({ GITHUB_WEBHOOK_SECRET: SECRET });
});
afterAll(() => w.close());

const run = (
  subcommand: string,
  options: Record<string, string | number | boolean> = {},
  userId = w.curatorId,
) =>
  w.discord
    .command({ guildId: w.guildId, channelId: w.channelId, userId, name: 'watch', subcommand, options })
    .reply();

describe('/watch add', () => {
  it('answers an unknown repository or organisation clearly and privately, and stores nothing', async () => {
    const before = (await w.hub.tracking.watches.list(w.guildId)).length;
    const repo = await run('add', { source: 'github', target: 'ibm-granite/no-such-repo' });
    expect(repo.flags & 64).toBe(64);
    expect(repo.content).toBe(
      'GitHub has no repository ibm-granite/no-such-repo (or it is private). Check the spelling, as owner/name, e.g. ibm-granite/granite-guardian.',
    );
    const org = await run('add', { source: 'huggingface', target: 'no-such-org' });
    expect(org.content).toMatch(/^Hugging Face has no organisation or user named no-such-org\./);
    const malformed = await run('add', { source: 'github', target: 'not a repo' });
    expect(malformed.flags & 64).toBe(64);
    expect(await w.hub.tracking.watches.list(w.guildId)).toHaveLength(before);
  });

  it('asks before following a private repository, and remembers who confirmed', async () => {
    w.github.addRepo('acme/secret-weights', { private: true });
    const channel = w.addChannel('secret');
    const before = (await w.hub.tracking.watches.list(w.guildId)).length;
    const asked = await run('add', { source: 'github', target: 'acme/secret-weights', channel });
    expect(asked.flags & 64).toBe(64);
    expect(asked.content).toBe(
      `acme/secret-weights is a private repository: its releases would be posted in <#${channel}>, where everyone who can read that channel sees them. Watch it anyway?`,
    );
    const buttons = asked.components[0].components as Array<{ custom_id: string; label: string }>;
    expect(buttons.map((b) => b.label)).toEqual(['Watch it anyway', 'Cancel']);
    expect(buttons[0]!.custom_id).toMatch(/^watch:confirm-private:[0-9a-f]{16}$/);
    expect(await w.hub.tracking.watches.list(w.guildId)).toHaveLength(before);

    const actor = { guildId: w.guildId, channelId: w.channelId, userId: w.curatorId };
    const confirmed = await w.discord
      .click({ ...actor, customId: buttons[0]!.custom_id, messageId: asked.id })
      .reply();
    expect(confirmed.content).toMatch(/^Watch #\d+: <#\d+> gets releases of acme\/secret-weights/);
    expect(confirmed.content).toContain('private repository, confirmed by');
    expect(confirmed.components).toEqual([]);
    const watch = (await w.hub.tracking.watches.list(w.guildId)).find(
      (x) => x.target === 'acme/secret-weights',
    )!;
    expect(watch.privateConfirmedBy).toBe(w.curatorId);
    expect(watch.privateConfirmedAt).toBe(w.clock.now().toISOString());

    // The button works once: a second click is out of date and adds nothing.
    const again = await w.discord
      .click({ ...actor, customId: buttons[0]!.custom_id, messageId: asked.id })
      .reply();
    expect(again.flags & 64).toBe(64);
    expect(again.content).toBe(
      'This button or form is out of date or not one of ours; nothing was changed. Run the command again.',
    );
    expect(await w.hub.tracking.watches.list(w.guildId)).toHaveLength(before + 1);
    const listed = await run('list');
    expect(listed.embeds[0].description).toContain('🔒 private repository');
  });

  it('answers a forged or stale private confirmation as out of date, and Cancel adds nothing', async () => {
    w.github.addRepo('acme/secret-two', { private: true });
    const channel = w.addChannel('secret-two');
    const before = (await w.hub.tracking.watches.list(w.guildId)).length;
    const asked = await run('add', { source: 'github', target: 'acme/secret-two', channel });
    const [confirm, cancel] = (asked.components[0].components as Array<{ custom_id: string }>).map(
      (b) => b.custom_id,
    );
    const actor = { guildId: w.guildId, channelId: w.channelId, userId: w.curatorId };
    const stale =
      'This button or form is out of date or not one of ours; nothing was changed. Run the command again.';
    for (const customId of [
      'watch:confirm-private:0123456789abcdef',
      'watch:confirm-private:',
      'watch:confirm-private:../x',
    ]) {
      const forged = await w.discord.click({ ...actor, customId, messageId: asked.id }).reply();
      expect(forged.flags & 64).toBe(64);
      expect(forged.content).toBe(stale);
    }
    // Another curator's click on a confirmation that is not theirs.
    const other = w.discord.addMember(w.guildId, { username: 'other-curator', permissions: 1n << 5n });
    const foreign = await w.discord
      .click({ ...actor, userId: other, customId: confirm!, messageId: asked.id })
      .reply();
    expect(foreign.content).toBe(stale);
    const cancelled = await w.discord.click({ ...actor, customId: cancel!, messageId: asked.id }).reply();
    expect(cancelled.content).toBe('Nothing was added: acme/secret-two stays unwatched.');
    const late = await w.discord.click({ ...actor, customId: confirm!, messageId: asked.id }).reply();
    expect(late.content).toBe(stale);
    // A confirmation older than 15 minutes is out of date too.
    const again = await run('add', { source: 'github', target: 'acme/secret-two', channel });
    w.clock.advance(16 * 60_000);
    const expired = await w.discord
      .click({ ...actor, customId: again.components[0].components[0].custom_id, messageId: again.id })
      .reply();
    expect(expired.content).toBe(stale);
    expect(await w.hub.tracking.watches.list(w.guildId)).toHaveLength(before);
  });

  it('refuses members without Manage Channels or the curator role', async () => {
    w.github.addRepo('acme/private-club');
    const reply = await run('add', { source: 'github', target: 'acme/private-club' }, w.memberId);
    expect(reply.content).toBe('Only members with Manage Channels or the curator role can add watches.');
  });

  it('refuses a duplicate watch in the same channel', async () => {
    w.github.addRepo('acme/dupe');
    const channel = w.addChannel('dupe');
    expect(
      (await run('add', { source: 'github', target: 'acme/dupe', channel, kinds: 'both' })).content,
    ).toMatch(/^Watch #/);
    const again = await run('add', { source: 'github', target: 'ACME/dupe', channel, kinds: 'issues' });
    expect(again.content).toMatch(/^<#\d+> already follows acme\/dupe \(both\) with watch #\d+\./);
  });

  it('refuses a second watch of a renamed repository under its old name', async () => {
    w.github.addRepo('old-owner/renamed');
    w.github.renameRepo('old-owner/renamed', 'new-owner/renamed');
    const channel = w.addChannel('renamed');
    expect((await run('add', { source: 'github', target: 'new-owner/renamed', channel })).content).toMatch(
      /^Watch #/,
    );
    const again = await run('add', { source: 'github', target: 'old-owner/renamed', channel });
    expect(again.content).toMatch(
      /^<#\d+> already follows new-owner\/renamed \(releases\) with watch #\d+\./,
    );
  });

  it('posts the latest N right away with backfill', async () => {
    for (const tag of ['v1', 'v2', 'v3']) w.github.publishRelease('acme/backfill', { tag });
    const channel = w.addChannel('backfill');
    const reply = await run('add', { source: 'github', target: 'acme/backfill', channel, backfill: 2 });
    expect(reply.content).toMatch(/posted the latest 2, and from now on/);
    expect(w.discord.messagesIn(channel).map((m) => m.embeds[0].title)).toEqual([
      'Release v2 · acme/backfill',
      'Release v3 · acme/backfill',
    ]);
  });
});

describe('Hugging Face organisations', () => {
  it('posts new models with task, library, licence and a link to the model card', async () => {
    w.hfHub.addModel('ibm-granite', { name: 'granite-3.1-8b-instruct', pipelineTag: 'text-generation' });
    const channel = w.addChannel('hf');
    await run('add', { source: 'huggingface', target: 'ibm-granite', channel });
    await w.nextCycle();
    expect(w.discord.messagesIn(channel)).toEqual([]);
    w.hfHub.addModel('ibm-granite', {
      name: 'granite-4.0-tiny',
      pipelineTag: 'text-generation',
      library: 'transformers',
      license: 'apache-2.0',
    });
    await w.nextCycle();
    const [message] = w.discord.messagesIn(channel);
    const embed = message!.embeds[0];
    expect(embed.title).toBe('ibm-granite/granite-4.0-tiny');
    expect(embed.url).toBe(`${w.hfHub.hubUrl}/ibm-granite/granite-4.0-tiny`);
    const field = (name: string) => embed.fields.find((f: { name: string }) => f.name === name)?.value;
    expect([field('Task'), field('Library'), field('Licence')]).toEqual([
      'text-generation',
      'transformers',
      'apache-2.0',
    ]);
    await w.nextCycle();
    expect(w.discord.messagesIn(channel)).toHaveLength(1);
  });
});

describe('/watch preset', () => {
  it('follows a model family in one step', async () => {
    for (const repo of ['meta-llama/llama-models', 'meta-llama/llama-stack', 'meta-llama/PurpleLlama'])
      w.github.addRepo(repo);
    w.hfHub.addOrg('meta-llama');
    const channel = w.addChannel('llama');
    const choices = await w.discord
      .autocomplete({
        guildId: w.guildId,
        channelId: w.channelId,
        userId: w.curatorId,
        name: 'watch',
        subcommand: 'preset',
        options: { name: 'lla' },
        focused: 'name',
      })
      .autocompleteChoices();
    expect(choices).toEqual([{ name: 'llama — Meta Llama', value: 'llama' }]);
    const reply = await run('preset', { name: 'llama', channel });
    expect(reply.content.split('\n')[0]).toBe(`**Meta Llama** in <#${channel}>: 4 watches added.`);
    const again = await run('preset', { name: 'llama', channel });
    expect(again.content).toMatch(/0 watches added\.\nNot added:/);
    w.github.publishRelease('meta-llama/llama-stack', { tag: 'v0.3.0' });
    await w.nextCycle();
    expect(w.discord.messagesIn(channel).map((m) => m.embeds[0].title)).toEqual([
      'Release v0.3.0 · meta-llama/llama-stack',
    ]);
  });
});

describe('/watch preset and private repositories', () => {
  it('leaves a private repository of a preset out, saying how to add it with a confirmation', async () => {
    w.github.addRepo('mistralai/mistral-inference');
    w.github.addRepo('mistralai/mistral-common');
    w.github.addRepo('mistralai/mistral-finetune', { private: true });
    w.hfHub.addOrg('mistralai');
    const channel = w.addChannel('mistral');
    const reply = await run('preset', { name: 'mistral', channel });
    const lines = reply.content.split('\n');
    expect(lines[0]).toMatch(/: 3 watches added\.$/);
    expect(lines.slice(-2)).toEqual([
      'Not added:',
      '• mistralai/mistral-finetune: a private repository: add it on its own with /watch add, which asks you to confirm that its posts may go to this channel.',
    ]);
    expect(
      (await w.hub.tracking.watches.list(w.guildId)).some((x) => x.target === 'mistralai/mistral-finetune'),
    ).toBe(false);
  });
});

describe('/watch list and remove', () => {
  it('lists the server’s watches with their last poll, and removes one', async () => {
    w.github.addRepo('acme/listed');
    const channel = w.addChannel('listed');
    const added = await run('add', {
      source: 'github',
      target: 'acme/listed',
      channel,
      kinds: 'issues',
      labels: 'bug',
    });
    const id = Number(/^Watch #(\d+)/.exec(added.content)![1]);
    const list = await run('list', {}, w.memberId);
    expect(list.embeds[0].description).toContain(
      `**#${id}** new issues of acme/listed (labels bug) → <#${channel}>\nlast successful poll <t:`,
    );
    expect((await run('remove', { id }, w.memberId)).content).toMatch(/^Only members with Manage Channels/);
    expect((await run('remove', { id })).content).toBe(
      `Removed watch #${id}: <#${channel}> no longer gets new issues of acme/listed (labels bug).`,
    );
    expect((await run('remove', { id })).content).toBe(
      `There is no watch #${id} in this server. /watch list shows its watches.`,
    );
  });

  it('adds watch counts, last poll and GitHub budget to /hub status', async () => {
    const lines = await w.hub.status.collect(w.guildId);
    const value = (name: string) => lines.find((l) => l.name === name)?.value;
    expect(value('Watches')).toBe(`${(await w.hub.tracking.watches.list(w.guildId)).length} in this server`);
    expect(value('Last poll')).toMatch(/^<t:\d+:R>$/);
    expect(value('GitHub rate limit')).toMatch(/^\d+ of 5000 left, resets <t:\d+:R>$/);
  });

  it('counts polls and posts in /metrics', async () => {
    const metrics = await (await fetch(`http://127.0.0.1:${w.app.httpPort}/metrics`)).text();
    const count = (line: string) => Number(new RegExp(`^${line} (\\d+)$`, 'm').exec(metrics)?.[1] ?? 0);
    expect(count('omh_tracking_polls_total\\{source="github",outcome="not_modified"\\}')).toBeGreaterThan(0);
    expect(count('omh_tracking_posts_total\\{outcome="sent"\\}')).toBeGreaterThan(0);
  });
});

describe('GitHub webhook', () => {
  const deliver = (event: string, payload: unknown, secret = SECRET) => {
    const body = JSON.stringify(payload);
    return fetch(`http://127.0.0.1:${w.app.httpPort}/webhooks/github`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': event,
        'x-github-delivery': 'test-delivery',
        'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
      },
      body,
    });
  };

  it('posts a release pushed by webhook at once, and the poll that sees it too posts nothing more', async () => {
    const repo = 'acme/hooked';
    w.github.addRepo(repo);
    const channel = w.addChannel('hooked');
    await run('add', { source: 'github', target: repo, channel });
    const release = w.github.publishRelease(repo, { tag: 'v1.0.0', body: 'instant' });
    const response = await deliver('release', {
      action: 'published',
      release,
      repository: { full_name: repo },
    });
    expect(response.status).toBe(202);
    expect(w.discord.messagesIn(channel)).toHaveLength(1);
    await w.nextCycle();
    expect(w.discord.messagesIn(channel)).toHaveLength(1);
  });

  it('records an issue closed by webhook once, posts nothing about it, and the poll agrees', async () => {
    const repo = 'acme/hooked-issues';
    w.github.addRepo(repo);
    const channel = w.addChannel('hooked-issues');
    await run('add', { source: 'github', target: repo, channel, kinds: 'issues' });
    const opened = w.github.openIssue(repo, { title: 'Segfault' });
    await deliver('issues', { action: 'opened', issue: opened, repository: { full_name: repo } });
    w.clock.advance(60_000);
    const closed = w.github.closeIssue(repo, opened.number);
    const response = await deliver('issues', {
      action: 'closed',
      issue: closed,
      repository: { full_name: repo },
    });
    expect(response.status).toBe(202);
    const row = () =>
      all(w.hub, "SELECT state, closed_at FROM events WHERE target_key = ? AND kind = 'issues'", repo);
    expect(await row()).toEqual([{ state: 'closed', closed_at: closed.closed_at }]);
    await w.nextCycle();
    expect(await row()).toEqual([{ state: 'closed', closed_at: closed.closed_at }]);
    expect(w.discord.messagesIn(channel).map((m) => m.embeds[0]?.title)).toEqual(['#1 Segfault']);
  });

  it('rejects a delivery with a wrong signature and tells the operator what to check', async () => {
    const response = await deliver('release', { action: 'published' }, 'wrong-secret');
    expect(response.status).toBe(401);
    expect(w.logs.messages()).toContain(
      'Rejected a GitHub webhook with a missing or wrong signature: verify that the webhook secret in GitHub matches GITHUB_WEBHOOK_SECRET',
    );
  });
});

describe('/watch list with many watches', () => {
  it('shows whole entries within the embed limit and counts the ones left out', async () => {
    const channel = w.addChannel('crowded');
    for (let i = 0; i < 30; i++) {
      w.github.addRepo(`crowded-org/repository-number-${i}`);
      await w.hub.tracking.watches.add({
        guildId: w.guildId,
        channelId: channel,
        userId: w.curatorId,
        source: 'github',
        target: `crowded-org/repository-number-${i}`,
        kinds: 'both',
        labels: 'bug, enhancement',
      });
    }
    const total = (await w.hub.tracking.watches.list(w.guildId)).length;
    const list = await run('list', {}, w.memberId);
    const description: string = list.embeds[0].description;
    expect(description.length).toBeLessThanOrEqual(4096);
    const entries = description.split('\n\n');
    const more = entries.pop()!;
    const shown = entries.length;
    expect(shown).toBeLessThan(total);
    expect(more).toBe(`…and ${total - shown} more.`);
    // Every shown entry is whole: its header and its poll line.
    for (const entry of entries)
      expect(entry).toMatch(/^\*\*#\d+\*\* .* → <#\d+>\n(last successful poll|not polled yet)/);
  });
});

describe('Hugging Face payloads beyond Discord limits', () => {
  it('posts a model whose licence and library are longer than a field allows, cut to fit', async () => {
    const channel = w.addChannel('hf-long');
    w.hfHub.addOrg('verbose-org');
    expect((await run('add', { source: 'huggingface', target: 'verbose-org', channel })).content).toMatch(
      /^Watch #/,
    );
    w.hfHub.addModel('verbose-org', {
      name: 'wordy-model',
      pipelineTag: 'text-generation',
      library: `lib-${'l'.repeat(1100)}`,
      license: `custom-${'x'.repeat(1100)}`,
    });
    await w.nextCycle();
    const [message] = w.discord.messagesIn(channel);
    const fields: Array<{ name: string; value: string }> = message!.embeds[0].fields;
    const value = (name: string) => fields.find((f) => f.name === name)!.value;
    expect(value('Licence').startsWith('custom-xxx')).toBe(true);
    expect(value('Library').startsWith('lib-lll')).toBe(true);
    for (const f of fields) expect(f.value.length).toBeLessThanOrEqual(1024);
  });
});
