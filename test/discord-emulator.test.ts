import { once } from 'node:events';
import {
  ActionRowBuilder,
  type BaseInteraction,
  ButtonBuilder,
  ButtonStyle,
  Client,
  DiscordAPIError,
  type Message as DjsMessage,
  Events,
  GatewayIntentBits,
  MessageFlags,
  ModalBuilder,
  Routes,
  SlashCommandBuilder,
  StringSelectMenuBuilder,
  type TextChannel,
  TextInputBuilder,
  TextInputStyle,
} from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiscordEmulator } from './support/discord/index.ts';

const idea = new SlashCommandBuilder()
  .setName('idea')
  .setDescription('Ideas')
  .addSubcommand((s) =>
    s
      .setName('show')
      .setDescription('Show one idea')
      .addIntegerOption((o) => o.setName('id').setDescription('Idea number').setRequired(true))
      .addUserOption((o) => o.setName('author').setDescription('Author')),
  )
  .addSubcommand((s) =>
    s
      .setName('find')
      .setDescription('Find')
      .addStringOption((o) => o.setName('query').setDescription('Words').setAutocomplete(true)),
  );

async function connect(emulator: DiscordEmulator): Promise<Client> {
  const client = new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent],
    rest: { api: emulator.apiUrl },
  });
  const ready = once(client, Events.ClientReady);
  await client.login(emulator.token);
  await ready;
  return client;
}

/** Runs `fn` on the next interaction the bot receives and hands its outcome (or error) to the test. */
function onNextInteraction<T>(client: Client, fn: (i: BaseInteraction) => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    client.once(Events.InteractionCreate, (i) => {
      fn(i).then(resolve, reject);
    });
  });
}

async function apiError(promise: Promise<unknown>): Promise<DiscordAPIError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DiscordAPIError);
  return error as DiscordAPIError;
}

let discord: DiscordEmulator;
let client: Client;
let guildId: string;
let channelId: string;
let aliceId: string;
let channel: TextChannel;

beforeAll(async () => {
  discord = await DiscordEmulator.start();
  guildId = discord.addGuild({ name: 'Open Models' });
  channelId = discord.addChannel(guildId, { name: 'general' });
  aliceId = discord.addMember(guildId, { username: 'alice' });
  discord.setCommands([idea.toJSON()]);
  client = await connect(discord);
  channel = client.channels.cache.get(channelId) as TextChannel;
});

afterAll(async () => {
  await client?.destroy();
  await discord?.stop();
});

const actor = () => ({ guildId, channelId, userId: aliceId });

