// Conversations continued in a Discord thread: which model, whose thread, and the turns so far.
import type { Insertable, Kysely } from 'kysely';
import type { Clock } from '../clock.ts';
import type { DB, ModelThreadTurnsTable } from '../db/schema.ts';
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

type TurnRow = Insertable<ModelThreadTurnsTable>;

function turnRows(threadId: string, turns: ChatMessage[], now: string): TurnRow[] {
  return turns.map((turn) => ({
    thread_id: threadId,
    role: turn.role as 'user' | 'assistant',
    content: turn.content,
    images: turn.images?.length ? JSON.stringify(turn.images.map((i) => i.image_url.url)) : null,
    created_at: now,
  }));
}

/**
 * Turns are only ever inserted, each with its own row (ids from the table's sequence), so turns
 * appended by two processes at once are both kept; the history reads them in id order.
 */
export class ThreadStore {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly clock: Clock,
    private readonly engine: 'sqlite' | 'postgres' = 'sqlite',
  ) {}

  async create(thread: ModelThread, turns: ChatMessage[]): Promise<void> {
    const now = this.clock.now().toISOString();
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('model_threads')
        .values({
          thread_id: thread.threadId,
          guild_id: thread.guildId,
          user_id: thread.userId,
          model: thread.model,
          system_prompt: thread.systemPrompt,
          provider: thread.provider,
          created_at: now,
        })
        .execute();
      if (turns.length > 0)
        await trx
          .insertInto('model_thread_turns')
          .values(turnRows(thread.threadId, turns, now))
          .execute();
    });
  }

  async get(threadId: string): Promise<ModelThread | undefined> {
    const row = await this.db
      .selectFrom('model_threads')
      .select(['thread_id', 'guild_id', 'user_id', 'model', 'system_prompt', 'provider'])
      .where('thread_id', '=', threadId)
      .executeTakeFirst();
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
  async history(threadId: string): Promise<ChatMessage[]> {
    const [thread, rows] = await Promise.all([
      this.get(threadId),
      this.db
        .selectFrom('model_thread_turns')
        .select(['role', 'content', 'images'])
        .where('thread_id', '=', threadId)
        .orderBy('id')
        .execute(),
    ]);
    if (!thread) return [];
    const turns: ChatMessage[] = rows.map((r) => ({
      role: r.role,
      content: r.content,
      ...(r.images ? { images: parseImages(r.images) } : {}),
    }));
    return thread.systemPrompt ? [{ role: 'system', content: thread.systemPrompt }, ...turns] : turns;
  }

  /**
   * One multi-row insert: an exchange (question and answer) lands whole or not at all. On
   * PostgreSQL two inserts running at once draw ids from the sequence in turns, which would
   * interleave two exchanges in the history: the thread's row is locked first, so appends to one
   * thread follow each other (appends to different threads still run side by side).
   */
  async addTurns(threadId: string, turns: ChatMessage[]): Promise<void> {
    if (turns.length === 0) return;
    const rows = turnRows(threadId, turns, this.clock.now().toISOString());
    if (this.engine === 'sqlite') {
      await this.db.insertInto('model_thread_turns').values(rows).execute();
      return;
    }
    await this.db.transaction().execute(async (trx) => {
      await trx
        .selectFrom('model_threads')
        .select('thread_id')
        .where('thread_id', '=', threadId)
        .forUpdate()
        .execute();
      await trx.insertInto('model_thread_turns').values(rows).execute();
    });
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
