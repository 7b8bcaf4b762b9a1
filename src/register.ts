// `npm run register`: registers the slash commands with Discord, to the development server when
// DISCORD_DEV_GUILD_ID is set (instant), else globally (may take up to an hour to appear).
import { DiscordAPIError, REST, Routes } from 'discord.js';
import { commands } from '../commands/index.ts';
import { ConfigError, loadConfig } from './config.ts';
import { transientReason } from './discord/connection.ts';
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
  process.stderr.write(`${registrationFailure(error, config.discordApiUrl)}\n`);
  process.exit(1);
}

/** A network failure, a refused token and a refused definition call for different fixes. */
function registrationFailure(error: unknown, apiUrl: string): string {
  if (error instanceof DiscordAPIError) {
    if (error.status === 401)
      return 'Discord rejected DISCORD_TOKEN (401). Reset it at Discord Developer Portal → Applications → your app → Bot → Reset Token, then update .env.';
    if (error.status === 400) return `Discord refused the command definitions (400): ${error.message}`;
    if (error.status === 403 || error.status === 404)
      return `Discord refused the registration (${error.status}: ${error.message}). Check that DISCORD_APPLICATION_ID is the application of DISCORD_TOKEN${config.discordDevGuildId ? ' and that the bot is in DISCORD_DEV_GUILD_ID' : ''}.`;
  }
  const reason = transientReason(error);
  if (reason)
    return `Could not reach Discord at ${apiUrl}: ${reason}. Check the network (and DISCORD_API_URL), then run npm run register again.`;
  throw error;
}