describe('the Discord emulator, driven by the real discord.js client', () => {
  it('logs the bot in with its servers, channels and members cached', async () => {
    await discord.waitForReady();
    expect(discord.connected()).toBe(true);
    expect(discord.intents() & GatewayIntentBits.MessageContent).toBe(GatewayIntentBits.MessageContent);
    const guild = client.guilds.cache.get(guildId);
    expect(guild?.name).toBe('Open Models');
    expect(channel.name).toBe('general');
    expect(guild?.members.me?.id).toBe(discord.botUserId);
    expect(guild?.members.cache.get(aliceId)?.user.username).toBe('alice');
  });

  it('rejects REST calls without the bot token', async () => {
    const res = await fetch(`${discord.apiUrl}/v10/users/@me`, { headers: { authorization: 'Bot wrong' } });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ message: '401: Unauthorized', code: 0 });
  });

  it('records the reply to a slash command, with options typed from the command definition', async () => {
    const handled = onNextInteraction(client, async (i) => {
      if (!i.isChatInputCommand()) throw new Error('expected a slash command');
      const id = i.options.getInteger('id', true);
      const author = i.options.getUser('author');
      await i.reply({ content: `idea #${id} by ${author?.username}` });
    });
    const interaction = discord.command({
      ...actor(),
      name: 'idea',
      subcommand: 'show',
      options: { id: 7, author: aliceId },
    });
    await handled;
    const reply = await interaction.reply();
    expect(reply.content).toBe('idea #7 by alice');
    expect((await interaction.firstResponse()).type).toBe(4);
    expect(discord.messagesIn(channelId).map((m) => m.content)).toContain('idea #7 by alice');
  });

  it('shows a deferred private reply once @original is edited, and keeps it out of the channel', async () => {
    const handled = onNextInteraction(client, async (i) => {
      if (!i.isChatInputCommand()) return;
      await i.deferReply({ flags: MessageFlags.Ephemeral });
      await i.editReply({ content: 'thought about it' });
    });
    const interaction = discord.command({ ...actor(), name: 'idea', subcommand: 'show', options: { id: 1 } });
    await handled;
    expect((await interaction.firstResponse()).type).toBe(5);
    const reply = await interaction.reply();
    expect(reply.content).toBe('thought about it');
    expect(interaction.ephemeral()).toBe(true);
    expect(discord.messagesIn(channelId).some((m) => m.id === reply.id)).toBe(false);
  });

  it('records follow-ups', async () => {
    const handled = onNextInteraction(client, async (i) => {
      if (!i.isChatInputCommand()) return;
      await i.reply({ content: 'first' });
      await i.followUp({ content: 'second' });
    });
    const interaction = discord.command({ ...actor(), name: 'idea', subcommand: 'show', options: { id: 2 } });
    await handled;
    expect((await interaction.waitForFollowUp()).content).toBe('second');
    expect(interaction.followUps()).toHaveLength(1);
  });

  it('turns the first follow-up after a deferral into @original, with the deferral deciding who sees it', async () => {
    const handled = onNextInteraction(client, async (i) => {
      if (!i.isChatInputCommand()) return;
      await i.deferReply();
      await i.followUp({ content: 'meant to be private', flags: MessageFlags.Ephemeral });
      await i.followUp({ content: 'a real follow-up', flags: MessageFlags.Ephemeral });
    });
    const interaction = discord.command({ ...actor(), name: 'idea', subcommand: 'show', options: { id: 6 } });
    await handled;
    const reply = await interaction.reply();
    expect(reply.content).toBe('meant to be private');
    expect(reply.flags & MessageFlags.Ephemeral).toBe(0);
    expect(interaction.followUps().map((m) => [m.content, m.flags & MessageFlags.Ephemeral])).toEqual([
      ['a real follow-up', MessageFlags.Ephemeral],
    ]);
  });

  it('answers a second callback with 40060', async () => {
    const handled = onNextInteraction(client, async (i) => {
      if (!i.isChatInputCommand()) return;
      await i.reply({ content: 'once' });
      // discord.js refuses a second reply itself, so go around it as a buggy bot could.
      return apiError(
        client.rest.post(Routes.interactionCallback(i.id, i.token), {
          body: { type: 4, data: { content: 'twice' } },
          auth: false,
        }),
      );
    });
    discord.command({ ...actor(), name: 'idea', subcommand: 'show', options: { id: 3 } });
    expect((await handled)?.code).toBe(40060);
  });

  it('opens a modal and delivers its submission', async () => {
    const opened = onNextInteraction(client, async (i) => {
      if (!i.isChatInputCommand()) return;
      const input = new TextInputBuilder()
        .setCustomId('title')
        .setLabel('Title')
        .setStyle(TextInputStyle.Short);
      await i.showModal(
        new ModalBuilder()
          .setCustomId('idea:new')
          .setTitle('New idea')
          .addComponents(new ActionRowBuilder<TextInputBuilder>().addComponents(input)),
      );
    });
    const command = discord.command({ ...actor(), name: 'idea', subcommand: 'show', options: { id: 4 } });
    await opened;
    expect(command.modal()?.title).toBe('New idea');
    const submitted = onNextInteraction(client, async (i) => {
      if (!i.isModalSubmit()) throw new Error('expected a modal submission');
      await i.reply({ content: `got ${i.fields.getTextInputValue('title')}` });
    });
    const submission = discord.submitModal({
      ...actor(),
      customId: 'idea:new',
      fields: { title: 'Sparse attention' },
    });
    await submitted;
    expect((await submission.reply()).content).toBe('got Sparse attention');
  });

  it('delivers a button click and records the message update', async () => {
    const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
      new ButtonBuilder().setCustomId('idea:vote:1').setLabel('Vote').setStyle(ButtonStyle.Primary),
    );
    const posted = await channel.send({ content: 'Idea #1', components: [row] });
    const handled = onNextInteraction(client, async (i) => {
      if (!i.isButton()) throw new Error('expected a button');
      await i.update({ content: `voted via ${i.customId}`, components: [] });
    });
    const click = discord.click({ ...actor(), customId: 'idea:vote:1', messageId: posted.id });
    await handled;
    expect((await click.reply()).content).toBe('voted via idea:vote:1');
    expect(discord.message(posted.id)?.components).toEqual([]);
  });

  it('delivers a select menu choice', async () => {
    const menu = new StringSelectMenuBuilder()
      .setCustomId('idea:status:1')
      .addOptions({ label: 'Open', value: 'open' }, { label: 'Filed', value: 'filed' });
    const posted = await channel.send({
      content: 'Set status',
      components: [new ActionRowBuilder<StringSelectMenuBuilder>().addComponents(menu)],
    });
    const handled = onNextInteraction(client, async (i) => {
      if (!i.isStringSelectMenu()) throw new Error('expected a string select');
      await i.reply({ content: `status ${i.values.join(',')}`, flags: MessageFlags.Ephemeral });
    });
    const choice = discord.click({
      ...actor(),
      customId: 'idea:status:1',
      messageId: posted.id,
      values: ['filed'],
    });
    await handled;
    expect((await choice.reply()).content).toBe('status filed');
    expect(choice.ephemeral()).toBe(true);
  });

  it('records the commands the bot registers and types later interactions from them', async () => {
    await client.application!.commands.set([idea.toJSON()], guildId);
    const put = await discord.waitForCall(
      (c) => c.method === 'PUT' && c.path.endsWith(`/guilds/${guildId}/commands`),
    );
    expect(put.status).toBe(200);
    const [registered] = discord.registeredCommands(guildId) as Array<{ id: string; name: string }>;
    expect(registered?.name).toBe('idea');
    const handled = onNextInteraction(client, async (i) => {
      if (!i.isChatInputCommand()) return;
      await i.reply({ content: `command ${i.commandId}` });
    });
    const interaction = discord.command({ ...actor(), name: 'idea', subcommand: 'show', options: { id: 8 } });
    await handled;
    expect((await interaction.reply()).content).toBe(`command ${registered?.id}`);
    expect(() => discord.command({ ...actor(), name: 'idea', subcommand: 'show', options: {} })).toThrow(
      /required option "id"/,
    );
  });

  it('answers autocomplete with the choices the bot gave', async () => {
    const handled = onNextInteraction(client, async (i) => {
      if (!i.isAutocomplete()) throw new Error('expected autocomplete');
      await i.respond([{ name: `match ${i.options.getFocused()}`, value: 'm1' }]);
    });
    const ac = discord.autocomplete({
      ...actor(),
      name: 'idea',
      subcommand: 'find',
      options: { query: 'spa' },
      focused: 'query',
    });
    await handled;
    expect(await ac.autocompleteChoices()).toEqual([{ name: 'match spa', value: 'm1' }]);
  });

  it('rejects a 2001-character message with 50035 and an empty one with 50006', async () => {
    const tooLong = await apiError(channel.send('x'.repeat(2001)));
    expect(tooLong.code).toBe(50035);
    expect(JSON.stringify(tooLong.rawError)).toContain('BASE_TYPE_MAX_LENGTH');
    const empty = await apiError(
      client.rest.post(Routes.channelMessages(channelId), { body: { content: '' } }),
    );
    expect(empty.code).toBe(50006);
  });

  it('makes discord.js wait out a 429 and retry, so the message lands once', async () => {
    discord.failNext('POST', new RegExp(`^/channels/${channelId}/messages$`), {
      status: 429,
      retryAfter: 0.05,
    });
    await channel.send('after the rate limit');
    const attempts = discord.calls.filter(
      (c) => c.method === 'POST' && (c.body as { content?: string })?.content === 'after the rate limit',
    );
    expect(attempts.map((c) => c.status)).toEqual([429, 200]);
    expect(discord.messagesIn(channelId).filter((m) => m.content === 'after the rate limit')).toHaveLength(1);
  });

  it('holds a request until released', async () => {
    const held = discord.hold('POST', new RegExp(`^/channels/${channelId}/messages$`));
    const sending = channel.send('held back');
    const call = await held.arrived;
    expect(call.status).toBe(0);
    expect(discord.messagesIn(channelId).some((m) => m.content === 'held back')).toBe(false);
    held.release();
    await sending;
    expect(discord.messagesIn(channelId).some((m) => m.content === 'held back')).toBe(true);
  });

  it('keeps the bytes of an attached file', async () => {
    const sent = await channel.send({
      content: 'the log',
      files: [{ attachment: Buffer.from('line 1\nline 2'), name: 'run.log' }],
    });
    const stored = discord.message(sent.id);
    expect(stored?.attachments).toHaveLength(1);
    expect(stored?.attachments[0]?.filename).toBe('run.log');
    expect(stored?.attachments[0]?.data.toString()).toBe('line 1\nline 2');
    expect(sent.attachments.first()?.name).toBe('run.log');
    await sent.edit({ content: 'the log, again' });
    await sent.edit({ content: 'the log, final' });
    expect(discord.editsOf(sent.id)).toHaveLength(2);
    expect(discord.message(sent.id)).toMatchObject({
      content: 'the log, final',
      attachments: [{ filename: 'run.log' }],
    });
  });

  it("answers with Discord's codes for missing permissions, blocked DMs and deleted channels", async () => {
    const locked = discord.addChannel(guildId, { name: 'locked' });
    discord.denyBot(locked, 'send');
    expect(
      (await apiError(client.rest.post(Routes.channelMessages(locked), { body: { content: 'hi' } }))).code,
    ).toBe(50013);
    const alice = await client.users.fetch(aliceId);
    await alice.send('welcome');
    expect(discord.dmsTo(aliceId).map((m) => m.content)).toEqual(['welcome']);
    discord.blockDms(aliceId);
    expect((await apiError(alice.send('hello'))).code).toBe(50007);
    discord.deleteChannel(locked);
    expect((await apiError(client.rest.get(Routes.channel(locked)))).code).toBe(10003);
  });

  it('creates a forum post with its first message and tags', async () => {
    const forum = discord.addChannel(guildId, {
      name: 'ideas',
      type: 'forum',
      availableTags: [{ name: 'proposed' }],
    });
    const fetched = await client.channels.fetch(forum);
    if (!fetched?.isThreadOnly()) throw new Error('expected a forum channel');
    const tagId = fetched.availableTags[0]!.id;
    await client.rest.post(Routes.threads(forum), {
      body: { name: 'Sparse attention', message: { content: 'Idea body' }, applied_tags: [tagId] },
    });
    const [thread] = discord.threads(forum);
    expect(thread).toMatchObject({ name: 'Sparse attention', appliedTags: [tagId] });
    expect(discord.message(thread!.messageId!)?.content).toBe('Idea body');
  });

  it('delivers what a member says, and again after the connection drops and the bot resumes', async () => {
    const seen = once(client, Events.MessageCreate) as Promise<[DjsMessage]>;
    await discord.say({ ...actor(), content: 'hello bot' });
    expect((await seen)[0].content).toBe('hello bot');
    const resumed = once(client, Events.ShardResume);
    discord.dropConnection();
    await resumed;
    const again = once(client, Events.MessageCreate) as Promise<[DjsMessage]>;
    await discord.say({ ...actor(), content: 'still there?' });
    expect((await again)[0].content).toBe('still there?');
  });

  it('answers webhook routes of expired interaction tokens with 50027', async () => {
    const handled = onNextInteraction(client, async (i) => {
      if (!i.isChatInputCommand()) return;
      await i.deferReply();
      discord.expireInteractionTokens();
      return apiError(i.editReply({ content: 'too late' }));
    });
    discord.command({ ...actor(), name: 'idea', subcommand: 'show', options: { id: 5 } });
    expect((await handled)?.code).toBe(50027);
  });
});

describe('the acknowledgement deadline', () => {
  let late: DiscordEmulator;
  let lateClient: Client;

  beforeAll(async () => {
    late = await DiscordEmulator.start({ ackDeadlineMs: 50 });
    const g = late.addGuild();
    late.addChannel(g, { name: 'general', id: '1000' });
    late.addMember(g, { username: 'bob', id: '2000' });
    lateClient = await connect(late);
  });

  afterAll(async () => {
    await lateClient?.destroy();
    await late?.stop();
  });

  it('answers a reply after the deadline with 10062', async () => {
    let release!: () => void;
    const deadline = new Promise<void>((resolve) => {
      release = resolve;
    });
    const handled = onNextInteraction(lateClient, async (i) => {
      if (!i.isChatInputCommand()) return;
      await deadline;
      return apiError(i.reply({ content: 'sorry, slow' }));
    });
    const [guildId] = lateClient.guilds.cache.keys();
    const interaction = late.command({ guildId: guildId!, channelId: '1000', userId: '2000', name: 'ping' });
    await interaction.deadlinePassed();
    release();
    expect((await handled)?.code).toBe(10062);
    await expect(interaction.firstResponse(50)).rejects.toThrow(/deadline passed/);
  });
});
