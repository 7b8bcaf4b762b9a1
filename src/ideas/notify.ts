// Tells an idea's author and followers what became of it: a direct message when Discord lets
// us, else one mention-free note in the idea's thread. Runs after the change is committed,
// so a failed DM can never hold a decision back.
import { PostError, type Poster } from '../discord/post.ts';
import type { Logger } from '../log.ts';
import type { IdeaMessages } from './messages.ts';
import type { IdeaStore } from './store.ts';
import type { Idea } from './types.ts';

export class IdeaNotifier {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly deps: { store: IdeaStore; poster: Poster; messages: IdeaMessages; log: Logger },
  ) {}

  /** Queues the notice for the idea's followers (the author follows their own idea); never throws. */
  tell(idea: Idea, text: string, options: { except?: string } = {}): void {
    const recipients = this.deps.store.followers(idea.id, idea.guildId).filter((u) => u !== options.except);
    if (recipients.length === 0) return;
    const work = this.deliver(idea, text, recipients).catch((error) =>
      this.deps.log.error({ err: error, ideaId: idea.id }, 'Idea notification failed unexpectedly'),
    );
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private async deliver(idea: Idea, text: string, recipients: string[]): Promise<void> {
    const { poster, log } = this.deps;
    let undelivered = 0;
    for (const userId of recipients) {
      try {
        await poster.dm(userId, { content: text });
      } catch (error) {
        if (!(error instanceof PostError)) throw error;
        undelivered++;
        log.info({ userId, ideaId: idea.id, failure: error.failure }, 'Could not DM an idea follower');
      }
    }
    if (undelivered === 0) return;
    try {
      const threadId = await this.deps.messages.ensureThread(this.deps.store.getById(idea.id) ?? idea);
      if (threadId) await poster.post(threadId, { content: text });
    } catch (error) {
      log.warn(
        { err: error, ideaId: idea.id, undelivered },
        `Could not post the status note of idea #${idea.number} in its thread; ${undelivered} follower(s) were not told (they block DMs)`,
      );
    }
  }
}
