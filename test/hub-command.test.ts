import { ChannelType, PermissionFlagsBits } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from './support/harness.ts';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t?.stop();
});

const as = (userId: string, subcommand: string, options?: Record<string, string | number | boolean>) =>
  t.discord.command({ guildId: t.guildId, channelId: t.channelId, userId, name: 'hub', subcommand, options });

describe('/hub', () => {
  it('status shows version, uptime, schema version and the gateway, within the deadline', async () => {
    t.clock.advance(3 * 3600_000 + 5 * 60_000);
    const interaction = as(t.memberId, 'status');
    const first = await interaction.firstResponse();
    expect(first.latencyMs).toBeLessThan(3000);
    const reply = await interaction.reply();
    const embed = reply.embeds[0];
    const field = (name: string) => embed.fields.find((f: { name: string }) => f.name === name)?.value;
    expect(embed.title).toBe('Open Model Hub status');
    expect(field('Version')).toBe(t.hub.version);
    expect(field('Uptime')).toBe('3h 5m');
    expect(field('Database schema')).toMatch(
      t.engine === 'postgres' ? /^version \d+ \(PostgreSQL\)$/ : /^version \d+ \(SQLite\)$/,
    );
    expect(field('Discord gateway')).toBeDefined();
  });

  it('status and help answer directly and privately (no deferral, one request)', async () => {
    for (const sub of ['status', 'help']) {
      const first = await as(t.memberId, sub).firstResponse();
      expect(first.type).toBe(4);
      expect((first.data as { flags?: number }).flags! & 64).toBe(64);
    }
  });

  it('help lists every command from the definitions, privately', async () => {
    const reply = await as(t.memberId, 'help').reply();
    expect(reply.flags & 64).toBe(64);
    const text = reply.embeds[0].description as string;
    for (const command of t.hub.commands) expect(text).toContain(`/${command.data.name}`);
    expect(text).toContain('/hub config');
  });

  it('config with no options shows the defaults to anyone, privately', async () => {
    const reply = await as(t.memberId, 'config').reply();
    expect(reply.flags & 64).toBe(64);
    const fields = reply.embeds[0].fields as Array<{ name: string; value: string }>;
    expect(fields.find((f) => f.name === 'Time zone')?.value).toBe('UTC');
    expect(fields.find((f) => f.name === 'Curator role')?.value).toBe('not set');
  });

  it('a curator sets every setting, and the values are stored and shown', async () => {
    const role = t.discord.addRole(t.guildId, { name: 'Curators' });
    const ideas = t.discord.addChannel(t.guildId, { name: 'ideas', type: 'forum' });
    const digest = t.discord.addChannel(t.guildId, { name: 'digest' });
    const reply = await as(t.curatorId, 'config', {
      curator_role: role,
      ideas_channel: ideas,
      digest_channel: digest,
      timezone: 'europe/paris',
      default_repo: 'https://github.com/ibm-granite/granite-3.1-language-models',
    }).reply();
    expect(reply.flags & 64).toBe(64);
    expect(reply.content).toMatch(/^Saved:/);
    expect(await t.hub.settings.get(t.guildId)).toMatchObject({
      curatorRoleId: role,
      ideasChannelId: ideas,
      digestChannelId: digest,
      timeZone: 'Europe/Paris',
      defaultRepo: 'ibm-granite/granite-3.1-language-models',
      updatedBy: t.curatorId,
    });
    expect(ChannelType.GuildForum).toBe(15);
  });

  it('a member with the curator role may change settings; clear removes one', async () => {
    const role = (await t.hub.settings.get(t.guildId)).curatorRoleId!;
    const helper = t.discord.addMember(t.guildId, { username: 'helper', roles: [role] });
    const reply = await as(helper, 'config', { clear: 'default_repo' }).reply();
    expect(reply.content).toBe('Saved: default_repo.');
    expect((await t.hub.settings.get(t.guildId)).defaultRepo).toBeNull();
  });

  it('refuses a plain member privately and changes nothing', async () => {
    const before = await t.hub.settings.get(t.guildId);
    const reply = await as(t.memberId, 'config', { timezone: 'America/New_York' }).reply();
    expect(reply.flags & 64).toBe(64);
    expect(reply.content).toMatch(/^Only curators can change server settings\./);
    expect(await t.hub.settings.get(t.guildId)).toEqual(before);
  });

  it('refuses an unknown time zone or a malformed repository with a hint, changing nothing', async () => {
    const before = await t.hub.settings.get(t.guildId);
    const zone = await as(t.curatorId, 'config', { timezone: 'Mars/Olympus_Mons' }).reply();
    expect(zone.content).toContain('IANA name such as Europe/Paris');
    const repo = await as(t.curatorId, 'config', { default_repo: 'not a repo', timezone: 'UTC' }).reply();
    expect(repo.content).toContain('Write it as owner/name');
    expect(await t.hub.settings.get(t.guildId)).toEqual(before);
  });

  it('never lets a configured text ping anyone', async () => {
    const reply = await as(t.curatorId, 'config', { default_repo: '@everyone' }).reply();
    expect(reply.content).toContain('is not a GitHub repository');
    const call = t.discord.calls.filter((c) => c.path.includes('/callback')).at(-1)!;
    expect(
      (call.body as { data: { allowed_mentions: { parse: string[] } } }).data.allowed_mentions.parse,
    ).toEqual([]);
  });

  it('autocompletes time zones', async () => {
    const choices = await t.discord
      .autocomplete({
        guildId: t.guildId,
        channelId: t.channelId,
        userId: t.memberId,
        name: 'hub',
        subcommand: 'config',
        options: { timezone: 'paris' },
        focused: 'timezone',
      })
      .autocompleteChoices();
    expect(choices.map((c) => c.value)).toContain('Europe/Paris');
    expect(choices.length).toBeLessThanOrEqual(25);
  });

  it('treats Manage Server as curator even without the role', async () => {
    const admin = t.discord.addMember(t.guildId, {
      username: 'admin',
      permissions: PermissionFlagsBits.ManageGuild,
    });
    const reply = await as(admin, 'config', { timezone: 'Asia/Tokyo' }).reply();
    expect(reply.content).toMatch(/^Saved/);
    expect((await t.hub.settings.get(t.guildId)).timeZone).toBe('Asia/Tokyo');
  });
});

