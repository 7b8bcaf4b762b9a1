// Tracking at scale: 1,000 watched repositories (releases and issues), a 5-minute interval, 2% of
// repositories changing per interval, against the GitHub emulator in a child process. A change is
// a release, a new issue or pull request, a close, or a comment (each moves the issue list).
// Prints charged GitHub requests per hour beside requests per minute per endpoint (GitHub's secondary
// limit counts every request, 304s included), Discord posts per cycle, cycle wall time, memory, the
// p95 delay from publication to post, and the closes recorded for the digest. Posts go through the
// real discord.js client to the Discord emulator (its own process), so their cost and memory are the
// bot's. Time is simulated (a ManualClock moved a minute per scheduler tick); wall time is real.
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Events } from 'discord.js';
import { commands } from '../commands/index.ts';
import { ManualClock } from '../src/clock.ts';
import { sqliteKysely } from '../src/db/engine.ts';
import { migrate } from '../src/db/migrate.ts';
import { openDatabase } from '../src/db/open.ts';
import { createDiscordClient } from '../src/discord/client.ts';
import { createPoster, type OutgoingMessage, type Poster } from '../src/discord/post.ts';
import { createGitHub } from '../src/github/client.ts';
import { createPollClient } from '../src/github/poll-client.ts';
import { createLogger } from '../src/log.ts';
import { TrackingStore } from '../src/tracking/store.ts';
import { Tracker } from '../src/tracking/tracker.ts';
import { WatchService } from '../src/tracking/watches.ts';
import { tempDir } from '../test/support/temp.ts';
import { forkEmulators } from './_child.ts';

const REPOS = Number(process.env.BENCH_REPOS ?? 1000);
const CYCLES = Number(process.env.BENCH_CYCLES ?? 6);
// Issues each repository has before it is watched: with more than a page (100), the first change
// after the baseline also moves `since`, which costs one more request per repository, once.
const EXISTING_ISSUES = Number(process.env.BENCH_EXISTING_ISSUES ?? 1);
const INTERVAL_MINUTES = 5;
const CHANGE_SHARE = 0.02;
const CHANNELS = 50;
// Releases and issues each of a few repositories publishes during the downtime phase.
const DOWNTIME_ITEMS = 150;

type ChangeKind = 'release' | 'issue' | 'pull' | 'close' | 'comment';

type Command =
  | { op: 'setup'; repos: number; issues: number; now: number }
  | { op: 'now'; now: number }
  | { op: 'publish'; repo: string; kind: ChangeKind; tag: string }
  | { op: 'stats' }
  | { op: 'stop' };

// --- the emulator's side ------------------------------------------------------------------

async function emulatorProcess(): Promise<void> {
  const { GitHubEmulator } = await import('../test/support/github/emulator.ts');
  let now = Date.now();
  const github = await GitHubEmulator.start({ now: () => new Date(now), limit: 5000 });
  // The bot's process is the parent: without it there is nothing to serve.
  process.on('disconnect', () => process.exit(0));
  process.on('message', (message: { id: number; command: Command }) => {
    const { id, command } = message;
    let result: unknown = null;
    if (command.op === 'setup') {
      for (let i = 0; i < command.repos; i++) {
        // Existing issues were opened over the past hours, a minute apart, as on a real tracker.
        for (let n = command.issues; n > 0; n--) {
          now = command.now - n * 60_000;
          github.openIssue(repoName(i), { title: 'Existing issue' });
        }
        now = command.now;
        github.publishRelease(repoName(i), { tag: 'v0.0.1', body: 'initial' });
      }
      result = { baseUrl: github.baseUrl };
    } else if (command.op === 'now') {
      now = command.now;
      // The hourly window refills as on GitHub; the bench reads the charged count, not the budget.
      github.setRateLimit({ remaining: 1_000_000, limit: 1_000_000 });
    } else if (command.op === 'publish') {
      if (command.kind === 'release')
        github.publishRelease(command.repo, { tag: command.tag, body: `Notes of ${command.tag}` });
      else if (command.kind === 'issue')
        result = github.openIssue(command.repo, { title: `Issue ${command.tag}`, labels: ['bug'] }).number;
      else if (command.kind === 'pull')
        result = github.openPullRequest(command.repo, { title: `PR ${command.tag}` }).number;
      else {
        // Closes and comments land on the repository's oldest open issue or pull request.
        const target = github.issues(command.repo).find((i) => i.state === 'open');
        if (target && command.kind === 'close') github.closeIssue(command.repo, target.number);
        else if (target) github.commentOnIssue(command.repo, target.number);
        result = target ? { pull: Boolean(target.pull_request) } : null;
      }
    } else if (command.op === 'stats') {
      const charged = github.requestLog.filter((r) => r.charged);
      result = {
        requests: github.requests,
        charged: github.chargedRequests,
        notModified: github.notModified,
        chargedIssues: charged.filter((r) => r.path.endsWith('/issues')).length,
        chargedReleases: charged.filter((r) => r.path.endsWith('/releases')).length,
        issueRequests: github.requestLog.filter((r) => r.path.endsWith('/issues')).length,
        releaseRequests: github.requestLog.filter((r) => r.path.endsWith('/releases')).length,
      };
    } else if (command.op === 'stop') {
      void github.stop().then(() => process.exit(0));
    }
    process.send?.({ id, result });
  });
  process.send?.({ id: 0, result: 'ready' });
}

