// The Discord emulator (and, when asked, the inference emulator) in its own process for benchmarks,
// so the bot's event loop is measured alone.
// Protocol (process IPC): parent sends { setup: commandsJson, guilds?, inference? } → child answers
// { ready: world }; parent sends { run: RunRequest } → child answers { result }; { stop: true } ends it.
import { PermissionFlagsBits } from 'discord.js';
import { DiscordEmulator } from '../test/support/discord/index.ts';
import type { Interaction } from '../test/support/discord/types.ts';
import { InferenceEmulator } from '../test/support/inference/emulator.ts';

interface RunRequest {
  n: number;
  concurrency: number;
  guildId: string;
  channelId: string;
  userId: string;
  name: string;
  subcommand?: string;
  options?: Record<string, string | number | boolean>;
  /**
   * What one interaction's latency is measured to: its first response (ack, the default), its
   * reply as the member sees it (a deferred answer's edit), or a /try's final edit (footer done).
   */
  until?: 'ack' | 'reply' | 'final';
  /** Spread the interactions over the guilds of the world (round robin). */
  acrossGuilds?: boolean;
  /** Stop starting new interactions after this long (then `n` is only a ceiling). */
  durationMs?: number;
}

interface Setup {
  setup: unknown[];
  /** Guilds in the world (default 1); each has #general and the bench member. */
  guilds?: number;
  /** Starts the inference emulator, answering every model with `tokens` tokens at `tokenDelayMs`. */
  inference?: { model: string; tokens: number; tokenDelayMs: number };
}

const emulator = await DiscordEmulator.start();
let inference: InferenceEmulator | undefined;
const guilds: Array<{ guildId: string; channelId: string }> = [];

process.on('message', async (message: Partial<Setup> & { run?: RunRequest; stop?: true }) => {
  if (message.setup) {
    emulator.setCommands(message.setup);
    let userId = '';
    for (let i = 0; i < (message.guilds ?? 1); i++) {
      const guildId = emulator.addGuild({ name: `Bench ${i}` });
      const channelId = emulator.addChannel(guildId, { name: 'general' });
      userId = emulator.addMember(guildId, {
        username: 'bench',
        permissions: PermissionFlagsBits.ManageGuild,
        ...(userId ? { id: userId } : {}),
      });
      guilds.push({ guildId, channelId });
    }
    if (message.inference) {
      const { model, tokens, tokenDelayMs } = message.inference;
      inference = await InferenceEmulator.start({ tokenDelayMs });
      inference.answerAlways(model, Array.from({ length: tokens }, (_, i) => `token${i}`).join(' '));
    }
    process.send?.({
      ready: {
        apiUrl: emulator.apiUrl,
        token: emulator.token,
        applicationId: emulator.applicationId,
        guildId: guilds[0]!.guildId,
        channelId: guilds[0]!.channelId,
        guilds,
        userId,
        endpointUrl: inference?.endpointUrl,
      },
    });
  }
  if (message.run) process.send?.({ result: await run(message.run) });
  if (message.stop) {
    await emulator.stop();
    await inference?.stop();
    process.exit(0);
  }
});

// One incremental scan of the emulator's calls for every /try waiting for its last edit: a
// waitForCall per interaction re-reads every call on every change, which at 50 streams made the
// emulator (not the bot) the bottleneck.
const finals = new Map<string, (at: number) => void>();
let scanned = 0;
let scanning = false;
const waiters = (
  emulator as unknown as {
    core: { waiters: { waitFor(c: () => unknown, t: number, d: () => string): Promise<unknown> } };
  }
).core.waiters;
function scanCalls(): undefined {
  const calls = emulator.calls;
  for (; scanned < calls.length; scanned++) {
    const c = calls[scanned]!;
    if (!c.path.startsWith('/webhooks/') || c.status !== 200) continue;
    const embeds = (c.body as { embeds?: Array<{ footer?: { text?: string } }> } | undefined)?.embeds ?? [];
    const done = embeds.some((e) => e?.footer?.text && !e.footer.text.endsWith('…'));
    if (!done) continue;
    const token = c.path.split('/')[3] ?? '';
    finals.get(token)?.(c.at);
    finals.delete(token);
  }
  return undefined;
}

/** Resolves with the arrival time of a /try's last edit (its footer no longer "…writing"). */
function finalEdit(interaction: Interaction, timeoutMs: number): Promise<number> {
  const token = encodeURIComponent(interaction.token);
  const done = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no final edit')), timeoutMs);
    finals.set(token, (at) => {
      clearTimeout(timer);
      resolve(at);
    });
  });
  if (!scanning) {
    scanning = true;
    void waiters.waitFor(scanCalls, 24 * 3600_000, () => 'scan').catch(() => undefined);
  }
  scanCalls();
  return done;
}

async function run(r: RunRequest) {
  const latencies: number[] = [];
  let next = 0;
  let failed = 0;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const deadline = r.durationMs ? started + r.durationMs : Number.POSITIVE_INFINITY;
  const worker = async () => {
    while (next < r.n && performance.now() < deadline) {
      const place = r.acrossGuilds ? guilds[next % guilds.length]! : r;
      next++;
      const interaction = emulator.command({
        guildId: place.guildId,
        channelId: place.channelId,
        userId: r.userId,
        name: r.name,
        ...(r.subcommand ? { subcommand: r.subcommand } : {}),
        // A /try prompt differs per interaction, as members' do.
        ...(r.options
          ? {
              options:
                'prompt' in r.options ? { ...r.options, prompt: `${r.options.prompt} ${next}` } : r.options,
            }
          : {}),
      });
      const dispatched = performance.now();
      try {
        if (r.until === 'reply') {
          await interaction.reply(30_000);
          latencies.push(performance.now() - dispatched);
        } else if (r.until === 'final') {
          latencies.push((await finalEdit(interaction, 120_000)) - dispatched);
        } else latencies.push((await interaction.firstResponse(10_000)).latencyMs);
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
    count: next,
    wallMs: performance.now() - started,
    emulatorCpuMs: (cpu.user + cpu.system) / 1000,
  };
}
