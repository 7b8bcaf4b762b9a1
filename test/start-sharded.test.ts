// `npm run start:sharded`: discord.js's ShardingManager starts one bot process per shard Discord
// recommends, on the PostgreSQL of DATABASE_URL; each answers its own guilds, and SIGTERM stops them all.
// Without DATABASE_URL it refuses in one sentence.
import { PermissionFlagsBits } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { commands } from '../commands/index.ts';
import { type BotProcess, ensureBuilt, ROOT, spawnBot } from './support/bot-process.ts';
import { DiscordEmulator } from './support/discord/index.ts';
import { createTestDatabase, type TestDatabase } from './support/postgres.ts';
import { tempDir } from './support/temp.ts';

let discord: DiscordEmulator;
let database: TestDatabase;
const bots: BotProcess[] = [];

beforeAll(async () => {
  await ensureBuilt();
  database = await createTestDatabase();
  discord = await DiscordEmulator.start({ shards: 2 });
  discord.setCommands(commands.map((c) => c.data.toJSON()));
}, 120_000);

afterAll(async () => {
  for (const bot of bots) await bot.kill();
  await discord?.stop();
  await database?.drop();
});

function startSharded(env: Record<string, string>): BotProcess {
  const bot = spawnBot({
    command: [process.execPath, ['--enable-source-maps', `${ROOT}/dist/src/sharded.js`]],
    cwd: tempDir('omh-sharded-'),
    env: {
      DISCORD_TOKEN: discord.token,
      DISCORD_APPLICATION_ID: discord.applicationId,
      DISCORD_API_URL: discord.apiUrl,
      HTTP_PORT: '0',
      LOG_LEVEL: 'info',
      ...env,
    },
  });
  bots.push(bot);
  return bot;
}

describe('npm run start:sharded', () => {
  it('starts a process per recommended shard, each answering its guilds, and stops them all on SIGTERM', async () => {
    const servers = [0, 1].map((shard) => {
      const guildId = discord.addGuild({ name: `shard ${shard}`, shard: [shard, 2] });
      return {
        guildId,
        channelId: discord.addChannel(guildId, { name: 'general' }),
        userId: discord.addMember(guildId, {
          username: `curator${shard}`,
          permissions: PermissionFlagsBits.ManageGuild,
        }),
      };
    });
    const manager = startSharded({ DATABASE_URL: database.url });
    onTestFailed(() => console.error(manager.output().split('\n').slice(-40).join('\n')));
    await manager.waitForLine(/Starting 2 of 2 shard\(s\) in their own processes/, 30_000);
    await discord.waitForShards(2, 60_000);
    for (const s of servers) {
      const reply = await discord.command({ ...s, name: 'hub', subcommand: 'status' }).reply();
      expect(reply.embeds[0]?.title).toBe('Open Model Hub status');
    }
    manager.child.kill('SIGTERM');
    const exit = await manager.exited;
    expect(exit.code).toBe(0);
    // Both children shut down as on their own SIGTERM.
    expect(manager.output().match(/"msg":"Stopped"/g)).toHaveLength(2);
  }, 120_000);

  it('refuses to run without DATABASE_URL, in one sentence', async () => {
    const manager = startSharded({ DATABASE_PATH: `${tempDir('omh-sharded-db-')}/hub.sqlite` });
    const exit = await manager.exited;
    expect(exit.code).toBe(1);
    expect(manager.stderr().trim()).toBe(
      'npm run start:sharded needs DATABASE_URL (PostgreSQL): several processes cannot share one SQLite file. With SQLite, npm start runs every shard in one process.',
    );
  }, 30_000);
});
