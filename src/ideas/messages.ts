// Keeps each idea's Discord message in step with the database. Edits for one idea never run
// concurrently and always render the latest row, so after a burst of clicks the last edit
// shows the exact counts, whatever order Discord received the earlier ones in.
import type { GuildSettingsStore } from '../db/guild-settings.ts';
import { PostError, type Poster } from '../discord/post.ts';
import type { Logger } from '../log.ts';
import { ideaMessage } from './render.ts';
import type { IdeaStore } from './store.ts';
import { type Idea, STATUS_LABELS } from './types.ts';

export interface IdeaMessagesDeps {
  store: IdeaStore;
  poster: Poster;
  settings: GuildSettingsStore;
  log: Logger;
}

export class IdeaMessages {
  private readonly running = new Map<number, Promise<void>>();
  private readonly dirty = new Set<number>();
  private readonly tagsDirty = new Set<number>();
  /** Ideas being posted right now: the retry job must not post one a second time meanwhile. */
  private readonly publishing = new Set<number>();
  private readonly startingThreads = new Map<number, Promise<string | null>>();
  /** Ideas whose last edit Discord did not take (outage, rate limit): edited again by the retry job. */
  private readonly failedEdits = new Set<number>();

  constructor(private readonly deps: IdeaMessagesDeps) {}

  /**
   * Posts a new idea in the server's ideas channel: a forum post (tagged with its family and
   * status when the forum has such tags) or a message in a text channel. Returns where it went,
   * or null when the server has no ideas channel.
   */
  async publish(idea: Idea): Promise<{ channelId: string; messageId: string } | null> {
    if (this.publishing.has(idea.id)) return null;
    this.publishing.add(idea.id);
    try {
      return await this.publishOnce(idea);
    } finally {
      this.publishing.delete(idea.id);
    }
  }

  private async publishOnce(idea: Idea): Promise<{ channelId: string; messageId: string } | null> {
    const { store, poster, settings } = this.deps;
    const channelId = (await settings.get(idea.guildId)).ideasChannelId;
    if (!channelId) {
      await store.clearPublishPending(idea.id);
      return null;
    }
    const channel = await poster.channel(channelId);
    const message = ideaMessage(idea);
    if (channel.kind === 'forum') {
      const post = await poster.createForumPost(
        channelId,
        `#${idea.number} ${idea.title}`,
        message,
        tagsFor(idea, channel.tags),
      );
      await store.setMessage(idea.id, {
        channelId,
        messageId: post.messageId,
        threadId: post.threadId,
        isForum: true,
      });
      return { channelId: post.threadId, messageId: post.messageId };
    }
    // Posted again after a crash, the same nonce makes Discord return the first message.
    const sent = await poster.post(channelId, { ...message, nonce: `idea-${idea.id}` });
    await store.setMessage(idea.id, { channelId, messageId: sent.id, threadId: null, isForum: false });
    return { channelId, messageId: sent.id };
  }

  /**
   * The idea's discussion thread, started on its message the first time someone asks. Calls that
   * overlap share one start: Discord allows one thread per message, so a second start would fail.
   */
  ensureThread(idea: Idea): Promise<string | null> {
    // Claimed synchronously, before the first await, so overlapping calls find the shared start.
    let starting = this.startingThreads.get(idea.id);
    if (!starting) {
      starting = this.startThread(idea).finally(() => this.startingThreads.delete(idea.id));
      this.startingThreads.set(idea.id, starting);
    }
    return starting;
  }

  private async startThread(idea: Idea): Promise<string | null> {
    const current = (await this.deps.store.getById(idea.id)) ?? idea;
    if (current.threadId) return current.threadId;
    if (!current.channelId || !current.messageId) return null;
    const threadId = await this.deps.poster.startThread(
      current.channelId,
      current.messageId,
      `#${current.number} ${current.title}`,
    );
    await this.deps.store.setThread(idea.id, threadId);
    return threadId;
  }

  /** Asks for the idea's message to be re-rendered; `tags` also re-tags its forum post (status changes). */
  refresh(ideaId: number, options: { tags?: boolean } = {}): void {
    this.dirty.add(ideaId);
    if (options.tags) this.tagsDirty.add(ideaId);
    if (!this.running.has(ideaId)) this.running.set(ideaId, this.editLoop(ideaId));
  }

  /** Re-renders the messages whose edit failed for a passing reason; returns how many were queued. */
  retryFailedEdits(): number {
    const ids = [...this.failedEdits];
    this.failedEdits.clear();
    for (const id of ids) this.refresh(id, { tags: true });
    return ids.length;
  }

  /** Resolves once every requested refresh has been written (tests and shutdown wait on this). */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()]);
  }

  private async editLoop(ideaId: number): Promise<void> {
    // Let the clicks of this tick land in the database first: one edit then covers them all.
    await Promise.resolve();
    for (;;) {
      // Checked and cleared in the same synchronous step as `running`, so a refresh that
      // arrives while this loop is ending is never lost.
      if (!this.dirty.delete(ideaId)) {
        this.running.delete(ideaId);
        return;
      }
      const idea = await this.deps.store.getById(ideaId);
      if (!idea?.channelId || !idea.messageId) continue;
      const retag = this.tagsDirty.delete(ideaId);
      try {
        const duplicate = idea.duplicateOf ? (await this.deps.store.getById(idea.duplicateOf))?.number : null;
        const where = idea.isForum && idea.threadId ? idea.threadId : idea.channelId;
        await this.deps.poster.edit(where, idea.messageId, ideaMessage(idea, duplicate));
        if (retag && idea.isForum && idea.threadId) {
          const forum = await this.deps.poster.channel(idea.channelId);
          await this.deps.poster.editThread(idea.threadId, { appliedTags: tagsFor(idea, forum.tags) });
        }
      } catch (error) {
        const failure = error instanceof PostError ? error.failure : 'unknown';
        if (failure === 'retryable') this.failedEdits.add(ideaId);
        this.deps.log.warn(
          { err: error, ideaId, guildId: idea.guildId, failure },
          failure === 'gone'
            ? `The message of idea #${idea.number} was deleted; its votes and status are kept in the database (/idea show still works)`
            : failure === 'retryable'
              ? `Discord did not take the update of idea #${idea.number}'s message; it is tried again within a few minutes`
              : `Could not update the message of idea #${idea.number}; it will be updated at the next vote or status change`,
        );
      }
    }
  }
}

/** Forum tags named like the idea's family or status (case-insensitive); tags the forum lacks are skipped. */
export function tagsFor(idea: Idea, tags: Array<{ id: string; name: string }>): string[] {
  const wanted = [idea.family, STATUS_LABELS[idea.status]].filter(Boolean).map((n) => n!.toLowerCase());
  return tags
    .filter((t) => wanted.includes(t.name.toLowerCase()))
    .map((t) => t.id)
    .slice(0, 5);
}
