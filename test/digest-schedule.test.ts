import { loadImage } from '@napi-rs/canvas';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.ts';
import { CHART_HEIGHT, CHART_WIDTH } from '../src/digest/chart.ts';
import { CLAIM_STALE_MS, digestNonce } from '../src/digest/service.ts';
import { latestSlot, previousWeek } from '../src/digest/week.ts';
import { DigestRows } from './digest-fixtures.ts';
import { startTestHub, type TestHub } from './support/harness.ts';

const GRANITE = 'ibm-granite/granite-3.1-language-models';
let th: TestHub | undefined;

afterEach(async () => {
  await th?.stop();
  th = undefined;
});

/** Runs the digest job now, or waits for the run already going (the start-up catch-up). */
const tick = (t: TestHub) =>
  t.hub.scheduler.runNow({ name: 'weekly-digest', run: () => t.hub.digest.service.postDueDigests() });

function digestsIn(t: TestHub, channelId: string) {
  return t.discord.messagesIn(channelId).filter((m) => m.embeds[0]?.title?.startsWith('Weekly digest'));
}

async function parisServer(clock: ManualClock) {
  th = await startTestHub({ clock, schedule: true });
  const t = th;
  const channelId = t.discord.addChannel(t.guildId, { name: 'digest' });
  await t.hub.settings.update(
    t.guildId,
    { timeZone: 'Europe/Paris', digestChannelId: channelId },
    t.curatorId,
  );
  return { t, channelId, f: new DigestRows(t.hub.kdb, t.guildId) };
}

