// Files an accepted idea as a GitHub issue, at most once. The intent is committed, and claimed by
// this process, before the call (another process filing the same idea meanwhile is told it is
// being filed); the issue carries a hidden marker; a retry after a crash (or a lost answer) first
// looks for an issue with that marker among those the bot created since the intent, and adopts it.
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { GuildSettingsStore } from '../db/guild-settings.ts';
import { UserError } from '../errors.ts';
import { type GitHub, statusOf } from '../github/client.ts';
import type { Logger } from '../log.ts';
import { ideaMarker, issueBody, issueTitle } from './issue-body.ts';
import type { IdeaLifecycle } from './lifecycle.ts';
import { discussionLink } from './render.ts';
import type { Filing, IdeaStore } from './store.ts';
import type { Idea } from './types.ts';

const REPO = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

/**
 * Octokit reports a request our client's timeout aborted as a 500 of its own making; the fetch
 * error it wraps (`cause`) says what really happened.
 */
function timedOut(error: unknown): boolean {
  const cause = (error as { cause?: { name?: unknown } } | null)?.cause;
  return cause?.name === 'TimeoutError' || cause?.name === 'AbortError';
}
/** The bot's clock and GitHub's may disagree; look this far before the intent for created issues. */
const CLOCK_SKEW_MS = 60 * 60_000;
/**
 * How long a filing stays claimed by a process that stopped answering: well past the GitHub client's
 * per-request timeout (15 s) times the calls of one attempt, and the rate limiter's waits, so a live
 * attempt is never taken over; a dead one's idea can be filed again after it.
 */
export const FILING_CLAIM_MS = 5 * 60_000;

export interface FilingDeps {
  store: IdeaStore;
  lifecycle: IdeaLifecycle;
  settings: GuildSettingsStore;
  github: GitHub | null;
  clock: Clock;
  log: Logger;
  /** The idea's page on the public web board, when the server has one. */
  boardLink?: (idea: Idea) => Promise<string | null>;
}

export interface FileResult {
  idea: Idea;
  issueUrl: string;
  /** True when a retry found the issue an earlier attempt had created. */
  adopted: boolean;
}

/** Test seams for crash simulation; production never sets them. */
export interface FilingFaults {
  /** Runs after GitHub answered 201 and before the database records it; a throw stands for a crash. */
  afterIssueCreated?: () => void;
}

export class IdeaFiling {
  faults: FilingFaults = {};
  /** The token's login, or null when the token has none (a GitHub App installation token). */
  private login: string | null | undefined;
  /** Names this process in idea_filings.claimed_by. */
  readonly claimant: string;

  constructor(private readonly deps: FilingDeps & { claimant?: string }) {
    this.claimant = deps.claimant ?? `ideas-${randomUUID()}`;
  }

  async file(
    guildId: string,
    number: number,
    actorId: string,
    options: { repo?: string | null; labels?: string[]; guildName: string },
  ): Promise<FileResult> {
    const idea = await this.deps.lifecycle.require(guildId, number);
    return this.fileOnce(idea, actorId, options);
  }

  private async fileOnce(
    idea: Idea,
    actorId: string,
    options: { repo?: string | null; labels?: string[]; guildName: string },
  ): Promise<FileResult> {
    const { store, settings } = this.deps;
    const { guildId, number } = idea;
    const existing = await store.filing(idea.id);
    if (existing?.state === 'done' || idea.issueUrl)
      throw new UserError(`#${number} is already filed: ${idea.issueUrl ?? existing?.issueUrl}`);
    if (idea.status !== 'accepted')
      throw new UserError(
        `Only accepted ideas can be filed; #${number} is ${idea.status.replace('_', ' ')}. Accept it first with /idea review or /idea status.`,
      );
    const github = this.deps.github;
    if (!github)
      throw new UserError(
        'GitHub filing is not set up: GITHUB_TOKEN is not set. The bot’s operator must add a token with Issues: write on the target repository to .env and restart; the idea stays accepted, so run /idea file again then.',
      );
    const repo = existing?.repo ?? (options.repo?.trim() || (await settings.get(guildId)).defaultRepo);
    if (!repo)
      throw new UserError(
        'No repository to file into: give one (repo:owner/name) or set the server’s default with /hub config default_repo.',
      );
    if (!REPO.test(repo)) throw new UserError(`“${repo}” is not a repository; write it as owner/name.`);
    if (existing && options.repo && options.repo.trim() !== existing.repo)
      throw new UserError(
        `An earlier attempt to file #${number} into ${existing.repo} did not finish. Run /idea file again without another repository; it will finish that filing without creating a second issue.`,
      );
    const now = this.deps.clock.now();
    const claim = await store.claimFiling(
      {
        ideaId: idea.id,
        repo,
        marker: ideaMarker(guildId, idea.number),
        labels: existing?.labels ?? options.labels ?? [],
        by: actorId,
      },
      this.claimant,
      now.toISOString(),
      new Date(now.getTime() + FILING_CLAIM_MS).toISOString(),
    );
    if (claim.kind === 'done')
      throw new UserError(`#${number} is already filed: ${claim.filing.issueUrl ?? ''}`);
    if (claim.kind === 'busy')
      throw new UserError(
        `#${number} is being filed right now; its message will show the issue link in a moment.`,
      );
    try {
      return await this.attempt(idea, claim.filing, claim.kind === 'retry', github, options.guildName);
    } finally {
      // Still pending (the answer was unclear): the next /idea file may retry at once.
      await store.releaseFiling(idea.id, this.claimant);
    }
  }

