// Tells an idea's author and followers what became of it: a direct message when Discord lets
// us, else one mention-free note in the idea's thread. Each notice is written to the database
// with the change and sent afterwards, so a failed DM never holds a decision back, and a restart
// or a Discord outage delays a notice instead of losing it (the retry job sends what is left).
import { type Clock, systemClock } from '../clock.ts';
import { PostError, type Poster } from '../discord/post.ts';
import type { Logger } from '../log.ts';
import type { IdeaMessages } from './messages.ts';
import type { IdeaStore } from './store.ts';
import type { Idea } from './types.ts';

/** A batch younger than this is still being sent by the process that wrote it. */
const RESUME_AFTER_MS = 60_000;

export class IdeaNotifier {
  private readonly pending = new Set<Promise<void>>();
  private readonly sending = new Set<number>();
  private readonly clock: Clock;

  constructor(
    private readonly deps: {
      store: IdeaStore;
      poster: Poster;
      messages: IdeaMessages;
      log: Logger;
      /** Defaults to the system clock. */
      clock?: Clock;
    },
  ) {
    this.clock = deps.clock ?? systemClock;
  }

  /** Records the notice for the idea's followers (the author follows their own idea) and sends it; never throws. */
  tell(idea: Idea, text: string, options: { except?: string } = {}): void {
    const recipients = this.deps.store.followers(idea.id, idea.guildId).filter((u) => u !== options.except);
    if (recipients.length === 0) return;
    const batch = this.deps.store.addNotices(idea.id, recipients, text, this.clock.now().toISOString());
    this.send(batch);
  }

  /** Sends the notices an earlier run left (crash, outage); returns how many batches it resumed. */
  resume(): number {
    const before = new Date(this.clock.now().getTime() - RESUME_AFTER_MS).toISOString();
    const batches = this.deps.store.openNoticeBatches(before).filter((b) => !this.sending.has(b));
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
    const notices = store.openNotices(batch);
    const first = notices[0];
    if (!first) return;
    for (const notice of notices.filter((n) => n.state === 'pending')) {
      try {
        await poster.dm(notice.userId, { content: notice.text });
        store.setNoticeState(notice.id, 'sent');
      } catch (error) {
        if (!(error instanceof PostError)) throw error;
        // An outage: the DM stays pending for the retry job. Anything else will not change by retrying.
        if (error.failure !== 'retryable') store.setNoticeState(notice.id, 'blocked');
        log.info(
          { userId: notice.userId, ideaId: notice.ideaId, failure: error.failure },
          'Could not DM an idea follower',
        );
      }
    }
    const blocked = store.openNotices(batch).filter((n) => n.state === 'blocked');
    if (blocked.length === 0) return;
    const idea = store.getById(first.ideaId);
    try {
      const threadId = idea ? await this.deps.messages.ensureThread(idea) : null;
      if (threadId) await poster.post(threadId, { content: first.text });
      else
        log.warn(
          { ideaId: first.ideaId, undelivered: blocked.length },
          `Idea #${idea?.number ?? '?'} has no message to start a thread under; ${blocked.length} follower(s) who block DMs were not told`,
        );
      for (const n of blocked) store.setNoticeState(n.id, 'noted');
    } catch (error) {
      log.warn(
        { err: error, ideaId: first.ideaId, undelivered: blocked.length },
        `Could not post the status note of idea #${idea?.number ?? '?'} in its thread; ${blocked.length} follower(s) who block DMs are not told yet (tried again in a few minutes)`,
      );
    }
  }
}