describe('the scheduled weekly digest', () => {
  it('is posted once at Monday 09:00 Paris time after the spring change, covering the local week; a restart posts nothing', async () => {
    const clock = new ManualClock('2026-03-30T06:59:00Z'); // Monday 08:59 CEST
    const { t, channelId, f } = await parisServer(clock);
    await f.watch(GRANITE);
    await f.event({ kind: 'releases', target: GRANITE, id: 'v-last-week', at: '2026-03-22T22:30:00.000Z' }); // Sun 23:30 CET
    await f.event({
      kind: 'releases',
      target: GRANITE,
      id: 'v-sunday-night',
      at: '2026-03-29T21:30:00.000Z',
    }); // Sun 23:30 CEST
    await f.event({ kind: 'releases', target: GRANITE, id: 'v-monday', at: '2026-03-29T22:30:00.000Z' }); // Mon 00:30 CEST
    const botId = t.discord.addMember(t.guildId, { username: 'otherbot', bot: true });
    await f.run({ userId: t.memberId, model: 'granite-3.0-8b-instruct', at: '2026-03-25T10:00:00.000Z' });
    await f.run({ userId: botId, model: 'granite-3.0-8b-instruct', at: '2026-03-25T10:00:00.000Z' });

    await tick(t);
    expect(digestsIn(t, channelId)).toHaveLength(0);

    clock.set('2026-03-30T07:00:00Z'); // Monday 09:00 CEST
    await tick(t);
    await tick(t); // a second tick in the same hour
    const posted = digestsIn(t, channelId);
    expect(posted).toHaveLength(1);
    const first = posted[0]!;
    expect(first.embeds[0]?.title).toBe('Weekly digest · 2026-W13');
    expect(first.embeds[0]?.description).toContain('2026-03-23 to 2026-03-29 (Europe/Paris)');
    const all = JSON.stringify(t.discord.messagesIn(channelId));
    expect(all).toContain('v\\\\-sunday\\\\-night');
    expect(all).not.toContain('v\\\\-monday');
    expect(all).not.toContain('v\\\\-last\\\\-week');
    // The bot's run is left out once Discord has told us it is a bot.
    expect(all).toContain('1 run by 1 person');
    const png = first.attachments[0]!;
    expect(png.filename).toBe('activity-2026-W13.png');
    const image = await loadImage(png.data);
    expect([image.width, image.height]).toEqual([CHART_WIDTH, CHART_HEIGHT]);
    const messagesBefore = t.discord.messagesIn(channelId).length;

    await t.restart();
    await tick(t);
    expect(t.discord.messagesIn(channelId)).toHaveLength(messagesBefore);
    expect((await t.hub.digest.store.record(t.guildId, '2026-W13'))?.status).toBe('posted');
  });

  it('finishes a digest whose posting was cut by a crash, without posting any message twice', async () => {
    const clock = new ManualClock('2026-03-30T07:00:00Z'); // Monday 09:00 CEST
    const { t, channelId, f } = await parisServer(clock);
    await f.watch(GRANITE);
    for (let i = 0; i < 40; i++)
      await f.event({ kind: 'releases', target: GRANITE, id: `v0.${i}`, at: '2026-03-25T10:00:00.000Z' });
    // What a crash after Discord took the first message leaves: a claimed week and one message out.
    const slot = latestSlot(clock.now(), 'Europe/Paris', 1, 9);
    const week = previousWeek(slot, 'Europe/Paris');
    const messages = t.hub.digest.service.render(await t.hub.digest.service.build(t.guildId, week));
    expect(
      await t.hub.digest.store.claim({
        guildId: t.guildId,
        isoWeek: week.key,
        channelId,
        scheduledFor: slot,
      }),
    ).toBe(true);
    await t.hub.poster.post(channelId, { ...messages[0]!, nonce: digestNonce(t.guildId, week.key, 0) });

    await t.restart();
    // Until its claim goes stale the week may still be another process's, being posted right now.
    await tick(t);
    expect(t.discord.messagesIn(channelId)).toHaveLength(1);
    clock.advance(CLAIM_STALE_MS);
    await tick(t);
    expect(t.discord.messagesIn(channelId)).toHaveLength(messages.length);
    expect(digestsIn(t, channelId)).toHaveLength(1);
    expect((await t.hub.digest.store.record(t.guildId, week.key))?.status).toBe('posted');
  });

  it('catches up at start-up when less than 24 hours late, and logs and skips when later', async () => {
    const clock = new ManualClock('2026-03-27T12:00:00Z'); // a Friday
    const { t, channelId, f } = await parisServer(clock);
    await f.watch(GRANITE);
    await f.event({ kind: 'releases', target: GRANITE, id: 'v1', at: '2026-03-25T10:00:00.000Z' });
    await tick(t);
    // Monday's slot of this week passed before the server had a digest: not a missed post.
    expect((await t.hub.digest.store.record(t.guildId, '2026-W12'))?.status).toBe('skipped');
    expect(t.logs.messages()).toContain('Weekly digest scheduled; the first one is posted at its next time');

    // Down over Monday 09:00; back at 14:00 the same day.
    clock.set('2026-03-30T12:00:00Z');
    await t.restart();
    const caughtUp = await t.discord.waitForMessage(
      channelId,
      (m) => m.embeds[0]?.title === 'Weekly digest · 2026-W13',
    );
    expect(caughtUp.attachments).toHaveLength(1);
    await tick(t);
    expect(digestsIn(t, channelId)).toHaveLength(1);

    // Down over the next Monday 09:00; back 25 hours later.
    clock.set('2026-04-07T08:00:00Z');
    await t.restart();
    await tick(t);
    expect(digestsIn(t, channelId)).toHaveLength(1);
    expect((await t.hub.digest.store.record(t.guildId, '2026-W14'))?.status).toBe('skipped');
    expect(t.logs.messages()).toContain(
      'Skipped the weekly digest of 2026-W14: it was due more than 24 hours ago (the bot was not running). /digest post-now posts the current week on request.',
    );
  });

  it('posts a short note for a quiet week, or nothing when the server chose so', async () => {
    const clock = new ManualClock('2026-01-12T09:30:00Z');
    const { t, channelId } = await parisServer(clock);
    await tick(t);
    const note = t.discord.messagesIn(channelId);
    expect(note).toHaveLength(1);
    expect(note[0]?.embeds).toEqual([]);
    expect(note[0]?.content).toContain('a quiet week');

    await t.hub.digest.store.updateSchedule(t.guildId, { quietWeeks: 'skip' }, t.curatorId);
    clock.set('2026-01-19T09:30:00Z');
    await tick(t);
    expect(t.discord.messagesIn(channelId)).toHaveLength(1);
    expect((await t.hub.digest.store.record(t.guildId, '2026-W03'))?.status).toBe('quiet');
  });

  it('gives the week back when Discord is down, and posts it on the next run', async () => {
    const clock = new ManualClock('2026-01-12T09:30:00Z');
    const { t, channelId } = await parisServer(clock);
    // discord.js retries a 5xx three times itself; the fourth failure reaches the digest.
    t.discord.failNext('POST', new RegExp(`/channels/${channelId}/messages`), { status: 503 }, 4);
    await tick(t);
    expect(t.discord.messagesIn(channelId)).toHaveLength(0);
    expect(await t.hub.digest.store.record(t.guildId, '2026-W02')).toBeUndefined();
    expect(t.logs.messages()).toContain(
      'Discord did not take the weekly digest; it is tried again in a minute',
    );
    await tick(t);
    expect(t.discord.messagesIn(channelId)).toHaveLength(1);
    expect((await t.hub.digest.store.record(t.guildId, '2026-W02'))?.status).toBe('quiet');
  });

  it('still posts when Discord cannot say who is a bot, counting those users as people', async () => {
    const clock = new ManualClock('2026-01-12T09:30:00Z');
    const { t, channelId, f } = await parisServer(clock);
    await f.run({ userId: t.memberId, model: 'granite-3.0-8b-instruct', at: '2026-01-07T10:00:00.000Z' });
    t.discord.failNext('GET', /\/users\/\d+$/, { status: 503 }, 4);
    await tick(t);
    expect(JSON.stringify(t.discord.messagesIn(channelId))).toContain('1 run by 1 person');
    expect(t.logs.messages()).toContain(
      'Could not ask Discord which users are bots; users not looked up yet count as people in this digest',
    );
  });

  it('records a channel it may not post in as failed and tells the operator what to do', async () => {
    const clock = new ManualClock('2026-01-12T09:30:00Z');
    const { t, channelId } = await parisServer(clock);
    t.discord.denyBot(channelId, 'send');
    await tick(t);
    expect((await t.hub.digest.store.record(t.guildId, '2026-W02'))?.status).toBe('failed');
    expect(
      t.logs.messages().some((m) => m.includes('choose another channel with /digest config channel')),
    ).toBe(true);
  });
});