function repoName(i: number): string {
  return `org${i % 97}/model-${i}`;
}

// --- the bot's side -----------------------------------------------------------------------

async function main(): Promise<void> {
  const child = fork(import.meta.filename, ['--emulator'], { stdio: 'inherit' });
  const pending = new Map<number, (value: unknown) => void>();
  let nextId = 1;
  const ready = new Promise<void>((resolve) => pending.set(0, () => resolve()));
  child.on('message', (m: { id: number; result: unknown }) => {
    pending.get(m.id)?.(m.result);
    pending.delete(m.id);
  });
  const call = <T>(command: Command) =>
    new Promise<T>((resolve) => {
      const id = nextId++;
      pending.set(id, resolve as (v: unknown) => void);
      child.send({ id, command });
    });
  await ready;

  const clock = new ManualClock('2026-11-23T09:00:30Z');
  const { baseUrl } = await call<{ baseUrl: string }>({
    op: 'setup',
    repos: REPOS,
    issues: EXISTING_ISSUES,
    now: clock.now().getTime(),
  });
  const db = openDatabase(join(tempDir('omh-bench-'), 'bench.sqlite'));
  migrate(db);
  const log = createLogger({ level: 'warn' });
  const github = createGitHub({ baseUrl, log, token: 'bench-token', throttleId: 'bench' });
  const pollGitHub = createPollClient({ baseUrl, token: 'bench-token', shared: github.rateLimit });

  // Discord: the emulator in its own process, one channel per guild, the real client posting to it.
  const discord = forkEmulators(join(import.meta.dirname, '_discord-emulator-process.ts'));
  const world = await discord.ask<{
    apiUrl: string;
    token: string;
    guilds: Array<{ guildId: string; channelId: string }>;
  }>({ setup: commands.map((c) => c.data.toJSON()), guilds: CHANNELS }, 'ready');
  const client = createDiscordClient({ apiUrl: world.apiUrl });
  client.rest.setToken(world.token);
  await client.login(world.token);
  await new Promise((resolve) =>
    client.isReady() ? resolve(undefined) : client.once(Events.ClientReady, resolve),
  );
  const discordPoster = createPoster(client.rest);

  const published = new Map<string, number>();
  const delays: number[] = [];
  let posts = 0;
  let tickStartedWall = 0;
  let tickSimulatedMs = 0;
  // The real poster; the delay of each post is measured when Discord has taken it.
  const poster: Poster = {
    ...discordPoster,
    async post(channelId: string, message: OutgoingMessage) {
      const sent = await discordPoster.post(channelId, message);
      posts++;
      const url = message.embeds?.[0]?.url;
      const at = url ? published.get(url) : undefined;
      if (at !== undefined) delays.push(tickSimulatedMs - at + (performance.now() - tickStartedWall));
      return sent;
    },
  };
  const store = new TrackingStore(sqliteKysely(db));
  const hubSource = {
    latestModels: async () => [],
    findOwner: async () => null,
  };
  const tracker = new Tracker({
    store,
    github,
    pollGitHub,
    hubSource,
    poster,
    clock,
    log,
    intervalMinutes: INTERVAL_MINUTES,
    hubWebUrl: 'https://huggingface.co',
  });
  const watches = new WatchService({ store, tracker, github, hubSource, clock, log, presets: () => [] });

  const setupStarted = performance.now();
  // Eight /watch add at a time, as several servers would.
  let nextRepo = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let i = nextRepo++; i < REPOS; i = nextRepo++) {
        await watches.add({
          // Several servers: one may have at most 200 watches.
          guildId: String(100000000000000001n + BigInt(Math.floor(i / 200))),
          channelId: world.guilds[i % CHANNELS]!.channelId,
          userId: '300000000000000001',
          source: 'github',
          target: repoName(i),
          kinds: 'both',
        });
      }
    }),
  );
  const setupMs = performance.now() - setupStarted;
  const afterSetup = await call<Stats>({ op: 'stats' });

  // Steady state: a scheduler tick every simulated minute; each minute a fifth of the interval's
  // changes are published at a random second before the tick.
  const changesPerMinute = (REPOS * CHANGE_SHARE) / INTERVAL_MINUTES;
  let carry = 0;
  let seq = 0;
  let random = 42;
  const rand = () => {
    random = (random * 1103515245 + 12345) % 2 ** 31;
    return random / 2 ** 31;
  };
  const cycleWall: number[] = [];
  const postsPerCycle: number[] = [];
  let cycleWallMs = 0;
  let cyclePosts = 0;
  let maxTickMs = 0;
  // The last interval is quiet: every repository is polled after its last change, and counted.
  const minutes = (CYCLES + 1) * INTERVAL_MINUTES;
  const perMinute = { releases: [] as number[], issues: [] as number[] };
  let lastStats = afterSetup;
  for (let minute = 1; minute <= minutes; minute++) {
    const quiet = minute > CYCLES * INTERVAL_MINUTES;
    const tickAt = clock.now().getTime() + 60_000;
    if (!quiet) carry += changesPerMinute;
    for (; carry >= 1; carry--) {
      const at = tickAt - Math.floor(rand() * 60_000);
      await call({ op: 'now', now: at });
      const repo = repoName(Math.floor(rand() * REPOS));
      const draw = rand();
      const kind: ChangeKind =
        draw < 0.3
          ? 'release'
          : draw < 0.5
            ? 'issue'
            : draw < 0.6
              ? 'pull'
              : draw < 0.8
                ? 'close'
                : 'comment';
      const tag = `v1.${++seq}`;
      const result = await call<number | { pull: boolean } | null>({ op: 'publish', repo, kind, tag });
      changes[kind]++;
      if (kind === 'release') published.set(`https://github.com/${repo}/releases/tag/${tag}`, at);
      else if (kind === 'issue') published.set(`https://github.com/${repo}/issues/${result as number}`, at);
      else if (kind === 'close' && result && !(result as { pull: boolean }).pull) issueCloses++;
    }
    clock.set(new Date(tickAt));
    await call({ op: 'now', now: tickAt });
    tickSimulatedMs = tickAt;
    tickStartedWall = performance.now();
    await tracker.pollDueSources();
    const tickMs = performance.now() - tickStartedWall;
    maxTickMs = Math.max(maxTickMs, tickMs);
    const stats = await call<Stats>({ op: 'stats' });
    perMinute.releases.push(stats.releaseRequests - lastStats.releaseRequests);
    perMinute.issues.push(stats.issueRequests - lastStats.issueRequests);
    lastStats = stats;
    cycleWallMs += tickMs;
    if (minute % INTERVAL_MINUTES === 0) {
      cycleWall.push(cycleWallMs);
      postsPerCycle.push(posts - cyclePosts);
      cyclePosts = posts;
      cycleWallMs = 0;
    }
  }
  const end = await call<Stats>({ op: 'stats' });
  const recordedCloses = (
    db.prepare('SELECT COUNT(*) AS n FROM events WHERE closed_at IS NOT NULL').get() as { n: number }
  ).n;
  const charged = end.charged - afterSetup.charged;
  const requests = end.requests - afterSetup.requests;
  const perHour = (charged / minutes) * 60;
  delays.sort((a, b) => a - b);
  const p = (q: number) => delays[Math.min(delays.length - 1, Math.floor(q * delays.length))] ?? 0;
  const memory = process.memoryUsage();
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

  console.log(
    `tracking: ${REPOS} repositories × (releases + issues) = ${REPOS * 2} sources, ${EXISTING_ISSUES} issue(s) each to start with, ${INTERVAL_MINUTES}-minute interval, ${CHANGE_SHARE * 100}% of repositories changing per interval, ${CYCLES} intervals simulated, then one quiet one (counted)`,
  );
  console.log(
    `  setup (1,000 /watch add with baselines): ${(setupMs / 1000).toFixed(1)} s, ${afterSetup.charged} charged requests`,
  );
  console.log(
    `  GitHub requests in steady state: ${requests} (${end.notModified - afterSetup.notModified} answered 304, free)`,
  );
  console.log(
    `  changes published: ${Object.entries(changes)
      .map(([k, n]) => `${n} ${k}`)
      .join(', ')}`,
  );
  console.log(
    `  charged GitHub requests per hour: ${perHour.toFixed(0)} (${((perHour / 5000) * 100).toFixed(1)}% of the 5,000/hour budget; target ≤ 10%); issues lists ${end.chargedIssues - afterSetup.chargedIssues}, releases lists ${end.chargedReleases - afterSetup.chargedReleases} charged in ${minutes} minutes`,
  );
  const peak = (xs: number[]) => Math.max(...xs);
  console.log(
    `  requests per minute per endpoint (GitHub's secondary limit: 900; polling's budget: 720): releases mean ${avg(perMinute.releases).toFixed(0)}, max ${peak(perMinute.releases)}; issues mean ${avg(perMinute.issues).toFixed(0)}, max ${peak(perMinute.issues)}`,
  );
  console.log(
    `  issue closes recorded for the digest (the last interval is quiet): ${recordedCloses} of ${issueCloses} issues closed (pull requests closed are not counted)`,
  );
  console.log(
    `  Discord posts per cycle: ${postsPerCycle.join(', ')} (mean ${avg(postsPerCycle).toFixed(1)})`,
  );
  console.log(
    `  cycle wall time (sum of its ${INTERVAL_MINUTES} ticks): mean ${avg(cycleWall).toFixed(0)} ms, max ${Math.max(...cycleWall).toFixed(0)} ms; slowest tick ${maxTickMs.toFixed(0)} ms`,
  );
  console.log(
    `  delay from publication to post: p50 ${(p(0.5) / 1000).toFixed(1)} s, p95 ${(p(0.95) / 1000).toFixed(1)} s, max ${(p(1) / 1000).toFixed(1)} s over ${delays.length} posts (target p95 ≤ ${INTERVAL_MINUTES * 60 + 30} s)`,
  );
  console.log(`  memory: rss ${mb(memory.rss)}, heap used ${mb(memory.heapUsed)}`);

  // A day of downtime while a few repositories were busy: one interval after the restart reads
  // each list back to what it had seen, page by page. Every page is a charged request, counted here.
  const downtimeRepos = Math.min(REPOS, Number(process.env.BENCH_DOWNTIME_REPOS ?? 10));
  const beforeDowntime = await call<Stats>({ op: 'stats' });
  const postsBeforeDowntime = posts;
  const downtimeStart = clock.now().getTime();
  for (let i = 0; i < downtimeRepos; i++)
    for (let n = 0; n < DOWNTIME_ITEMS; n++) {
      await call({ op: 'now', now: downtimeStart + (i * DOWNTIME_ITEMS + n + 1) * 1000 });
      await call({ op: 'publish', repo: repoName(i), kind: 'release', tag: `v9.${i}.${n}` });
      await call({ op: 'publish', repo: repoName(i), kind: 'issue', tag: `d${i}.${n}` });
    }
  clock.set(new Date(downtimeStart + 24 * 3600_000));
  for (let minute = 1; minute <= INTERVAL_MINUTES; minute++) {
    clock.set(new Date(clock.now().getTime() + 60_000));
    await call({ op: 'now', now: clock.now().getTime() });
    await tracker.pollDueSources();
  }
  const afterDowntime = await call<Stats>({ op: 'stats' });
  console.log(
    `  catch-up after a day of downtime (${downtimeRepos} repositories × ${DOWNTIME_ITEMS} releases and ${DOWNTIME_ITEMS} issues, then one interval): ${afterDowntime.charged - beforeDowntime.charged} charged requests (releases lists ${afterDowntime.chargedReleases - beforeDowntime.chargedReleases}, issues lists ${afterDowntime.chargedIssues - beforeDowntime.chargedIssues}, the rest of the 2,000 sources answered 304), ${posts - postsBeforeDowntime} Discord posts (10 per watch, then one "…and N more" line per kind)`,
  );

  await client.destroy();
  const discordExited = new Promise((resolve) => discord.child.once('exit', resolve));
  discord.child.send({ stop: true });
  await discordExited;
  await call({ op: 'stop' });
  db.close();
}

interface Stats {
  requests: number;
  charged: number;
  notModified: number;
  chargedIssues: number;
  chargedReleases: number;
  issueRequests: number;
  releaseRequests: number;
}

const changes: Record<ChangeKind, number> = { release: 0, issue: 0, pull: 0, close: 0, comment: 0 };
let issueCloses = 0;

if (process.argv.includes('--emulator')) await emulatorProcess();
else await main();
