// `npm run register`: registers the slash commands with Discord, to the development server when
// DISCORD_DEV_GUILD_ID is set (instant), else globally (may take up to an hour to appear).
import { REST, Routes } from 'discord.js';
import { commands } from '../commands/index.ts';
import { ConfigError, loadConfig } from './config.ts';
import { loadEnvFile } from './env-file.ts';

loadEnvFile();
let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`Cannot register commands:\n${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
// No sweep timers: this script must end once the request is done.
const rest = new REST({ api: config.discordApiUrl, handlerSweepInterval: 0, hashSweepInterval: 0 }).setToken(
  config.discordToken,
);
const body = commands.map((c) => c.data.toJSON());
const route = config.discordDevGuildId
  ? Routes.applicationGuildCommands(config.discordApplicationId, config.discordDevGuildId)
  : Routes.applicationCommands(config.discordApplicationId);
try {
  const saved = (await rest.put(route, { body })) as unknown[];
  const where = config.discordDevGuildId
    ? `server ${config.discordDevGuildId}`
    : 'all servers (global; may take a while to appear)';
  process.stdout.write(
    `Registered ${saved.length} commands to ${where}: ${body.map((c) => `/${c.name}`).join(', ')}\n`,
  );
} catch (error) {
  process.stderr.write(
    `Discord refused the registration: ${(error as Error).message}\nCheck DISCORD_TOKEN and DISCORD_APPLICATION_ID.\n`,
  );
  process.exit(1);
}
