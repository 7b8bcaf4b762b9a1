// Shows a streaming model answer in Discord: the reply is edited as text arrives (throttled),
// continues in follow-ups cut outside code blocks, attaches the whole text when it grows past
// a few messages, and moves to ordinary channel messages when the interaction token expires.
import {
  type APIEmbed,
  ButtonStyle,
  ComponentType,
  DiscordAPIError,
  MessageFlags,
  type RepliableInteraction,
} from 'discord.js';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { GenerationProgress, GenerationResult } from '../models/service.ts';
import { splitAnswer } from '../models/split.ts';
import { truncate } from './format.ts';
import type { OutgoingMessage, Poster } from './post.ts';
import { Throttle } from './throttle.ts';

/** Room left in a 2000-character message; pieces are exact slices of the answer. */
export const PIECE_LIMIT = 1990;
/** Discord's interaction tokens live 15 minutes; switch a little before. */
export const TOKEN_LIFETIME_MS = 15 * 60_000 - 30_000;

type Components = NonNullable<OutgoingMessage['components']>;

/** Where the messages of one answer go: written by index, created on first write. */
export interface Surface {
  readonly kind: 'interaction' | 'channel';
  write(index: number, message: OutgoingMessage): Promise<void>;
  /** Removes the message at `index` (never the first: that one carries the final state). */
  delete(index: number): Promise<void>;
  messageId(index: number): string | undefined;
  channelId: string;
}

export class InteractionSurface implements Surface {
  readonly kind = 'interaction';
  private readonly ids: string[] = [];
  constructor(
    private readonly interaction: RepliableInteraction,
    private readonly isPrivate: boolean,
  ) {}

  get channelId(): string {
    return this.interaction.channelId!;
  }

  messageId(index: number): string | undefined {
    return this.ids[index];
  }

  async write(index: number, message: OutgoingMessage): Promise<void> {
    const payload = {
      content: message.content ?? '',
      embeds: message.embeds ?? [],
      components: message.components ?? [],
      allowedMentions: { parse: [] },
      ...(message.files ? { files: message.files.map((f) => ({ attachment: f.data, name: f.name })) } : {}),
    };
    if (index === 0) {
      const sent = await this.interaction.editReply(
        payload as Parameters<RepliableInteraction['editReply']>[0],
      );
      this.ids[0] = sent.id;
    } else if (this.ids[index]) {
      await this.interaction.editReply({ ...payload, message: this.ids[index] } as Parameters<
        RepliableInteraction['editReply']
      >[0]);
    } else {
      const sent = await this.interaction.followUp({
        ...payload,
        ...(this.isPrivate ? { flags: MessageFlags.Ephemeral } : {}),
      } as Parameters<RepliableInteraction['followUp']>[0]);
      this.ids[index] = sent.id;
    }
  }

  async delete(index: number): Promise<void> {
    const id = this.ids[index];
    if (!id) return;
    await this.interaction.deleteReply(id);
    this.ids.length = index;
  }
}

export class ChannelSurface implements Surface {
  readonly kind = 'channel';
  private readonly ids: string[] = [];
  constructor(
    private readonly poster: Poster,
    readonly channelId: string,
  ) {}

  messageId(index: number): string | undefined {
    return this.ids[index];
  }

  async write(index: number, message: OutgoingMessage): Promise<void> {
    const id = this.ids[index];
    if (id) await this.poster.edit(this.channelId, id, message);
    else this.ids[index] = (await this.poster.post(this.channelId, message)).id;
  }

  async delete(index: number): Promise<void> {
    const id = this.ids[index];
    if (!id) return;
    if (this.poster.delete) await this.poster.delete(this.channelId, id);
    else
      await this.poster.edit(this.channelId, id, {
        content: '',
        embeds: [{ description: '—' }],
        components: [],
      });
    this.ids.length = index;
  }
}

/** The interaction webhook is gone: 15 minutes passed (50027 Invalid Webhook Token, 10015 Unknown Webhook). */
export function isExpiredToken(error: unknown): boolean {
  return (
    error instanceof DiscordAPIError && (error.code === 50027 || error.code === 10015 || error.status === 401)
  );
}

