// Wires tracking into the hub: the GitHub and Hub clients, the poller job, /hub status lines and
// the optional webhook route.
import { Counter } from 'prom-client';
import { discordTime } from '../discord/format.ts';
import { createGitHub, type GitHubLike } from '../github/client.ts';
import { createPollClient } from '../github/poll-client.ts';
import type { HubCore } from '../hub.ts';
import { createHubSource, type HubSource } from './hf-source.ts';
import { describeFreshness } from './poll-plan.ts';
import { loadPresets, type Preset } from './presets.ts';
import { TrackingStore } from './store.ts';
import { Tracker } from './tracker.ts';
import { WatchService } from './watches.ts';
import { githubWebhookRoute } from './webhook.ts';

export interface Tracking {
  store: TrackingStore;
  tracker: Tracker;
  watches: WatchService;
  github: GitHubLike;
}

export const POLL_JOB = 'tracking-poll';

export function setupTracking(
  core: HubCore,
  options: { schedule: boolean; github?: GitHubLike; hubSource?: HubSource; concurrency?: number },
): Tracking {
  const { config, log, clock } = core;
  const github =
    options.github ??
    createGitHub({
      token: config.githubToken,
      baseUrl: config.githubApiUrl,
      log,
      userAgent: `open-model-hub/${core.version}`,
    });
  const hubSource =
    options.hubSource ?? createHubSource({ hubUrl: config.hfEndpoint, token: config.hfToken });
  const store = new TrackingStore(core.kdb);
  const polls = new Counter({
    name: 'omh_tracking_polls_total',
    help: 'Polls of a (source, target, kind), by source and outcome (changed, not_modified, failed, deferred)',
    labelNames: ['source', 'outcome'] as const,
    registers: [core.metrics.registry],
  });
  const posts = new Counter({
    name: 'omh_tracking_posts_total',
    help: 'Announcements, by outcome (sent, edited, retry, failing, rejected)',
    labelNames: ['outcome'] as const,
    registers: [core.metrics.registry],
  });
  // Polls read through plain conditional fetches; the shared Octokit's view of the budget (filing
  // spends from it too) is part of what the poller sees.
  const pollGitHub = createPollClient({
    token: config.githubToken,
    baseUrl: config.githubApiUrl,
    userAgent: `open-model-hub/${core.version}`,
    shared: github.rateLimit,
  });
  const tracker = new Tracker({
    store,
    github,
    pollGitHub,
    githubBudgetPercent: config.githubPollBudgetPercent,
    hubSource,
    poster: core.poster,
    clock,
    log,
    intervalMinutes: config.tracking.pollIntervalMinutes,
    hubWebUrl: config.hfEndpoint,
    observe: {
      poll: (source, outcome) => polls.inc({ source, outcome }),
      post: (outcome) => posts.inc({ outcome }),
    },
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
  });
  // Read on each use, so an operator's edit of the presets file needs no restart.
  let presetsCache: { at: number; presets: Preset[] } | undefined;
  const presets = () => {
    if (!presetsCache || Date.now() - presetsCache.at > 60_000)
      presetsCache = { at: Date.now(), presets: loadPresets(config.tracking.presetsPath) };
    return presetsCache.presets;
  };
  const watches = new WatchService({ store, tracker, github, hubSource, clock, log, presets });

  if (options.schedule) {
    // Every minute, the sources whose slot has come: each source's slots are one interval apart.
    // Each tick's sources are spread over 40 s of the minute, not started in a burst; shutdown
    // aborts the tick (what it did not finish is polled again at the next start).
    const job = {
      name: POLL_JOB,
      run: (signal: AbortSignal) => tracker.pollDueSources({ signal, spreadMs: 40_000 }),
    };
    core.scheduler.schedule('* * * * *', job);
    // At start: sources an interrupted poll left due, and its pending posts, go now.
    void core.scheduler.runNow(job);
  }
  if (config.tracking.webhookSecret) {
    core.http.route(
      'POST',
      '/webhooks/github',
      githubWebhookRoute({ secret: config.tracking.webhookSecret, store, tracker, log }),
    );
  }

  core.status.add(async (guildId) => {
    const lastPoll = await store.lastPollAt(guildId);
    const limit = tracker.rateLimit();
    const paused = tracker.pausedUntil();
    const lines = [
      { name: 'Watches', value: `${await store.countWatches(guildId)} in this server` },
      { name: 'Last poll', value: lastPoll ? discordTime(new Date(lastPoll)) : 'not yet' },
      {
        name: 'Polling',
        value: describeFreshness(await tracker.freshness(), config.tracking.pollIntervalMinutes),
      },
      {
        name: 'GitHub rate limit',
        value: limit
          ? `${limit.remaining} of ${limit.limit} left, resets ${discordTime(limit.resetAt)}`
          : 'no request made yet',
      },
    ];
    if (paused) lines.push({ name: 'GitHub polling', value: `paused until ${discordTime(paused)}` });
    return lines;
  });

  return { store, tracker, watches, github };
}