  private async attempt(
    idea: Idea,
    filing: Filing,
    retry: boolean,
    github: GitHub,
    guildName: string,
  ): Promise<FileResult> {
    const { repo, marker, labels } = filing;
    const [owner, name] = repo.split('/') as [string, string];
    if (retry) {
      const found = await this.findFiled(github, owner, name, marker, filing.startedAt);
      if (found) {
        this.deps.log.info(
          { ideaId: idea.id, repo, issue: found.number },
          'Adopted the issue an interrupted filing had created',
        );
        return {
          idea: await this.finish(idea, repo, found.number, found.html_url),
          issueUrl: found.html_url,
          adopted: true,
        };
      }
    }

    const body = issueBody(idea, {
      guildName,
      discussion: discussionLink(idea),
      marker,
      board: (await this.deps.boardLink?.(idea)) ?? null,
    });
    let created: { number: number; html_url: string };
    try {
      const response = await github.rest.issues.create({
        owner,
        repo: name,
        title: issueTitle(idea),
        body,
        labels,
        // A retried POST after a lost answer is exactly how issues get filed twice; retries go through the marker search instead.
        request: { retries: 0 },
      });
      created = response.data;
    } catch (error) {
      throw await this.explain(error, idea, repo);
    }
    this.faults.afterIssueCreated?.();
    return {
      idea: await this.finish(idea, repo, created.number, created.html_url),
      issueUrl: created.html_url,
      adopted: false,
    };
  }

  private async finish(idea: Idea, repo: string, issueNumber: number, url: string): Promise<Idea> {
    const { store, clock } = this.deps;
    const now = clock.now().toISOString();
    const finished = await store.transaction(async (tx) => {
      if (!(await tx.finishFiling(idea.id, repo, issueNumber, url, now))) return false;
      await tx.setStatus(idea.id, 'filed', `Filed as ${repo}#${issueNumber}`, idea.duplicateOf, now);
      await tx.addEvent(
        idea.id,
        (await tx.filing(idea.id))?.startedBy ?? 'github',
        'filed',
        idea.status,
        'filed',
        `Filed as ${repo}#${issueNumber}`,
        url,
        now,
      );
      // The body was written with the counts of that moment.
      await tx.sectionWritten(idea.id, idea.up, idea.down);
      return true;
    });
    const filed = (await store.getById(idea.id))!;
    if (finished) await this.deps.lifecycle.announceFiled(filed);
    return filed;
  }

  /** Issues the bot created since the intent, searched for the marker (the list API: search lags behind). */
  private async findFiled(
    github: GitHub,
    owner: string,
    repo: string,
    marker: string,
    startedAt: string,
  ): Promise<{ number: number; html_url: string } | undefined> {
    if (this.login === undefined) {
      try {
        this.login = (await github.rest.users.getAuthenticated()).data.login;
      } catch (error) {
        // App installation tokens cannot read /user: look through every author's issues instead.
        if (statusOf(error) !== 403 && statusOf(error) !== 404) throw error;
        this.login = null;
      }
    }
    const since = new Date(Date.parse(startedAt) - CLOCK_SKEW_MS).toISOString();
    const pages = github.paginate.iterator(github.rest.issues.listForRepo, {
      owner,
      repo,
      ...(this.login ? { creator: this.login } : {}),
      since,
      state: 'all',
      sort: 'created',
      direction: 'asc',
      per_page: 100,
    });
    for await (const page of pages) {
      const hit = page.data.find((issue) => !issue.pull_request && issue.body?.includes(marker));
      if (hit) return { number: hit.number, html_url: hit.html_url };
    }
    return undefined;
  }

  /** Turns GitHub's refusal into what the curator should do; forgets the intent only when nothing can have been created. */
  private async explain(error: unknown, idea: Idea, repo: string): Promise<Error> {
    const status = statusOf(error);
    const { log, store } = this.deps;
    const certain = status !== undefined && status >= 400 && status < 500;
    if (certain) await store.dropFiling(idea.id, this.claimant);
    log.warn(
      { err: error, ideaId: idea.id, repo, status },
      `Filing idea #${idea.number} into ${repo} failed`,
    );
    const keep = `#${idea.number} stays accepted; run /idea file again once this is fixed.`;
    if (status === 401)
      return new UserError(
        `GitHub rejected the bot’s token (401). The operator must replace GITHUB_TOKEN. ${keep}`,
      );
    if (status === 403)
      return new UserError(
        `GitHub refused to create the issue in ${repo} (403): the token lacks Issues: write there, or GitHub’s rate limit was hit. ${keep}`,
      );
    if (status === 404 || status === 410)
      return new UserError(
        `GitHub says ${repo} does not exist or the token cannot see it (${status}). Check the name, or give the token access. ${keep}`,
      );
    if (status === 422)
      return new UserError(`GitHub rejected the issue (422), often because a label is invalid. ${keep}`);
    if (certain) return new UserError(`GitHub answered ${status}. ${keep}`);
    if (timedOut(error))
      return new UserError(
        'GitHub did not answer in time (the request timed out); the issue may or may not exist. Run /idea file again: it looks for the issue first and will not create a second one.',
      );
    return new UserError(
      `GitHub did not answer clearly (${status ?? 'no answer'}); the issue may or may not exist. Run /idea file again: it looks for the issue first and will not create a second one.`,
    );
  }
}
