// The Discord emulator in its own process for benchmarks, so the bot's event loop is measured alone.
// Protocol (process IPC): parent sends { setup: commandsJson } → child answers { ready: world };
// parent sends { run: { n, concurrency, userId, guildId, channelId, name, subcommand } } → child answers { result }.
import { PermissionFlagsBits } from 'discord.js';
import { DiscordEmulator } from '../test/support/discord/index.ts';

interface RunRequest {
  n: number;
  concurrency: number;
  guildId: string;
  channelId: string;
  userId: string;
  name: string;
  subcommand?: string;
}

const emulator = await DiscordEmulator.start();

process.on('message', async (message: { setup?: unknown[]; run?: RunRequest; stop?: true }) => {
  if (message.setup) {
    emulator.setCommands(message.setup);
    const guildId = emulator.addGuild({ name: 'Bench' });
    const channelId = emulator.addChannel(guildId, { name: 'general' });
    const userId = emulator.addMember(guildId, {
      username: 'bench',
      permissions: PermissionFlagsBits.ManageGuild,
    });
    process.send?.({
      ready: {
        apiUrl: emulator.apiUrl,
        token: emulator.token,
        applicationId: emulator.applicationId,
        guildId,
        channelId,
        userId,
      },
    });
  }
  if (message.run) process.send?.({ result: await run(message.run) });
  if (message.stop) {
    await emulator.stop();
    process.exit(0);
  }
});

async function run(r: RunRequest) {
  const latencies: number[] = [];
  let next = 0;
  let failed = 0;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const worker = async () => {
    while (next < r.n) {
      next++;
      const interaction = emulator.command({
        guildId: r.guildId,
        channelId: r.channelId,
        userId: r.userId,
        name: r.name,
        ...(r.subcommand ? { subcommand: r.subcommand } : {}),
      });
      try {
        latencies.push((await interaction.firstResponse(10_000)).latencyMs);
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: r.concurrency }, worker));
  const cpu = process.cpuUsage(cpuBefore);
  return {
    latencies,
    failed,
    wallMs: performance.now() - started,
    emulatorCpuMs: (cpu.user + cpu.system) / 1000,
  };
}