export interface StreamReplyOptions {
  surface: Surface;
  /** Where to continue once the interaction token expired; none for private answers. */
  fallback?: (() => Surface) | undefined;
  clock: Clock;
  log: Logger;
  intervalMs: number;
  maxMessages: number;
  modelName: string;
  showReasoning: 'hide' | 'spoiler';
  stopCustomId?: string | undefined;
  /** Called when nothing more can be shown (a private answer outlived its token): stop generating. */
  onDead?: (() => void) | undefined;
  /** Told every message the answer has shown so far, each time a new one appears. */
  onShown?: ((messages: Array<{ channelId: string; messageId: string }>) => void) | undefined;
}

interface Segment {
  surface: Surface;
  offset: number;
  sent: string[];
  shown: number[];
}

export class StreamReply {
  private progress: GenerationProgress = { answer: '', reasoning: '', thinking: false };
  private result: GenerationResult | undefined;
  private finalComponents: Components = [];
  private segment: Segment;
  private readonly throttle: Throttle;
  private readonly expiresAt: number;
  private waitingTimer: NodeJS.Timeout | undefined;
  private withdrawn = false;
  private readonly shownIds: Array<{ channelId: string; messageId: string }> = [];
  /** Flushes made, for the benchmark. */
  flushes = 0;
  firstVisibleAt: number | undefined;

  constructor(private readonly options: StreamReplyOptions) {
    this.segment = { surface: options.surface, offset: 0, sent: [], shown: [] };
    this.expiresAt = options.clock.now().getTime() + TOKEN_LIFETIME_MS;
    this.throttle = new Throttle(options.intervalMs, () => this.flush());
  }

  /**
   * Shows the waiting state (Stop button) if no token came within one interval. Not at once:
   * an early edit would hold the first real text back by a whole interval.
   */
  start(): void {
    this.waitingTimer = setTimeout(() => this.throttle.poke(), this.options.intervalMs);
  }

  update(progress: GenerationProgress): void {
    clearTimeout(this.waitingTimer);
    this.progress = progress;
    this.throttle.poke();
  }

  /** The final state: answer, footer, notice, and buttons such as "Continue in thread". */
  async finish(result: GenerationResult, components: Components = []): Promise<void> {
    clearTimeout(this.waitingTimer);
    this.result = result;
    this.finalComponents = components;
    await this.throttle.close();
  }

  /**
   * The answer is not to be shown (an outcome about the member, told to them privately): no more
   * writes, and every follow-up removed. The first message is the caller's to remove, after the
   * private answer went out (a deferred reply's first follow-up would otherwise replace it).
   */
  async withdraw(): Promise<void> {
    clearTimeout(this.waitingTimer);
    this.withdrawn = true;
    await this.throttle.close().catch(() => undefined);
    const segment = this.segment;
    for (let i = segment.sent.length - 1; i >= 1; i--) await segment.surface.delete(i);
  }

  private async flush(): Promise<void> {
    if (this.withdrawn) return;
    if (this.segment.surface.kind === 'interaction' && this.options.clock.now().getTime() >= this.expiresAt)
      if (!this.switchToChannel()) return;
    try {
      await this.writeSegment();
    } catch (error) {
      if (!isExpiredToken(error) || this.segment.surface.kind !== 'interaction') throw error;
      if (this.switchToChannel()) await this.writeSegment();
    }
  }

  private switchToChannel(): boolean {
    const { fallback, log } = this.options;
    if (!fallback) {
      log.warn('A private answer outlived its interaction token (15 minutes); the rest cannot be shown');
      this.segment = { ...this.segment, surface: new DeadSurface() };
      this.options.onDead?.();
      return false;
    }
    const shown = this.segment.shown.reduce((n, s) => n + s, 0);
    log.info({ shown }, 'Interaction token expired; continuing the answer as channel messages');
    this.segment = { surface: fallback(), offset: this.segment.offset + shown, sent: [], shown: [] };
    return true;
  }

  private async writeSegment(): Promise<void> {
    const segment = this.segment;
    if (segment.surface instanceof DeadSurface) return;
    const messages = this.render(segment.offset);
    this.flushes++;
    // Messages shown earlier that the final state no longer needs (a withheld answer): a follow-up
    // left holding only "—" reads as a glitch, so it goes.
    for (let i = segment.sent.length - 1; i >= messages.length; i--) {
      await segment.surface.delete(i);
      segment.sent.length = i;
      segment.shown.length = i;
    }
    for (const [i, message] of messages.entries()) {
      const key = JSON.stringify({ ...message, files: message.files?.map((f) => f.name) });
      if (segment.sent[i] === key) continue;
      if (!message.content && !message.embeds?.length && !message.components?.length) continue;
      const isNew = segment.surface.messageId(i) === undefined;
      await segment.surface.write(i, message);
      const messageId = segment.surface.messageId(i);
      if (isNew && messageId && this.options.onShown) {
        this.shownIds.push({ channelId: segment.surface.channelId, messageId });
        this.options.onShown([...this.shownIds]);
      }
      if (this.firstVisibleAt === undefined && message.content) this.firstVisibleAt = performance.now();
      segment.sent[i] = key;
      segment.shown[i] = message.content?.length ?? 0;
    }
  }

