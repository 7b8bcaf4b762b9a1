// The shapes tests read: messages as a user would see them, REST calls as the bot made them.

export interface Attachment {
  id: string;
  filename: string;
  size: number;
  data: Buffer;
  contentType?: string;
  description?: string;
}

export interface Message {
  id: string;
  channelId: string;
  guildId?: string;
  authorId: string;
  content: string;
  // biome-ignore lint/suspicious/noExplicitAny: raw Discord API embeds, as the bot sent them
  embeds: any[];
  // biome-ignore lint/suspicious/noExplicitAny: raw Discord API components, as the bot sent them
  components: any[];
  attachments: Attachment[];
  flags: number;
  allowedMentions?: unknown;
  /** Date.now() of the last edit. */
  editedAt?: number;
  /** Date.now() at creation. */
  createdAt: number;
  reactions?: never;
  /** The thread started from this message, if any. */
  threadId?: string;
  /** The message this one replies to (message_reference.message_id). */
  replyTo?: string;
}

export interface RestCall {
  method: string;
  /** Without the /api/v10 prefix and without the query string, e.g. `/channels/123/messages`. */
  path: string;
  query: Record<string, string>;
  /** Parsed JSON body (for multipart, the parsed `payload_json`). */
  body: unknown;
  /** Files of a multipart body. */
  files?: Array<{ name: string; size: number }>;
  /** HTTP status answered; 0 while the request is still held or in progress. */
  status: number;
  /** performance.now() when the request arrived. */
  at: number;
}

export type Fault =
  | { status: 429; retryAfter: number; global?: boolean }
  | { status: 500 | 502 | 503 }
  /** An error Discord answers with a JSON body of its own, e.g. 400 code 50035 with `errors`. */
  | { status: 400 | 403 | 404; body: unknown };

export interface ThreadInfo {
  id: string;
  name: string;
  messageId?: string;
  appliedTags?: string[];
}

export interface InteractionResponse {
  type: number;
  // biome-ignore lint/suspicious/noExplicitAny: raw callback data as the bot sent it
  data: any;
  latencyMs: number;
}

export interface Interaction {
  readonly id: string;
  readonly token: string;
  /** First callback the bot made (4 reply, 5 deferred, 6 deferred update, 7 update, 8 autocomplete, 9 modal). */
  firstResponse(timeoutMs?: number): Promise<InteractionResponse>;
  /** The user-visible outcome: a reply, an update, or the first edit of @original after a deferral. */
  reply(timeoutMs?: number): Promise<Message>;
  followUps(): Message[];
  waitForFollowUp(pred?: (m: Message) => boolean, timeoutMs?: number): Promise<Message>;
  original(): Message | undefined;
  // biome-ignore lint/suspicious/noExplicitAny: raw modal data (type 9) as the bot sent it
  modal(): any | undefined;
  autocompleteChoices(timeoutMs?: number): Promise<Array<{ name: string; value: string | number }>>;
  ephemeral(): boolean;
  /** Resolves when the acknowledgement deadline has passed (acknowledged or not): lets a test act "too late" without sleeping. */
  deadlinePassed(): Promise<void>;
}
