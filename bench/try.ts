// /try streaming: with the inference emulator at 50 tokens/s, the delay from the first token to
// the first visible Discord edit (target ≤ 1.1 s), edits per answer, and the bot's CPU time per
// 1,000 tokens — for one /try at a time and for 20 concurrent ones; then the same through IBM
// watsonx.ai (its emulator: IAM token exchange, chat_stream SSE). The Discord and inference
// emulators run in a child process (this same file with --emulators), so CPU is the bot's own.

import { join } from 'node:path';
import { tempDir } from '../test/support/temp.ts';
import { forkEmulators } from './_child.ts';

const MODEL = 'ibm-granite/granite-3.0-8b-instruct';
const WX_MODEL = 'ibm/granite-3-8b-instruct';
const WX_APIKEY = 'bench-watsonx-apikey';
type Provider = 'self-hosted' | 'watsonx';
const TOKENS = Number(process.env.BENCH_TRY_TOKENS ?? 150);
const TOKEN_DELAY_MS = 20; // 50 tokens per second

interface AnswerStats {
  firstTokenToVisibleMs: number | undefined;
  edits: number;
  tokens: number;
}

if (process.argv.includes('--emulators')) await runEmulators();
else await runBench();

async function runBench(): Promise<void> {
  const { commands } = await import('../commands/index.ts');
  const { startApp } = await import('../src/app.ts');
  const { loadConfig } = await import('../src/config.ts');
  const { createLogger } = await import('../src/log.ts');
  const { child, ask } = forkEmulators(import.meta.filename, ['--emulators']);
  const world = await ask<Record<string, string>>({ setup: commands.map((c) => c.data.toJSON()) }, 'ready');
  const app = await startApp(
    loadConfig({
      DISCORD_TOKEN: world.token!,
      DISCORD_APPLICATION_ID: world.applicationId!,
      DISCORD_API_URL: world.apiUrl!,
      DATABASE_PATH: join(tempDir('omh-bench-try-'), 'hub.sqlite'),
      HTTP_PORT: '0',
      INFERENCE_ENDPOINT_URL: world.endpointUrl!,
      WATSONX_AI_URL: world.watsonxUrl!,
      WATSONX_AI_AUTH_URL: world.watsonxUrl!,
      WATSONX_AI_APIKEY: WX_APIKEY,
      WATSONX_AI_PROJECT_ID: 'bench-project',
      TRY_COOLDOWN_MS: '0',
      TRY_USER_DAILY_REQUESTS: '0',
      TRY_USER_DAILY_TOKENS: '0',
      TRY_GUILD_DAILY_REQUESTS: '0',
      TRY_GUILD_DAILY_TOKENS: '0',
    }),
    { logger: createLogger({ level: 'warn' }), schedule: false },
  );

  // What the idle bot burns per second (gateway heartbeats, timers, GC), to tell it apart from streaming.
  const idleCpu = process.cpuUsage();
  const idleStart = performance.now();
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const idle = process.cpuUsage(idleCpu);
  const idleCpuMsPerS = (idle.user + idle.system) / 1000 / ((performance.now() - idleStart) / 1000);

  const measure = async (
    label: string,
    n: number,
    concurrency: number,
    provider: Provider = 'self-hosted',
  ) => {
    const cpu = process.cpuUsage();
    const started = performance.now();
    const answers = await ask<AnswerStats[]>({ run: { n, concurrency, provider } }, 'result');
    const wallMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    const tokens = answers.reduce((s, a) => s + a.tokens, 0);
    const delays = answers.map((a) => a.firstTokenToVisibleMs).filter((d): d is number => d !== undefined);
    const cpuMs = (used.user + used.system) / 1000;
    const netCpuMs = Math.max(0, cpuMs - idleCpuMsPerS * (wallMs / 1000));
    console.log(`\n${label} (${n} answers of ${TOKENS} tokens at 50 tokens/s, ${concurrency} at a time)`);
    console.log(
      `  first token → first visible edit: median ${pct(delays, 0.5)} ms, max ${Math.round(Math.max(...delays))} ms (target ≤ 1100 ms)`,
    );
    console.log(
      `  Discord writes per answer: ${(answers.reduce((s, a) => s + a.edits, 0) / answers.length).toFixed(1)}`,
    );
    console.log(
      `  bot CPU time per 1,000 tokens: ${((cpuMs / tokens) * 1000).toFixed(0)} ms, ${((netCpuMs / tokens) * 1000).toFixed(0)} ms above idle (${tokens} tokens, ${(wallMs / 1000).toFixed(1)} s wall, idle ${idleCpuMsPerS.toFixed(1)} ms/s)`,
    );
  };

  console.log('bench/try.ts — /try streaming into Discord');
  await measure('warm-up', 1, 1);
  await measure('one /try at a time', 3, 1);
  await measure('20 concurrent /try', 20, 20);
  await measure('watsonx.ai: one /try at a time', 3, 1, 'watsonx');
  await measure('watsonx.ai: 20 concurrent /try', 20, 20, 'watsonx');
  await app.shutdown('bench end');
  await ask({ stop: true }, 'stopped');
  child.kill();
}

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN);
}