describe('/digest', () => {
  it('previews this week so far privately, lets curators post it now and change the schedule', async () => {
    const clock = new ManualClock('2026-01-07T12:00:00Z');
    th = await startTestHub({ clock });
    const t = th;
    const f = new DigestRows(t.hub.kdb, t.guildId);
    await f.watch(GRANITE);
    await f.event({ kind: 'releases', target: GRANITE, id: 'v2.0', at: '2026-01-06T10:00:00.000Z' });
    const actor = { guildId: t.guildId, channelId: t.channelId, name: 'digest' };

    const preview = await t.discord.command({ ...actor, userId: t.memberId, subcommand: 'preview' }).reply();
    expect(preview.flags & 64).toBe(64);
    expect(preview.embeds[0]?.title).toBe('This week so far · 2026-W02');
    expect(preview.attachments[0]?.filename).toBe('activity-2026-W02.png');

    const denied = await t.discord
      .command({ ...actor, userId: t.memberId, subcommand: 'config', options: { hour: 8 } })
      .reply();
    expect(denied.content).toContain('Only curators can change the digest schedule');

    const noChannel = await t.discord
      .command({ ...actor, userId: t.curatorId, subcommand: 'post-now' })
      .reply();
    expect(noChannel.content).toContain('no digest channel yet');

    const digestChannel = t.discord.addChannel(t.guildId, { name: 'weekly' });
    const saved = await t.discord
      .command({
        ...actor,
        userId: t.curatorId,
        subcommand: 'config',
        options: { channel: digestChannel, day: 'friday', hour: 17 },
      })
      .reply();
    expect(saved.content).toBe('Saved.');
    expect(await t.hub.digest.store.schedule(t.guildId)).toMatchObject({
      channelId: digestChannel,
      weekday: 5,
      hour: 17,
    });

    const status = await t.hub.status.collect(t.guildId);
    // Friday 17:00 UTC (the server's zone): the 9th, two days after the clock's Wednesday.
    expect(status).toContainEqual({
      name: 'Weekly digest',
      value: `next <t:${Date.parse('2026-01-09T17:00:00Z') / 1000}:f> in <#${digestChannel}>; last none yet`,
    });

    const done = await t.discord.command({ ...actor, userId: t.curatorId, subcommand: 'post-now' }).reply();
    expect(done.content).toContain(`Posted this week’s digest so far to <#${digestChannel}>`);
    const posted = t.discord.messagesIn(digestChannel);
    expect(posted).toHaveLength(1);
    expect(posted[0]?.embeds[0]?.title).toBe('This week so far · 2026-W02');
    // A manual post does not take the week's scheduled slot.
    expect(await t.hub.digest.store.record(t.guildId, '2026-W02')).toBeUndefined();
  });
});