describe('/hub config clear:', () => {
  it('offers every setting /hub config can set', () => {
    const config = t.hub.commands
      .find((c) => c.data.name === 'hub')!
      .data.toJSON()
      .options!.find((o) => o.name === 'config') as {
      options: Array<{ name: string; choices?: Array<{ value: string }> }>;
    };
    const settable = config.options.map((o) => o.name).filter((n) => n !== 'clear');
    const clearable = config.options.find((o) => o.name === 'clear')!.choices!.map((c) => c.value);
    expect(clearable.sort()).toEqual(settable.sort());
  });

  it('returns the time zone and each /try quota to the operator default', async () => {
    const defaults = await t.hub.models.service.quotas.get('no-such-guild');
    const set = await as(t.curatorId, 'config', {
      timezone: 'Asia/Tokyo',
      try_user_requests: 1,
      try_user_tokens: 2,
      try_server_requests: 3,
      try_server_tokens: 4,
    }).reply();
    expect(set.content).toMatch(/^Saved/);
    expect(await t.hub.models.service.quotas.get(t.guildId)).toEqual({
      userDailyRequests: 1,
      userDailyTokens: 2,
      guildDailyRequests: 3,
      guildDailyTokens: 4,
    });
    for (const clear of [
      'timezone',
      'try_user_requests',
      'try_user_tokens',
      'try_server_requests',
      'try_server_tokens',
    ]) {
      const reply = await as(t.curatorId, 'config', { clear }).reply();
      expect(reply.content, clear).toMatch(/^Saved/);
      expect(reply.flags & 64).toBe(64);
    }
    expect((await t.hub.settings.get(t.guildId)).timeZone).toBe('UTC');
    expect(await t.hub.models.service.quotas.get(t.guildId)).toEqual(defaults);
  });

  it('refuses to set and clear the same quota at once, changing nothing', async () => {
    const before = await t.hub.models.service.quotas.get(t.guildId);
    const reply = await as(t.curatorId, 'config', { try_user_tokens: 7, clear: 'try_user_tokens' }).reply();
    expect(reply.content).toBe('You both set and cleared try_user_tokens; choose one.');
    expect(await t.hub.models.service.quotas.get(t.guildId)).toEqual(before);
  });

  it('refuses a plain member clearing a quota', async () => {
    const reply = await as(t.memberId, 'config', { clear: 'try_server_tokens' }).reply();
    expect(reply.content).toMatch(/^Only curators/);
  });
});

describe('/hub config timezone', () => {
  it('keeps the current IANA name the curator chose and offers it in autocomplete', async () => {
    const choices = await t.discord
      .autocomplete({
        guildId: t.guildId,
        channelId: t.channelId,
        userId: t.curatorId,
        name: 'hub',
        subcommand: 'config',
        options: { timezone: 'kiev' },
        focused: 'timezone',
      })
      .autocompleteChoices();
    expect(choices.map((c) => c.value)).toEqual(['Europe/Kyiv']);
    for (const zone of ['europe/kyiv', 'Asia/Kolkata']) {
      const reply = await as(t.curatorId, 'config', { timezone: zone }).reply();
      const shown = (reply.embeds[0].fields as Array<{ name: string; value: string }>).find(
        (f) => f.name === 'Time zone',
      )?.value;
      expect(shown).toBe(zone === 'europe/kyiv' ? 'Europe/Kyiv' : 'Asia/Kolkata');
      expect((await t.hub.settings.get(t.guildId)).timeZone).toBe(shown);
    }
  });
});
