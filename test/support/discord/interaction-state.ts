// One dispatched interaction as the test sees it: what the bot answered, when, and what it shows.
import type { Core } from './core.ts';
import type { Interaction, InteractionResponse, Message } from './types.ts';
import { MessageFlags, type StoredMessage } from './world.ts';

const DEFAULT_TIMEOUT_MS = 5000;

export interface Callback {
  type: number;
  // biome-ignore lint/suspicious/noExplicitAny: raw callback data as the bot sent it
  data: any;
  at: number;
}

/** A copy holding only the public fields, so later edits do not change what a test captured. */
export function snapshot(m: StoredMessage): Message {
  return {
    id: m.id,
    channelId: m.channelId,
    guildId: m.guildId,
    authorId: m.authorId,
    content: m.content,
    embeds: [...m.embeds],
    components: [...m.components],
    attachments: [...m.attachments],
    flags: m.flags,
    allowedMentions: m.allowedMentions,
    editedAt: m.editedAt,
    createdAt: m.createdAt,
    threadId: m.threadId,
    replyTo: m.replyTo,
  };
}

export interface InteractionInit {
  id: string;
  token: string;
  /** Discord's interaction type: 2 command, 3 component, 4 autocomplete, 5 modal submit. */
  type: number;
  label: string;
  guildId: string;
  channelId: string;
  userId: string;
  sourceMessageId?: string;
}

export class InteractionState implements Interaction {
  readonly id: string;
  readonly token: string;
  readonly type: number;
  readonly label: string;
  readonly guildId: string;
  readonly channelId: string;
  readonly userId: string;
  readonly sourceMessageId?: string;
  readonly callbacks: Callback[] = [];
  readonly followUpIds: string[] = [];
  dispatchedAt = 0;
  originalId?: string;
  /** Edits @original had before a type 6/7 callback, so reply() waits for a newer one. */
  editsAtAck = 0;
  deadlineReached = false;
  tokenExpired = false;
  /** The first follow-up after a deferral became @original instead of a follow-up, as on Discord. */
  followUpReplacedOriginal = false;
  private deadlineTimer?: NodeJS.Timeout;

  constructor(
    private readonly core: Core,
    init: InteractionInit,
  ) {
    this.id = init.id;
    this.token = init.token;
    this.type = init.type;
    this.label = init.label;
    this.guildId = init.guildId;
    this.channelId = init.channelId;
    this.userId = init.userId;
    this.sourceMessageId = init.sourceMessageId;
  }

  /** Starts Discord's acknowledgement clock; called when the event is handed to the gateway. */
  startClock(): void {
    this.dispatchedAt = performance.now();
    this.deadlineTimer = setTimeout(() => {
      this.deadlineReached = true;
      this.core.waiters.notify();
    }, this.core.options.ackDeadlineMs);
  }

  stopClock(): void {
    clearTimeout(this.deadlineTimer);
  }

  get acknowledged(): boolean {
    return this.callbacks.length > 0;
  }

  private describe(what: string): () => string {
    return () => {
      const types = this.callbacks.map((c) => c.type).join(', ') || 'none';
      const late = this.deadlineReached && !this.acknowledged ? '; the acknowledgement deadline passed' : '';
      const replaced = this.followUpReplacedOriginal
        ? "; note: the first follow-up after the deferral replaced @original, as Discord does, with the deferral's visibility"
        : '';
      return `waiting for ${what} of interaction ${this.label} (callbacks so far: ${types}${late}${replaced})`;
    };
  }

  private originalMessage(): StoredMessage | undefined {
    const m = this.originalId ? this.core.world.messages.get(this.originalId) : undefined;
    return m && !m.deleted ? m : undefined;
  }

  firstResponse(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<InteractionResponse> {
    return this.core.waiters.waitFor(
      () => {
        const first = this.callbacks[0];
        return first
          ? { type: first.type, data: first.data, latencyMs: first.at - this.dispatchedAt }
          : undefined;
      },
      timeoutMs,
      this.describe('the first response'),
    );
  }

  reply(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Message> {
    return this.core.waiters.waitFor(
      () => {
        const type = this.callbacks[0]?.type;
        const m = this.originalMessage();
        if (!m) return undefined;
        if (type === 4) return snapshot(m);
        if (type === 5) return m.flags & MessageFlags.loading ? undefined : snapshot(m);
        if (type === 6 || type === 7) return m.edits.length > this.editsAtAck ? snapshot(m) : undefined;
        return undefined;
      },
      timeoutMs,
      this.describe('a visible reply'),
    );
  }

  followUps(): Message[] {
    return this.followUpIds
      .map((id) => this.core.world.messages.get(id))
      .filter((m): m is StoredMessage => Boolean(m && !m.deleted))
      .map(snapshot);
  }

  waitForFollowUp(
    pred: (m: Message) => boolean = () => true,
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): Promise<Message> {
    return this.core.waiters.waitFor(
      () => this.followUps().find(pred),
      timeoutMs,
      this.describe('a follow-up'),
    );
  }

  original(): Message | undefined {
    const m = this.originalMessage();
    return m ? snapshot(m) : undefined;
  }

  modal(): unknown {
    return this.callbacks.find((c) => c.type === 9)?.data;
  }

  autocompleteChoices(
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): Promise<Array<{ name: string; value: string | number }>> {
    return this.core.waiters.waitFor(
      () => {
        const answer = this.callbacks.find((c) => c.type === 8);
        return answer
          ? ((answer.data?.choices ?? []) as Array<{ name: string; value: string | number }>)
          : undefined;
      },
      timeoutMs,
      this.describe('autocomplete choices'),
    );
  }

  ephemeral(): boolean {
    const m = this.originalMessage();
    if (m) return (m.flags & MessageFlags.ephemeral) !== 0;
    const first = this.callbacks[0];
    return first ? ((first.data?.flags ?? 0) & MessageFlags.ephemeral) !== 0 : false;
  }

  deadlinePassed(): Promise<void> {
    return this.core.waiters
      .waitFor(
        () => (this.deadlineReached ? true : undefined),
        this.core.options.ackDeadlineMs + DEFAULT_TIMEOUT_MS,
        this.describe('the acknowledgement deadline'),
      )
      .then(() => undefined);
  }
}
