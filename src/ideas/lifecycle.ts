// The life of an idea: submission (with the similar-idea check and the hourly limit), votes,
// curator decisions with their audit trail, duplicate merging, followers and search.
import type { Clock } from '../clock.ts';
import { PostError } from '../discord/post.ts';
import { UserError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { IdeaMessages } from './messages.ts';
import type { IdeaNotifier } from './notify.ts';
import { discussionLink } from './render.ts';
import { overlap, rarestTerms, similarityTerms, terms } from './search.ts';
import type { Draft, IdeaStore, ListQuery, VoteOutcome } from './store.ts';
import {
  FIELD_LIMITS,
  type Idea,
  type IdeaDraftInput,
  type IdeaStatus,
  type ListSort,
  STATUS_LABELS,
  type VoteValue,
  votingOpen,
} from './types.ts';

const HOUR_MS = 3_600_000;
const TRENDING_WINDOW_MS = 7 * 24 * HOUR_MS;
/** Below this share of shared words, a bm25 hit is a brush, not a similar idea. */
const SIMILAR_OVERLAP = 0.25;

export interface Author {
  id: string;
  name: string;
}

/** What became of a new idea's post: done, no ideas channel set, or failed (retried later). */
export type Posted = 'posted' | 'no-channel' | 'failed';

export type SubmitResult =
  | { kind: 'created'; idea: Idea; posted: Posted }
  | { kind: 'similar'; draftId: number; similar: Idea[] };

export interface LifecycleDeps {
  store: IdeaStore;
  messages: IdeaMessages;
  notifier: IdeaNotifier;
  clock: Clock;
  log: Logger;
  ideasPerHour: number;
}

/** Trims and checks a submission; every problem is a sentence the member can act on. */
export function validateSubmission(raw: {
  title?: string | null;
  problem?: string | null;
  proposal?: string | null;
  evidence?: string | null;
  family?: string | null;
}): IdeaDraftInput {
  const field = (
    name: keyof typeof FIELD_LIMITS,
    label: string,
    value: string | null | undefined,
    required: boolean,
  ) => {
    const text = (value ?? '').trim();
    if (required && text.length === 0)
      throw new UserError(`The ${label} is empty. Write a few words, then submit again.`);
    if (text.length > FIELD_LIMITS[name])
      throw new UserError(
        `The ${label} is ${text.length} characters long; the limit is ${FIELD_LIMITS[name]}. Shorten it, or put details in a linked document.`,
      );
    return text;
  };
  const family = field('family', 'model family', raw.family, false).toLowerCase();
  if (family && !/^[\p{L}\p{N}._ -]+$/u.test(family))
    throw new UserError(
      'The model family may use letters, digits, spaces, dots, dashes and underscores only, e.g. granite or llama-3.',
    );
  return {
    title: field('title', 'title', raw.title, true),
    problem: field('problem', 'problem or motivation', raw.problem, true),
    proposal: field('proposal', 'proposal', raw.proposal, true),
    evidence: field('evidence', 'evidence', raw.evidence, false),
    family: family || null,
  };
}

const notFound = (number: number) =>
  new UserError(`There is no idea #${number} in this server. Find it with /idea search or /idea list.`);
const gone = () =>
  new UserError(
    'This draft is gone (it was already submitted, cancelled, or expired). Run /idea submit again.',
  );

export class IdeaLifecycle {
  constructor(private readonly deps: LifecycleDeps) {}

  private now(): string {
    return this.deps.clock.now().toISOString();
  }

  get(guildId: string, number: number): Promise<Idea | undefined> {
    return this.deps.store.get(guildId, number);
  }

  /** Like get, but a missing idea is the member's mistake, said in words. */
  async require(guildId: string, number: number, store = this.deps.store): Promise<Idea> {
    const idea = await store.get(guildId, number);
    if (!idea) throw notFound(number);
    return idea;
  }

  /** Throws when the member already submitted the hourly maximum. */
  async checkRateLimit(guildId: string, userId: string, store = this.deps.store): Promise<void> {
    const { ideasPerHour, clock } = this.deps;
    const since = new Date(clock.now().getTime() - HOUR_MS).toISOString();
    const recent = await store.submittedSince(guildId, userId, since);
    if (recent >= ideasPerHour)
      throw new UserError(
        `You have submitted ${recent} ideas in the last hour; the limit is ${ideasPerHour} an hour. Your text was not saved — keep a copy and try again later.`,
      );
  }

  /** Up to `limit` existing ideas that look like this text, best first. */
  async similar(
    guildId: string,
    input: Pick<IdeaDraftInput, 'title' | 'problem' | 'proposal'>,
    limit = 3,
  ): Promise<Idea[]> {
    const words = similarityTerms(input.title, `${input.problem} ${input.proposal}`, 16);
    const titleWords = terms(input.title);
    // bm25 ranks; the word overlap decides whether a hit is close enough to interrupt the author.
    return (await this.candidates(guildId, words, limit * 4, 8))
      .filter((c) => c.status !== 'duplicate')
      .filter((c) => {
        const text = `${c.title} ${c.problem} ${c.proposal}`;
        const shared = overlap(words, text);
        return shared >= 2 * SIMILAR_OVERLAP || (shared >= SIMILAR_OVERLAP && overlap(titleWords, text) > 0);
      })
      .slice(0, limit);
  }

  /**
   * A submitted modal: saved straight away, or parked as a draft when similar ideas exist so
   * the member can choose (submit anyway, support one of them, cancel).
   */
  async submit(guildId: string, author: Author, input: IdeaDraftInput): Promise<SubmitResult> {
    await this.checkRateLimit(guildId, author.id);
    const similar = await this.similar(guildId, input);
    if (similar.length > 0) {
      const expire = new Date(this.deps.clock.now().getTime() - 24 * HOUR_MS).toISOString();
      const draftId = await this.deps.store.saveDraft(
        guildId,
        author.id,
        author.name,
        input,
        this.now(),
        expire,
      );
      return { kind: 'similar', draftId, similar };
    }
    return this.create(guildId, author, input);
  }

  /** "Submit anyway" on a draft. */
  async submitDraft(guildId: string, draftId: number, userId: string): Promise<SubmitResult> {
    return this.publishNew(await this.claimDraft(guildId, draftId, userId));
  }

  /**
   * Saves a draft as an idea and drops the draft in one transaction: of two clicks on "Submit
   * anyway" (from any processes) only the one whose delete removed the draft saves the idea.
   */
  claimDraft(guildId: string, draftId: number, userId: string): Promise<Idea> {
    return this.deps.store.transaction(async (tx) => {
      const draft = await this.takeDraft(guildId, draftId, userId, tx);
      await this.checkRateLimit(guildId, userId, tx);
      if (!(await tx.deleteDraft(draft.id))) throw gone();
      return tx.insertIdea(guildId, draft.userId, draft.userName, draft, this.now());
    });
  }

  /** "Support #N instead": the draft is dropped and the member upvotes #N (kept if already up). */
  async supportInstead(guildId: string, draftId: number, userId: string, number: number): Promise<Idea> {
    const draft = await this.takeDraft(guildId, draftId, userId);
    const idea = await this.require(guildId, number);
    if (!votingOpen(idea.status))
      throw new UserError(
        `#${number} is ${STATUS_LABELS[idea.status]}, so it takes no votes. Your draft is kept: submit it anyway or cancel it.`,
      );
    if ((await this.deps.store.voteOf(idea.id, userId)) !== 1) await this.vote(guildId, number, userId, 1);
    await this.deps.store.deleteDraft(draft.id);
    return this.require(guildId, number);
  }

  async cancelDraft(guildId: string, draftId: number, userId: string): Promise<void> {
    const draft = await this.takeDraft(guildId, draftId, userId);
    await this.deps.store.deleteDraft(draft.id);
  }

  private async takeDraft(
    guildId: string,
    draftId: number,
    userId: string,
    store = this.deps.store,
  ): Promise<Draft> {
    const draft = await store.draft(guildId, draftId);
    if (!draft) throw gone();
    if (draft.userId !== userId)
      throw new UserError('Only the member who wrote this draft can submit or cancel it.');
    return draft;
  }

  private async create(guildId: string, author: Author, input: IdeaDraftInput): Promise<SubmitResult> {
    return this.publishNew(
      await this.deps.store.insertIdea(guildId, author.id, author.name, input, this.now()),
    );
  }

  /** Posts a just-saved idea; a failed post leaves it pending for the retry job (publishPending). */
  async publishNew(idea: Idea): Promise<SubmitResult> {
    let posted: Posted = 'no-channel';
    try {
      posted = (await this.deps.messages.publish(idea)) !== null ? 'posted' : 'no-channel';
    } catch (error) {
      posted = 'failed';
      // The idea is saved either way; the channel problem is the curators' to fix.
      this.deps.log.warn(
        { err: error, guildId: idea.guildId, ideaId: idea.id },
        `Idea #${idea.number} was saved but could not be posted in the ideas channel; it is tried again every few minutes. Check that the bot can view and send messages there (/hub config ideas_channel)`,
      );
    }
    return { kind: 'created', idea: (await this.deps.store.getById(idea.id)) ?? idea, posted };
  }

  /**
   * Posts the ideas whose post failed or was interrupted (Discord outage, crash, missing
   * permission). Each post carries the idea's nonce, so a crash after Discord's answer does not
   * post it twice. Returns how many were posted.
   */
  async publishPending(limit = 50): Promise<number> {
    let posted = 0;
    // A minute's grace: an idea saved just now is still being posted by its submit.
    const before = new Date(this.deps.clock.now().getTime() - 60_000).toISOString();
    const failing = new Set<string>();
    for (const idea of await this.deps.store.unpublished(before, limit)) {
      // One failure says the server's channel is unusable for now: one warning per server, not per idea.
      if (failing.has(idea.guildId)) continue;
      try {
        if ((await this.deps.messages.publish(idea)) !== null) posted++;
      } catch (error) {
        failing.add(idea.guildId);
        this.deps.log.warn(
          { err: error, guildId: idea.guildId, ideaId: idea.id },
          `Idea #${idea.number} still cannot be posted in the ideas channel; tried again in a few minutes`,
        );
      }
    }
    return posted;
  }

  /** A member's click on Upvote or Downvote; clicking the same again withdraws the vote. */
  async vote(
    guildId: string,
    number: number,
    userId: string,
    value: VoteValue,
  ): Promise<{ idea: Idea; outcome: VoteOutcome; following: boolean }> {
    const { store } = this.deps;
    // The status is read under the idea's row lock, so a vote never lands on an idea a curator
    // closed at the same moment in another process.
    const { idea, outcome } = await store.transaction(async (tx) => {
      const idea = await tx.lockedIdea(guildId, number);
      if (!idea) throw notFound(number);
      if (!votingOpen(idea.status))
        throw new UserError(
          `Voting on #${number} is closed: it is ${STATUS_LABELS[idea.status]}. It reopens if curators revise the decision.`,
        );
      const counted = await tx.vote(idea.id, userId, value, this.now(), { locked: true });
      return { idea: { ...idea, up: counted.up, down: counted.down }, outcome: counted.outcome };
    });
    this.deps.messages.refresh(idea.id);
    return { idea, outcome, following: await store.isFollowing(idea.id, userId) };
  }

  /**
   * A curator's decision (or its revision). Every change carries a reason and lands in the
   * audit trail; a duplicate's votes move to the original (each member counted once), and
   * revising a duplicate decision takes exactly those votes back.
   */
  async changeStatus(
    guildId: string,
    number: number,
    actorId: string,
    to: IdeaStatus,
    reason: string,
    options: { duplicateOf?: number } = {},
  ): Promise<Idea> {
    const text = reason.trim();
    if (!text)
      throw new UserError('Every status change needs a reason; members read it. Write one sentence.');
    if (text.length > FIELD_LIMITS.reason)
      throw new UserError(
        `The reason is ${text.length} characters long; the limit is ${FIELD_LIMITS.reason}.`,
      );
    const { store } = this.deps;
    const touched: number[] = [];
    const before = await store.transaction(async (tx) => {
      const found = await this.require(guildId, number, tx);
      let target: Idea | undefined;
      if (to === 'duplicate') {
        if (options.duplicateOf === undefined)
          throw new UserError('Say which idea this duplicates (its number).');
        if (options.duplicateOf === number) throw new UserError('An idea cannot be a duplicate of itself.');
        target = await this.require(guildId, options.duplicateOf, tx);
      }
      // Every idea whose votes may move, locked before any is read for the decision: a vote or
      // another curator's change in another process waits, then sees this one whole.
      await tx.lockIdeas([
        found.id,
        ...(target ? [target.id] : []),
        ...(found.duplicateOf ? [found.duplicateOf] : []),
      ]);
      const idea = (await tx.getById(found.id))!;
      const duplicateOf = target && (await tx.getById(target.id))!;
      if (idea.duplicateOf && idea.duplicateOf !== found.duplicateOf) await tx.lockIdeas([idea.duplicateOf]);
      if (duplicateOf) {
        if (duplicateOf.status === 'duplicate')
          throw new UserError(
            `#${duplicateOf.number} is itself a duplicate of another idea; mark #${number} as a duplicate of that one instead.`,
          );
      }
      if (idea.status === to && idea.duplicateOf === (duplicateOf?.id ?? null))
        throw new UserError(`#${number} is already ${STATUS_LABELS[to]}.`);
      const now = this.now();
      if (idea.status === 'duplicate' && idea.duplicateOf) {
        await tx.unmerge(idea.id, idea.duplicateOf);
        touched.push(idea.duplicateOf);
      }
      if (duplicateOf) {
        await tx.mergeInto(idea.id, duplicateOf.id);
        touched.push(duplicateOf.id);
      }
      await tx.setStatus(idea.id, to, text, duplicateOf?.id ?? null, now);
      await tx.addEvent(
        idea.id,
        actorId,
        idea.status === 'new' ? 'decided' : 'revised',
        idea.status,
        to,
        text,
        duplicateOf ? `duplicate of #${duplicateOf.number}` : null,
        now,
      );
      return idea;
    });
    const after = await this.require(guildId, number);
    await this.afterStatusChange(after, before.status, touched, actorId);
    return after;
  }

  /** Applies a status that came from GitHub (the filed issue was closed or reopened). */
  async applyUpstreamStatus(idea: Idea, to: IdeaStatus, reason: string, detail: string): Promise<Idea> {
    const now = this.now();
    await this.deps.store.transaction(async (tx) => {
      await tx.setStatus(idea.id, to, reason, idea.duplicateOf, now);
      await tx.addEvent(idea.id, 'github', 'upstream', idea.status, to, reason, detail, now);
    });
    const after = (await this.deps.store.getById(idea.id))!;
    await this.afterStatusChange(after, idea.status, [], null);
    return after;
  }

  private async afterStatusChange(
    idea: Idea,
    from: IdeaStatus,
    touched: number[],
    actorId: string | null,
  ): Promise<void> {
    this.deps.messages.refresh(idea.id, { tags: true });
    for (const id of touched) this.deps.messages.refresh(id);
    const link = discussionLink(idea);
    let text = `Idea #${idea.number} “${idea.title}” is now **${STATUS_LABELS[idea.status]}** (was ${STATUS_LABELS[from]})`;
    if (idea.status === 'duplicate' && idea.duplicateOf) {
      const original = await this.deps.store.getById(idea.duplicateOf);
      if (original) text += ` of #${original.number} “${original.title}”; votes were carried over`;
    }
    text += `.\nReason: ${idea.statusReason ?? ''}`;
    if (idea.issueUrl) text += `\nGitHub issue: ${idea.issueUrl}`;
    if (link) text += `\n${link}`;
    await this.deps.notifier.tell(idea, text.slice(0, 2000), actorId ? { except: actorId } : {});
  }

  /** Tells followers that the idea was filed (called by filing, once). */
  async announceFiled(idea: Idea): Promise<void> {
    this.deps.messages.refresh(idea.id, { tags: true });
    const text = `Idea #${idea.number} “${idea.title}” was filed on GitHub: ${idea.issueUrl}`;
    await this.deps.notifier.tell(idea, text.slice(0, 2000));
  }

  /** Full-text search, best matches first (bm25, title weighted highest). */
  async search(guildId: string, query: string, limit: number, offset = 0): Promise<Idea[]> {
    const words = terms(query).slice(0, 16);
    if (words.length === 0)
      throw new UserError(
        'Search for at least one word of two letters or more (common words like “the” are ignored).',
      );
    return this.candidates(guildId, words, limit, 6, offset);
  }

  /**
   * Ideas matching any of `words`, ranked by bm25 over their rarer words. When even the rarest
   * word is in a tenth of all ideas, ranking says little and costs a scan, so the newest ideas
   * with its rarest words come instead.
   */
  private async candidates(
    guildId: string,
    words: string[],
    limit: number,
    maxTerms: number,
    offset = 0,
  ): Promise<Idea[]> {
    const { search } = this.deps.store;
    const { terms: vocabulary, docs } = await search.termFrequencies();
    const stems = await search.stems(words);
    // A word the cached vocabulary does not know yet is new, hence rare.
    const df = (word: string) => vocabulary.get(stems.get(word) ?? word) ?? 0;
    const chosen = rarestTerms(words, df, { max: maxTerms, budget: Math.max(2000, docs * 0.02) });
    if (chosen.length === 0) return [];
    if (chosen[0]!.df > docs / 10) {
      const rare = rarestTerms(words, df, { max: 3, budget: Number.POSITIVE_INFINITY });
      return search.newestMatching(
        guildId,
        rare.map((t) => t.word),
        limit,
        offset,
      );
    }
    return search.match(
      guildId,
      chosen.map((t) => t.word),
      limit,
      offset,
    );
  }

  list(
    guildId: string,
    q: { status?: IdeaStatus | undefined; family?: string | undefined; sort: ListSort },
    limit: number,
    offset: number,
  ): Promise<Idea[]> {
    const query: ListQuery = { ...q, limit, offset };
    if (q.sort === 'trending')
      query.trendingSince = new Date(this.deps.clock.now().getTime() - TRENDING_WINDOW_MS).toISOString();
    return this.deps.store.list(guildId, query);
  }

  history(idea: Idea) {
    return this.deps.store.events(idea.id);
  }

  async follow(guildId: string, number: number, userId: string, following: boolean): Promise<Idea> {
    const idea = await this.require(guildId, number);
    await this.deps.store.setFollowing(idea.id, userId, following, this.now());
    return idea;
  }

  async setNotifications(guildId: string, userId: string, enabled: boolean): Promise<void> {
    await this.deps.store.setNotifications(guildId, userId, enabled, this.now());
  }

  /** The idea's discussion thread (started on first use). */
  async discuss(guildId: string, number: number): Promise<string> {
    const idea = await this.require(guildId, number);
    let thread: string | null;
    try {
      thread = await this.deps.messages.ensureThread(idea);
    } catch (error) {
      if (!(error instanceof PostError) || error.failure === 'invalid') throw error;
      throw new UserError(
        error.failure === 'gone'
          ? `The message of idea #${number} or its channel was deleted, so there is nowhere to start its discussion. /idea show #${number} still works.`
          : error.failure === 'forbidden'
            ? `The bot may not start threads in the ideas channel (it needs Create Public Threads there); a curator can fix that. Nothing was changed.`
            : 'Discord did not answer just now; press Discuss again in a minute.',
      );
    }
    if (!thread)
      throw new UserError(`Idea #${number} has no message in an ideas channel to discuss it under.`);
    return thread;
  }

  /** The next idea waiting for review after `afterNumber`, and how many wait in all. */
  async nextForReview(
    guildId: string,
    afterNumber = 0,
  ): Promise<{ idea: Idea | undefined; waiting: number }> {
    const { store } = this.deps;
    const after = afterNumber > 0 ? ((await store.get(guildId, afterNumber))?.id ?? 0) : 0;
    // Past the end of the queue, start again: skipped ideas still wait, and "none wait" would be untrue.
    const idea = (await store.nextInQueue(guildId, after)) ?? (await store.nextInQueue(guildId, 0));
    return { idea, waiting: await store.queueSize(guildId) };
  }
}