describe('what /digest config announces as Next', () => {
  const at = (iso: string) => `<t:${Date.parse(iso) / 1000}:F>`;

  async function utcServer(clock: ManualClock) {
    th = await startTestHub({ clock, schedule: true });
    const t = th;
    const channelId = t.discord.addChannel(t.guildId, { name: 'digest' });
    const config = async (options: Record<string, string | number> = {}) => {
      const reply = await t.discord
        .command({
          guildId: t.guildId,
          channelId: t.channelId,
          userId: t.curatorId,
          name: 'digest',
          subcommand: 'config',
          options,
        })
        .reply();
      const fields = (reply.embeds[0]?.fields ?? []) as Array<{ name: string; value: string }>;
      return { reply, next: fields.find((f) => f.name === 'Next')?.value, fields };
    };
    return { t, channelId, config };
  }

  it('is kept when the slot moves later in the week after the channel was set (last slot recorded skipped)', async () => {
    const clock = new ManualClock('2026-01-13T10:00:00Z'); // a Tuesday
    const { t, channelId, config } = await utcServer(clock);
    await config({ channel: channelId });
    await tick(t);
    // Monday 09:00 passed before the server had a digest: recorded as skipped, not missed.
    expect((await t.hub.digest.store.record(t.guildId, '2026-W02'))?.status).toBe('skipped');

    const moved = await config({ day: 'tuesday', hour: 20 });
    expect(moved.next).toBe(at('2026-01-13T20:00:00Z'));

    clock.set('2026-01-13T20:00:00Z');
    await tick(t);
    const posted = digestsIn(t, channelId).concat(
      t.discord.messagesIn(channelId).filter((m) => m.content?.includes('quiet week')),
    );
    expect(posted).toHaveLength(1);
    expect((await t.hub.digest.store.record(t.guildId, '2026-W02'))?.status).toMatch(/^(posted|quiet)$/);
    expect((await config()).next).toBe(at('2026-01-20T20:00:00Z'));
  });

  it('skips a slot whose week was already posted, and nothing is posted then', async () => {
    const clock = new ManualClock('2026-01-12T09:00:00Z'); // Monday 09:00, the default slot
    const { t, channelId, config } = await utcServer(clock);
    await config({ channel: channelId });
    await tick(t);
    expect(t.discord.messagesIn(channelId)).toHaveLength(1);

    clock.set('2026-01-13T10:00:00Z');
    const moved = await config({ day: 'tuesday', hour: 20 });
    // Last week's digest is out; the next one is the week after, at the new slot.
    expect(moved.next).toBe(at('2026-01-20T20:00:00Z'));
    clock.set('2026-01-13T20:00:00Z');
    await tick(t);
    expect(t.discord.messagesIn(channelId)).toHaveLength(1);
    const status = await t.hub.status.collect(t.guildId);
    expect(status.find((l) => l.name === 'Weekly digest')?.value).toContain(
      `<t:${Date.parse('2026-01-20T20:00:00Z') / 1000}:f>`,
    );
  });
});

describe('a digest channel that was deleted', () => {
  it('post-now says the channel is gone and how to choose another; config shows it no longer exists', async () => {
    const clock = new ManualClock('2026-01-07T12:00:00Z');
    th = await startTestHub({ clock });
    const t = th;
    const channelId = t.discord.addChannel(t.guildId, { name: 'weekly' });
    await t.hub.settings.update(t.guildId, { digestChannelId: channelId }, t.curatorId);
    t.discord.deleteChannel(channelId);
    const run = (subcommand: string) =>
      t.discord
        .command({
          guildId: t.guildId,
          channelId: t.channelId,
          userId: t.curatorId,
          name: 'digest',
          subcommand,
        })
        .reply();

    const errorsBefore = t.logs.lines.filter((l) => Number(l.level) >= 50).length;
    const posted = await run('post-now');
    expect(posted.flags & 64).toBe(64);
    expect(posted.content).toBe(
      'The digest channel no longer exists (it was deleted). Choose another with /digest config channel.',
    );
    expect(t.logs.lines.filter((l) => Number(l.level) >= 50).length).toBe(errorsBefore);

    const config = await run('config');
    const fields = config.embeds[0]?.fields as Array<{ name: string; value: string }>;
    expect(fields.find((f) => f.name === 'Channel')?.value).toBe(
      `<#${channelId}> no longer exists; choose another channel with /digest config channel`,
    );
    expect(fields.find((f) => f.name === 'Next')).toBeUndefined();
  });

  it('post-now says so when the bot may not post in the channel', async () => {
    const clock = new ManualClock('2026-01-07T12:00:00Z');
    th = await startTestHub({ clock });
    const t = th;
    const channelId = t.discord.addChannel(t.guildId, { name: 'weekly' });
    await t.hub.settings.update(t.guildId, { digestChannelId: channelId }, t.curatorId);
    t.discord.denyBot(channelId, 'send');
    const reply = await t.discord
      .command({
        guildId: t.guildId,
        channelId: t.channelId,
        userId: t.curatorId,
        name: 'digest',
        subcommand: 'post-now',
      })
      .reply();
    expect(reply.content).toBe(
      `I may not post in <#${channelId}>. Give the bot Send Messages, Embed Links and Attach Files there, or choose another channel with /digest config channel.`,
    );
  });
});