async function runEmulators(): Promise<void> {
  const { DiscordEmulator } = await import('../test/support/discord/index.ts');
  const { InferenceEmulator } = await import('../test/support/inference/emulator.ts');
  const discord = await DiscordEmulator.start();
  const { WatsonxEmulator } = await import('../test/support/watsonx/index.ts');
  const inference = await InferenceEmulator.start({ tokenDelayMs: TOKEN_DELAY_MS });
  const watsonx = await WatsonxEmulator.start({ apiKeys: [WX_APIKEY], tokenDelayMs: TOKEN_DELAY_MS });
  const text = Array.from({ length: TOKENS }, (_, i) => `token${i}`).join(' ');
  inference.answerAlways(MODEL, text);
  watsonx.answerAlways(WX_MODEL, text);
  let world = { guildId: '', channelId: '', userId: '' };

  process.on(
    'message',
    async (message: {
      setup?: unknown[];
      run?: { n: number; concurrency: number; provider: Provider };
      stop?: true;
    }) => {
      if (message.setup) {
        discord.setCommands(message.setup);
        const guildId = discord.addGuild({ name: 'Bench' });
        world = {
          guildId,
          channelId: discord.addChannel(guildId, { name: 'general' }),
          userId: discord.addMember(guildId, { username: 'bench' }),
        };
        process.send?.({
          ready: {
            apiUrl: discord.apiUrl,
            token: discord.token,
            applicationId: discord.applicationId,
            endpointUrl: inference.endpointUrl,
            watsonxUrl: watsonx.serviceUrl,
          },
        });
      }
      if (message.run) {
        const { n, concurrency, provider } = message.run;
        const results: AnswerStats[] = [];
        let next = 0;
        const worker = async () => {
          while (next < n) {
            next++;
            results.push(await oneTry(provider));
          }
        };
        await Promise.all(Array.from({ length: concurrency }, worker));
        process.send?.({ result: results });
      }
      if (message.stop) {
        await discord.stop();
        await inference.stop();
        await watsonx.stop();
        process.send?.({ stopped: true });
      }
    },
  );

  async function oneTry(provider: Provider): Promise<AnswerStats> {
    const prompt = `bench ${Math.random()}`;
    const interaction = discord.command({
      ...world,
      name: 'try',
      options: { model: MODEL, prompt, provider },
    });
    const token = encodeURIComponent(interaction.token);
    const mine = (c: { path: string }) => c.path.includes(token) && c.path.startsWith('/webhooks/');
    await discord.waitForCall(
      (c) =>
        mine(c) &&
        c.status === 200 &&
        // biome-ignore lint/suspicious/noExplicitAny: raw Discord API JSON
        ((c.body as any)?.embeds ?? []).some((e: any) => e?.footer?.text && !e.footer.text.endsWith('…')),
      120_000,
    );
    const request =
      provider === 'watsonx'
        ? watsonx.chatRequests.find((r) => r.messages.at(-1)?.content === prompt)!
        : inference.requests.find((r) => r.messages.at(-1)?.content === prompt)!;
    const writes = discord.calls.filter(mine);
    const firstVisible = writes.find(
      (c) => ((c.body as { content?: string } | undefined)?.content ?? '').length > 0,
    );
    return {
      firstTokenToVisibleMs:
        firstVisible && request.firstTokenAt !== undefined
          ? firstVisible.at - request.firstTokenAt
          : undefined,
      edits: writes.length,
      tokens: request.tokensSent,
    };
  }
}
