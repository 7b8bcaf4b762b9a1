// Acknowledgement latency of a database-backed command (/hub config, which reads the server's
// settings), 1,000 interactions with 50 in flight, the emulator in another process.
// Target: p99 under 50 ms on a 2-core machine.
import { openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { commands } from '../commands/index.ts';
import { startApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/log.ts';
import { tempDir } from '../test/support/temp.ts';
import { forkEmulators } from './_child.ts';

const N = Number(process.env.BENCH_INTERACTIONS ?? 1000);
const devNull = openSync('/dev/null', 'w');
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);

const { child, ask } = forkEmulators(join(import.meta.dirname, '_discord-emulator-process.ts'));
const world = await ask<{
  apiUrl: string;
  token: string;
  applicationId: string;
  guildId: string;
  channelId: string;
  userId: string;
}>({ setup: commands.map((c) => c.data.toJSON()) }, 'ready');
const app = await startApp(
  loadConfig({
    DISCORD_TOKEN: world.token,
    DISCORD_APPLICATION_ID: world.applicationId,
    DISCORD_API_URL: world.apiUrl,
    DATABASE_PATH: join(tempDir('omh-bench-'), 'hub.sqlite'),
    HTTP_PORT: '0',
  }),
  // BENCH_LOG_LEVEL=info measures the cost of the per-interaction log line (written to /dev/null
  // synchronously, as pino writes to stdout).
  {
    logger: createLogger({
      level: (process.env.BENCH_LOG_LEVEL ?? 'warn') as 'warn',
      ...(process.env.BENCH_LOG_LEVEL
        ? { destination: { write: (line: string) => writeSync(devNull, line) } }
        : {}),
    }),
    schedule: false,
  },
);
app.hub.settings.update(
  world.guildId,
  { timeZone: 'Europe/Paris', defaultRepo: 'ibm-granite/granite-guardian' },
  world.userId,
);

// Warm up (a running bot is warm: JIT-compiled, connections open) with as many interactions as are measured.
await ask({ run: { n: 1000, concurrency: 50, ...world, name: 'hub', subcommand: 'config' } }, 'result');
const cpuBefore = process.cpuUsage();
const result = await ask<{ latencies: number[]; failed: number; wallMs: number; emulatorCpuMs: number }>(
  { run: { n: N, concurrency: CONCURRENCY, ...world, name: 'hub', subcommand: 'config' } },
  'result',
);
const cpu = process.cpuUsage(cpuBefore);
const sorted = [...result.latencies].sort((a, b) => a - b);
const pct = (p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
console.log(`interactions: ${N} of /hub config, ${CONCURRENCY} in flight, emulator in a separate process`);
console.log(
  `acknowledgement latency: p50 ${pct(50).toFixed(1)} ms, p99 ${pct(99).toFixed(1)} ms, max ${sorted.at(-1)?.toFixed(1)} ms (target p99 < 50 ms)`,
);
console.log(
  `throughput: ${((N / result.wallMs) * 1000).toFixed(0)} interactions/s; failed: ${result.failed}`,
);
console.log(
  `CPU per interaction: bot ${((cpu.user + cpu.system) / 1000 / N).toFixed(2)} ms, emulator ${(result.emulatorCpuMs / N).toFixed(2)} ms`,
);
await app.shutdown('bench done');
const childExited = new Promise((resolve) => child.once('exit', resolve));
child.send({ stop: true });
await childExited;
