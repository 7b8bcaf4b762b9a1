// Tells an idea's author and followers what became of it: a direct message when Discord lets
// us, else one mention-free note in the idea's thread. Each notice is written to the database
// with the change and sent afterwards, so a failed DM never holds a decision back, and a restart
// or a Discord outage delays a notice instead of losing it (the retry job sends what is left).
// A batch is claimed by the process sending it, so processes sharing the database never both
// send it; what is left when its claim lapses (a minute after the last message: an outage, or
// the process died) is taken by the retry job of one process.
import { randomUUID } from 'node:crypto';
import { type Clock, systemClock } from '../clock.ts';
import { PostError, type Poster } from '../discord/post.ts';
import type { Logger } from '../log.ts';
import type { IdeaMessages } from './messages.ts';
import type { IdeaStore } from './store.ts';
import type { Idea } from './types.ts';

/**
 * A batch stays its sender's this long after its last message; the claim is renewed before each
 * one, so a slow batch is never taken over while it is being sent.
 */
export const NOTICE_CLAIM_MS = 60_000;

export class IdeaNotifier {
  private readonly pending = new Set<Promise<void>>();
  private readonly sending = new Set<number>();
  private readonly clock: Clock;
  /** Names this process in idea_notices.claimed_by. */
  readonly claimant: string;

  constructor(
    private readonly deps: {
      store: IdeaStore;
      poster: Poster;
      messages: IdeaMessages;
      log: Logger;
      /** Defaults to the system clock. */
      clock?: Clock;
      claimant?: string;
    },
  ) {
    this.clock = deps.clock ?? systemClock;
    this.claimant = deps.claimant ?? `ideas-${randomUUID()}`;
  }

  private claimUntil(): string {
    return new Date(this.clock.now().getTime() + NOTICE_CLAIM_MS).toISOString();
  }

  /**
   * Records the notice for the idea's followers (the author follows their own idea), then sends it
   * without waiting; throws only when the database does (the change it reports is then not lost:
   * it is already saved, and the caller's error says something went wrong).
   */
  async tell(idea: Idea, text: string, options: { except?: string } = {}): Promise<void> {
    const recipients = (await this.deps.store.followers(idea.id, idea.guildId)).filter(
      (u) => u !== options.except,
    );
    if (recipients.length === 0) return;
    const batch = await this.deps.store.addNotices(
      idea.id,
      recipients,
      text,
      this.clock.now().toISOString(),
      {
        claimant: this.claimant,
        until: this.claimUntil(),
      },
    );
    this.send(batch);
  }

  /** Sends the notices no process holds (an outage, a crash); returns how many batches it took up. */
  async resume(): Promise<number> {
    const now = this.clock.now().toISOString();
    const batches = (await this.deps.store.openNoticeBatches(now)).filter((b) => !this.sending.has(b));
    for (const batch of batches) this.send(batch);
    return batches.length;
  }

  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private send(batch: number): void {
    this.sending.add(batch);
    const work = this.deliver(batch)
      .catch((error) => this.deps.log.error({ err: error, batch }, 'Idea notification failed unexpectedly'))
      .finally(() => this.sending.delete(batch));
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  private async deliver(batch: number): Promise<void> {
    const { poster, log, store } = this.deps;
    // None when another process holds the batch: it is that one's to send.
    const notices = await store.claimNotices(
      batch,
      this.claimant,
      this.clock.now().toISOString(),
      this.claimUntil(),
    );
    const first = notices[0];
    if (!first) return;
    for (const notice of notices.filter((n) => n.state === 'pending')) {
      // Renewed before each DM: a slow batch (rate limits) is not taken over while it is being sent.
      if (notice !== first)
        await store.claimNotices(batch, this.claimant, this.clock.now().toISOString(), this.claimUntil());
      try {
        await poster.dm(notice.userId, { content: notice.text });
        await store.setNoticeState(notice.id, 'sent');
      } catch (error) {
        if (!(error instanceof PostError)) throw error;
        // An outage: the DM stays pending for the retry job. Anything else will not change by retrying.
        if (error.failure !== 'retryable') await store.setNoticeState(notice.id, 'blocked');
        log.info(
          { userId: notice.userId, ideaId: notice.ideaId, failure: error.failure },
          'Could not DM an idea follower',
        );
      }
    }
    const blocked = (await store.openNotices(batch)).filter((n) => n.state === 'blocked');
    if (blocked.length === 0) return;
    const idea = await store.getById(first.ideaId);
    try {
      const threadId = idea ? await this.deps.messages.ensureThread(idea) : null;
      if (threadId) await poster.post(threadId, { content: first.text });
      else
        log.warn(
          { ideaId: first.ideaId, undelivered: blocked.length },
          `Idea #${idea?.number ?? '?'} has no message to start a thread under; ${blocked.length} follower(s) who block DMs were not told`,
        );
      for (const n of blocked) await store.setNoticeState(n.id, 'noted');
    } catch (error) {
      log.warn(
        { err: error, ideaId: first.ideaId, undelivered: blocked.length },
        `Could not post the status note of idea #${idea?.number ?? '?'} in its thread; ${blocked.length} follower(s) who block DMs are not told yet (tried again in a few minutes)`,
      );
    }
  }
}
