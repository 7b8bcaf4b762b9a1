// Conversations continued in a Discord thread: which model, whose thread, and the turns so far.
import type { Clock } from '../clock.ts';
import type { Db } from '../db/open.ts';
import type { ChatMessage } from './inference.ts';

export interface ModelThread {
  threadId: string;
  guildId: string;
  userId: string;
  model: string;
  systemPrompt: string | null;
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
          'INSERT INTO model_threads (thread_id, guild_id, user_id, model, system_prompt, created_at) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(thread.threadId, thread.guildId, thread.userId, thread.model, thread.systemPrompt, now);
      this.addTurnsNow(thread.threadId, turns, now);
    })();
  }

  get(threadId: string): ModelThread | undefined {
    const row = this.db.prepare('SELECT * FROM model_threads WHERE thread_id = ?').get(threadId) as
      | { thread_id: string; guild_id: string; user_id: string; model: string; system_prompt: string | null }
      | undefined;
    if (!row) return undefined;
    return {
      threadId: row.thread_id,
      guildId: row.guild_id,
      userId: row.user_id,
      model: row.model,
      systemPrompt: row.system_prompt,
    };
  }

  /** The conversation so far, system prompt first. */
  history(threadId: string): ChatMessage[] {
    const thread = this.get(threadId);
    if (!thread) return [];
    const turns = this.db
      .prepare('SELECT role, content FROM model_thread_turns WHERE thread_id = ? ORDER BY id')
      .all(threadId) as ChatMessage[];
    return thread.systemPrompt ? [{ role: 'system', content: thread.systemPrompt }, ...turns] : turns;
  }

  addTurns(threadId: string, turns: ChatMessage[]): void {
    this.db.transaction(() => this.addTurnsNow(threadId, turns, this.clock.now().toISOString()))();
  }

  private addTurnsNow(threadId: string, turns: ChatMessage[], now: string): void {
    const insert = this.db.prepare(
      'INSERT INTO model_thread_turns (thread_id, role, content, created_at) VALUES (?, ?, ?, ?)',
    );
    for (const turn of turns) insert.run(threadId, turn.role, turn.content, now);
  }
}

/** A rough token count (4 characters a token) — enough to stay inside a context window. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

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
  const cost = (list: ChatMessage[]) => list.reduce((n, m) => n + estimateTokens(m.content) + 4, 0);
  while (turns.length > 1 && cost(system) + cost(turns) + answerBudget > contextLength) {
    // Drop a whole exchange so the conversation still starts with the user.
    turns.splice(0, turns[1]?.role === 'assistant' && turns.length > 2 ? 2 : 1);
  }
  return [...system, ...turns];
}