  private render(offset: number): OutgoingMessage[] {
    const { maxMessages } = this.options;
    const final = this.result;
    const answer = (final ? final.answer : this.progress.answer).slice(offset);
    const split = splitAnswer(answer, PIECE_LIMIT);
    const pieces = answer.length === 0 ? [] : split.pieces;
    const visible = Math.min(split.clean, maxMessages, pieces.length);
    const more = pieces.length > visible;
    const messages: OutgoingMessage[] = pieces
      .slice(0, visible)
      .map((content) => ({ content, components: [] }));
    if (messages.length === 0) messages.push({ components: [] });
    const last = messages[messages.length - 1]!;
    last.embeds = [this.statusEmbed(more)];
    last.components = final ? this.finalComponents : this.stopButton();
    if (final && more) {
      const full = final.answer;
      last.files = [{ name: 'answer.md', data: Buffer.from(full, 'utf8') }];
    }
    const reasoning = final ? final.reasoning : this.progress.reasoning;
    if (this.options.showReasoning === 'spoiler' && reasoning.trim() && offset === 0) {
      const first = messages[0]!;
      first.embeds = [reasoningEmbed(reasoning), ...(first.embeds ?? [])];
    }
    return messages;
  }

  private statusEmbed(more: boolean): APIEmbed {
    const final = this.result;
    const name = this.options.modelName;
    if (!final) {
      const waiting = this.progress.answer.length === 0;
      const what = this.progress.thinking
        ? 'thinking…'
        : waiting
          ? 'waiting for the first token…'
          : 'writing…';
      return {
        color: 0x718096,
        footer: { text: `${name} · ${what}` },
        ...(more ? { description: 'The rest will be attached as a file when the answer is complete.' } : {}),
      };
    }
    const notes = [final.notice, more ? 'The whole answer is attached as answer.md.' : undefined].filter(
      Boolean,
    );
    return {
      color: final.outcome === 'ok' ? 0x2f855a : final.outcome === 'length' ? 0xb7791f : 0xc53030,
      ...(notes.length ? { description: truncate(notes.join('\n'), 4096) } : {}),
      footer: { text: truncate(footerText(final), 2048) },
    };
  }

  private stopButton(): Components {
    if (!this.options.stopCustomId) return [];
    return [
      {
        type: ComponentType.ActionRow,
        components: [
          {
            type: ComponentType.Button,
            style: ButtonStyle.Danger,
            label: 'Stop',
            custom_id: this.options.stopCustomId,
          },
        ],
      },
    ];
  }
}

class DeadSurface implements Surface {
  readonly kind = 'channel';
  readonly channelId = '';
  write(): Promise<void> {
    return Promise.resolve();
  }
  delete(): Promise<void> {
    return Promise.resolve();
  }
  messageId(): string | undefined {
    return undefined;
  }
}

/** "Granite 3.0 2B Instruct · HF Inference Providers (auto) · first token 0.4 s · 42 tok/s" */
export function footerText(result: GenerationResult): string {
  const parts = [result.model.name, result.provider];
  if (result.firstTokenMs !== undefined)
    parts.push(`first token ${(result.firstTokenMs / 1000).toFixed(1)} s`);
  if (result.tokensPerSecond !== undefined) parts.push(`${result.tokensPerSecond.toFixed(0)} tok/s`);
  return parts.join(' · ');
}

function reasoningEmbed(reasoning: string): APIEmbed {
  // Shown collapsed as a spoiler; a `||` inside would end it early.
  const text = reasoning.trim().replaceAll('||', '|\u200b|');
  const tail = text.length > 4000 ? `…${text.slice(-3990)}` : text;
  return { title: 'Reasoning', color: 0x4a5568, description: `||${tail}||` };
}
