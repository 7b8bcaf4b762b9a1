// Follows filed issues: their fate flows back to the idea (closed as completed → done, as not
// planned → declined upstream, reopened → filed), and their bot-owned section gets fresh counts.
// Conditional requests keep an unchanged issue free of charge.
import type { Clock } from '../clock.ts';
import { type GitHub, headersOf, isNotModified, statusOf } from '../github/client.ts';
import type { Logger } from '../log.ts';
import { replaceSection, sectionText } from './issue-body.ts';
import type { IdeaLifecycle } from './lifecycle.ts';
import { discussionLink } from './render.ts';
import type { IdeaStore } from './store.ts';
import type { Idea, IdeaStatus } from './types.ts';

interface IssueState {
  state: string;
  state_reason?: string | null;
  body?: string | null;
  html_url: string;
}

export interface SyncReport {
  checked: number;
  unchanged: number;
  statusChanges: number;
  sectionsRefreshed: number;
  failures: number;
}

/** What the issue's state means for the idea, or null when nothing changes. */
export function upstreamStatus(idea: Idea, issue: IssueState): { to: IdeaStatus; reason: string } | null {
  if (issue.state === 'closed') {
    // Closed as a duplicate means the work is tracked elsewhere, not done.
    const declined = issue.state_reason === 'not_planned' || issue.state_reason === 'duplicate';
    const to: IdeaStatus = declined ? 'declined_upstream' : 'done';
    if (idea.status === to) return null;
    return {
      to,
      reason: !declined
        ? 'The GitHub issue was closed as completed.'
        : issue.state_reason === 'duplicate'
          ? 'The GitHub issue was closed as a duplicate of another issue.'
          : 'The GitHub issue was closed as not planned.',
    };
  }
  if (idea.status === 'done' || idea.status === 'declined_upstream')
    return { to: 'filed', reason: 'The GitHub issue was reopened.' };
  return null;
}

export class IssueSync {
  constructor(
    private readonly deps: {
      store: IdeaStore;
      lifecycle: IdeaLifecycle;
      github: GitHub | null;
      clock: Clock;
      log: Logger;
      /** The idea's page on the public web board, when the server has one. */
      boardLink?: (idea: Idea) => Promise<string | null>;
    },
  ) {}

  /** One pass over filed issues (least recently checked first, at most `limit`). */
  async syncFiledIssues(limit = 100): Promise<SyncReport> {
    const report: SyncReport = {
      checked: 0,
      unchanged: 0,
      statusChanges: 0,
      sectionsRefreshed: 0,
      failures: 0,
    };
    const github = this.deps.github;
    if (!github) return report;
    for (const idea of await this.deps.store.filedIdeas(limit)) {
      report.checked++;
      try {
        await this.syncOne(github, idea, report);
      } catch (error) {
        report.failures++;
        // To the back of the queue: an issue that keeps failing must not be first every run and
        // hold back every other one.
        await this.deps.store.setIssueEtag(idea.id, idea.issueEtag, this.deps.clock.now().toISOString());
        const status = statusOf(error);
        this.deps.log.warn(
          { err: error, ideaId: idea.id, repo: idea.issueRepo, issue: idea.issueNumber, status },
          status === 404 || status === 410
            ? `The issue of idea #${idea.number} (${idea.issueRepo}#${idea.issueNumber}) is gone or the token cannot see it; its status is no longer followed until access returns`
            : `Could not check the issue of idea #${idea.number} (${idea.issueRepo}#${idea.issueNumber}); it is checked again next run`,
        );
        // Only a rate limit stops the pass; a 403 on one repository (no access) says nothing of the others.
        if (status === 429 || (status === 403 && headersOf(error)['x-ratelimit-remaining'] === '0')) break;
      }
    }
    return report;
  }

  private async syncOne(github: GitHub, idea: Idea, report: SyncReport): Promise<void> {
    const { store, clock } = this.deps;
    const [owner, repo] = idea.issueRepo!.split('/') as [string, string];
    const target = { owner, repo, issue_number: idea.issueNumber! };
    let issue: IssueState | undefined;
    try {
      const response = await github.rest.issues.get({
        ...target,
        headers: idea.issueEtag ? { 'if-none-match': idea.issueEtag } : {},
      });
      issue = response.data as IssueState;
      await store.setIssueEtag(
        idea.id,
        (response.headers.etag as string | undefined) ?? null,
        clock.now().toISOString(),
      );
    } catch (error) {
      if (!isNotModified(error)) throw error;
      await store.setIssueEtag(idea.id, idea.issueEtag, clock.now().toISOString());
    }
    let current = idea;
    if (issue) {
      const change = upstreamStatus(idea, issue);
      if (change) {
        current = await this.deps.lifecycle.applyUpstreamStatus(
          idea,
          change.to,
          change.reason,
          issue.html_url,
        );
        report.statusChanges++;
      }
    } else {
      report.unchanged++;
    }
    if (current.up === current.sectionUp && current.down === current.sectionDown) return;
    // The counts moved: rewrite our section, and only it, from the freshest body.
    const fresh = issue ?? ((await github.rest.issues.get(target)).data as IssueState);
    const body = replaceSection(
      fresh.body ?? '',
      sectionText(current, discussionLink(current), (await this.deps.boardLink?.(current)) ?? null),
    );
    if (body === null) {
      this.deps.log.warn(
        { ideaId: idea.id, repo: idea.issueRepo, issue: idea.issueNumber },
        `The bot-owned section of ${idea.issueRepo}#${idea.issueNumber} was removed by someone; vote counts are no longer written there`,
      );
      await store.sectionWritten(idea.id, current.up, current.down);
      return;
    }
    if (body !== fresh.body) await github.rest.issues.update({ ...target, body });
    await store.sectionWritten(idea.id, current.up, current.down);
    report.sectionsRefreshed++;
  }
}
