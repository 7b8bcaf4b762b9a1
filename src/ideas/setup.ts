// Wires the ideas feature into the hub: its services, its scheduled job and its status lines.
import { createGitHub, type GitHub } from '../github/client.ts';
import type { HubCore } from '../hub.ts';
import { ideaBoardLink, webBoards } from '../web/boards.ts';
import { exportIdeas } from './export.ts';
import { IdeaFiling } from './filing.ts';
import { IdeaLifecycle } from './lifecycle.ts';
import { IdeaMessages } from './messages.ts';
import { IdeaNotifier } from './notify.ts';
import { IdeaStore } from './store.ts';
import { IssueSync } from './sync.ts';

export interface Ideas {
  store: IdeaStore;
  lifecycle: IdeaLifecycle;
  messages: IdeaMessages;
  notifier: IdeaNotifier;
  filing: IdeaFiling;
  sync: IssueSync;
  export(guildId: string, format: 'csv' | 'json'): Promise<{ name: string; data: Buffer }>;
  /** Resolves when every queued message edit and notification has been sent. */
  settled(): Promise<void>;
}

export interface IdeasOptions {
  /** Replaces the GitHub client built from the config (tests pass one with a short retry unit). */
  github?: GitHub | null;
  /** When the issue sync runs (node-cron); default every 10 minutes. */
  syncCron?: string;
  schedule?: boolean;
}

export function setupIdeas(core: HubCore, options: IdeasOptions = {}): Ideas {
  const { kdb, engine, clock, log, poster, settings, config } = core;
  const github =
    options.github !== undefined
      ? options.github
      : config.githubToken
        ? createGitHub({ token: config.githubToken, baseUrl: config.githubApiUrl, log, throttleId: 'ideas' })
        : null;
  const store = new IdeaStore(kdb, engine);
  const messages = new IdeaMessages({ store, poster, settings, log });
  const notifier = new IdeaNotifier({ store, poster, messages, log, clock });
  const lifecycle = new IdeaLifecycle({
    store,
    messages,
    notifier,
    clock,
    log,
    ideasPerHour: config.ideas.perHour,
  });
  const boardLink = ideaBoardLink(config.webBaseUrl, webBoards(core));
  const filing = new IdeaFiling({ store, lifecycle, settings, github, clock, log, boardLink });
  const sync = new IssueSync({ store, lifecycle, github, clock, log, boardLink });

  if (options.schedule !== false) {
    core.scheduler.schedule('*/2 * * * *', {
      name: 'ideas-publish-retry',
      run: async () => {
        await lifecycle.publishPending();
        messages.retryFailedEdits();
        await notifier.resume();
        await messages.settled();
        await notifier.settled();
      },
    });
  }
  if (options.schedule !== false && github) {
    // A true interval: the cron */45 would run at :00 and :45, gaps of 45 and 15 minutes.
    const job = { name: 'ideas-issue-sync', run: () => sync.syncFiledIssues() };
    if (options.syncCron) core.scheduler.schedule(options.syncCron, job);
    else core.scheduler.every(config.ideas.syncMinutes * 60_000, job);
  }
  core.status.add(async (guildId) => {
    const lines = [
      { name: 'Idea filing', value: github ? 'GitHub token set' : 'off (GITHUB_TOKEN not set)' },
    ];
    if (guildId)
      lines.unshift({ name: 'Ideas waiting for review', value: String(await store.queueSize(guildId)) });
    return lines;
  });

  return {
    store,
    lifecycle,
    messages,
    notifier,
    filing,
    sync,
    export: (guildId, format) => exportIdeas(store, guildId, format),
    async settled() {
      await messages.settled();
      await notifier.settled();
      await messages.settled();
    },
  };
}
