// Conversations continued in a Discord thread: which model, whose thread, and the turns so far.
import type { Clock } from '../clock.ts';
import type { Db } from '../db/open.ts';
import type { ChatMessage, ImagePart } from './provider.ts';

export interface ModelThread {
  threadId: string;
  guildId: string;
  userId: string;
  model: string;
  systemPrompt: string | null;
  /** The platform the conversation runs on (null: threads made before there were several). */
  provider: string | null;
}

export class ThreadStore {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  create(thread: ModelThread, turns: ChatMessage[]): void {
    const now = this.clock.now().toISOString();
    this.db.transaction(() => {
      this.db
        .prepare(
          'INSERT INTO model_threads (thread_id, guild_id, user_id, model, system_prompt, provider, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        )
        .run(
          thread.threadId,
          thread.guildId,
          thread.userId,
          thread.model,
          thread.systemPrompt,
          thread.provider,
          now,
        );
      this.addTurnsNow(thread.threadId, turns, now);
    })();
  }

  get(threadId: string): ModelThread | undefined {
    const row = this.db.prepare('SELECT * FROM model_threads WHERE thread_id = ?').get(threadId) as
      | {
          thread_id: string;
          guild_id: string;
          user_id: string;
          model: string;
          system_prompt: string | null;
          provider: string | null;
        }
      | undefined;
    if (!row) return undefined;
    return {
      threadId: row.thread_id,
      guildId: row.guild_id,
      userId: row.user_id,
      model: row.model,
      systemPrompt: row.system_prompt,
      provider: row.provider,
    };
  }

  /** The conversation so far, system prompt first. */
  history(threadId: string): ChatMessage[] {
    const thread = this.get(threadId);
    if (!thread) return [];
    const rows = this.db
      .prepare('SELECT role, content, images FROM model_thread_turns WHERE thread_id = ? ORDER BY id')
      .all(threadId) as Array<{ role: 'user' | 'assistant'; content: string; images: string | null }>;
    const turns: ChatMessage[] = rows.map((r) => ({
      role: r.role,
      content: r.content,
      ...(r.images ? { images: parseImages(r.images) } : {}),
    }));
    return thread.systemPrompt ? [{ role: 'system', content: thread.systemPrompt }, ...turns] : turns;
  }

  addTurns(threadId: string, turns: ChatMessage[]): void {
    this.db.transaction(() => this.addTurnsNow(threadId, turns, this.clock.now().toISOString()))();
  }

  private addTurnsNow(threadId: string, turns: ChatMessage[], now: string): void {
    const insert = this.db.prepare(
      'INSERT INTO model_thread_turns (thread_id, role, content, images, created_at) VALUES (?, ?, ?, ?, ?)',
    );
    for (const turn of turns)
      insert.run(
        threadId,
        turn.role,
        turn.content,
        turn.images?.length ? JSON.stringify(turn.images.map((i) => i.image_url.url)) : null,
        now,
      );
  }
}

function parseImages(json: string): ImagePart[] {
  const urls = JSON.parse(json) as string[];
  return urls.map((url) => ({ type: 'image_url', image_url: { url } }));
}

/** A rough token count (4 characters a token) — enough to stay inside a context window. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Roughly what one message costs: its text, a few tokens of framing, and its images. */
export function messageTokens(message: ChatMessage): number {
  // Vision models spend in the order of a thousand tokens on an image (tiles of 336–560 px).
  return estimateTokens(message.content) + 4 + (message.images?.length ?? 0) * IMAGE_TOKENS;
}
export const IMAGE_TOKENS = 1024;

/**
 * Drops the oldest turns (never the system prompt or the newest message) until the
 * conversation and the answer's budget fit the model's context.
 */
export function fitToContext(
  messages: ChatMessage[],
  contextLength: number,
  answerBudget: number,
): ChatMessage[] {
  const system = messages[0]?.role === 'system' ? [messages[0]] : [];
  const turns = messages.slice(system.length);
  const cost = (list: ChatMessage[]) => list.reduce((n, m) => n + messageTokens(m), 0);
  while (turns.length > 1 && cost(system) + cost(turns) + answerBudget > contextLength) {
    // Drop a whole exchange so the conversation still starts with the user.
    turns.splice(0, turns[1]?.role === 'assistant' && turns.length > 2 ? 2 : 1);
  }
  return [...system, ...turns];
}
