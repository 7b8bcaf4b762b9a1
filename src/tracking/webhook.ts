// The optional instant path: GitHub's signed webhook deliveries feed the same ingest as polling,
// so a release seen by both is posted once.
import { Webhooks } from '@octokit/webhooks';
import type { RouteHandler } from '../http/server.ts';
import type { Logger } from '../log.ts';
import { parseIssueCursor } from './github-issues.ts';
import { issueToItem, releaseToItem } from './github-source.ts';
import type { TrackingStore } from './store.ts';
import type { Tracker } from './tracker.ts';

const RELEASE_ACTIONS = new Set(['published', 'released', 'prereleased', 'edited', 'created']);
// Closes and label changes feed the digest's issue activity and label-filtered watches.
const ISSUE_ACTIONS = new Set(['opened', 'closed', 'reopened', 'labeled', 'unlabeled', 'edited']);

export function githubWebhookRoute(deps: {
  secret: string;
  store: TrackingStore;
  tracker: Tracker;
  log: Logger;
}): RouteHandler {
  const webhooks = new Webhooks({ secret: deps.secret });
  return async (request, body) => {
    const signature = String(request.headers['x-hub-signature-256'] ?? '');
    const payload = body.toString('utf8');
    if (!signature || !(await webhooks.verify(payload, signature).catch(() => false))) {
      deps.log.warn(
        { delivery: request.headers['x-github-delivery'] },
        'Rejected a GitHub webhook with a missing or wrong signature: verify that the webhook secret in GitHub matches GITHUB_WEBHOOK_SECRET',
      );
      return { status: 401, body: 'bad signature\n' };
    }
    const event = String(request.headers['x-github-event'] ?? '');
    const data = JSON.parse(payload) as {
      action?: string;
      repository?: { full_name?: string };
      release?: Parameters<typeof releaseToItem>[0];
      issue?: Parameters<typeof issueToItem>[0];
    };
    const repo = data.repository?.full_name;
    if (event === 'ping' || !repo) return { status: 204 };
    let kind: 'releases' | 'issues' | undefined;
    let item: ReturnType<typeof releaseToItem> | undefined;
    if (
      event === 'release' &&
      data.release &&
      RELEASE_ACTIONS.has(data.action ?? '') &&
      !data.release.draft
    ) {
      kind = 'releases';
      item = releaseToItem(data.release);
    } else if (
      event === 'issues' &&
      data.issue &&
      ISSUE_ACTIONS.has(data.action ?? '') &&
      !data.issue.pull_request
    ) {
      kind = 'issues';
      item = issueToItem(data.issue);
    }
    if (!kind || !item) return { status: 204 };
    const state = await deps.store.source('github', repo.toLowerCase(), kind);
    // Only watched repositories whose baseline exists: the poller owns the first look.
    if (!state?.baselineAt) return { status: 202, body: 'not watched\n' };
    const mark = kind === 'issues' ? parseIssueCursor(state) : null;
    const created = await deps.tracker.ingest(state, [item], { baseline: false, ...(mark ? { mark } : {}) });
    // Also after no new event: a label added may have brought an issue to a label-filtered watch.
    await deps.tracker.deliverPending();
    deps.log.debug({ event, action: data.action, repo, created }, 'GitHub webhook handled');
    return { status: 202, body: 'ok\n' };
  };
}
