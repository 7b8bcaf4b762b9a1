// The tables of migrations/ as Kysely sees them, the same for SQLite and PostgreSQL: text columns
// hold what the stores write today (ISO instants as text, JSON as text, 0/1 flags as integers), so a
// store moves to Kysely without changing a single value. COLUMNS repeats the names at run time, and
// test/db-schema.test.ts compares both with the real schema of each engine, so they cannot drift.
import type { ColumnType, Generated } from 'kysely';

/** A column with a default: optional on insert, always there on select. */
type Defaulted<T> = ColumnType<T, T | undefined, T>;

export interface SchemaMigrationsTable {
  version: number;
  name: string;
  checksum: string;
  applied_at: string;
}

export interface GuildSettingsTable {
  guild_id: string;
  curator_role_id: string | null;
  ideas_channel_id: string | null;
  digest_channel_id: string | null;
  time_zone: Defaulted<string>;
  default_repo: string | null;
  updated_at: string;
  updated_by: string | null;
  /** NULL: the operator's TRY_* default. */
  try_user_daily_requests: number | null;
  try_user_daily_tokens: number | null;
  try_guild_daily_requests: number | null;
  try_guild_daily_tokens: number | null;
  /** ISO weekday 1 (Monday) … 7. */
  digest_weekday: Defaulted<number>;
  digest_hour: Defaulted<number>;
  digest_quiet_weeks: Defaulted<'post' | 'skip'>;
}

export interface WatchesTable {
  id: Generated<number>;
  guild_id: string;
  channel_id: string;
  source: 'github' | 'huggingface';
  target: string;
  target_key: string;
  kinds: 'releases' | 'issues' | 'both' | 'models';
  prereleases: Defaulted<'include' | 'exclude' | 'only'>;
  /** JSON array of lower-case label names. */
  labels: string | null;
  preset: string | null;
  created_at: string;
  created_by: string | null;
  failing_since_at: string | null;
  last_error: string | null;
  /** Who confirmed a private repository may be posted, and when (migration 0008); NULL for public ones. */
  private_confirmed_by: string | null;
  private_confirmed_at: string | null;
}

/** A /watch add of a private repository waiting for the curator's confirmation (migration 0008). */
export interface WatchConfirmationsTable {
  token: string;
  guild_id: string;
  user_id: string;
  target: string;
  /** The request as given, JSON. */
  request: string;
  created_at: string;
}

export interface SourceStateTable {
  source: string;
  target_key: string;
  kind: 'releases' | 'issues' | 'models';
  target: string;
  etag: string | null;
  cursor: string | null;
  baseline_at: string | null;
  next_poll_at: string;
  last_poll_at: string | null;
  last_success_at: string | null;
  last_error: string | null;
  last_error_at: string | null;
}

export interface EventsTable {
  id: Generated<number>;
  source: string;
  target_key: string;
  kind: string;
  external_id: string;
  target: string;
  title: string;
  url: string;
  author: string | null;
  body: string | null;
  /** 0 or 1. */
  prerelease: Defaulted<number>;
  /** JSON array of label names (issues) or tags (models). */
  labels: string | null;
  /** JSON object of extra facts. */
  details: string | null;
  published_at: string;
  first_seen_at: string;
  updated_at: string;
  /** 1: seen by the first poll of its source, never announced. */
  baseline: Defaulted<number>;
  state: 'open' | 'closed' | null;
  closed_at: string | null;
}

export interface DeliveriesTable {
  id: Generated<number>;
  event_id: number;
  watch_id: number;
  status: Defaulted<'pending' | 'sent' | 'skipped' | 'failed'>;
  channel_id: string;
  message_id: string | null;
  attempts: Defaulted<number>;
  last_error: string | null;
  created_at: string;
  sent_at: string | null;
  edited_at: string | null;
  /** 1: made by a poll that could not read back to the previous one (migration 0008). */
  after_gap: Defaulted<number>;
  /** The process posting it now, and when its claim lapses (ISO; migration 0013). NULL when unclaimed. */
  claimed_by: string | null;
  claim_expires_at: string | null;
}

export interface ModelRunsTable {
  id: Generated<number>;
  guild_id: string;
  channel_id: string;
  user_id: string;
  model: string;
  provider: string;
  kind: 'try' | 'compare' | 'thread';
  outcome: Defaulted<string>;
  started_at: string;
  finished_at: string | null;
  first_token_ms: number | null;
  duration_ms: number | null;
  tokens_in: Defaulted<number>;
  tokens_out: Defaulted<number>;
  guard_policy: string | null;
  error: string | null;
  /** JSON [{channelId, messageId}] of public messages shown while a guarded answer ran (migration 0009). */
  shown_messages: string | null;
  /** The process streaming it (src/db/liveness.ts; migration 0015); NULL on SQLite and older rows. */
  owner: number | null;
}

export interface ModelThreadsTable {
  thread_id: string;
  guild_id: string;
  user_id: string;
  model: string;
  system_prompt: string | null;
  created_at: string;
  /** The platform the thread's first answer came from (migration 0009). */
  provider: string | null;
}

export interface ModelThreadTurnsTable {
  id: Generated<number>;
  thread_id: string;
  role: 'user' | 'assistant';
  content: string;
  created_at: string;
  /** JSON array of data URLs the turn carried (migration 0009). */
  images: string | null;
}

export type IdeaStatusValue =
  | 'new'
  | 'needs_info'
  | 'accepted'
  | 'rejected'
  | 'duplicate'
  | 'filed'
  | 'done'
  | 'declined_upstream';

export interface IdeasTable {
  id: Generated<number>;
  guild_id: string;
  number: number;
  author_id: string;
  author_name: string;
  family: string | null;
  title: string;
  problem: string;
  proposal: string;
  evidence: Defaulted<string>;
  status: Defaulted<IdeaStatusValue>;
  status_reason: string | null;
  duplicate_of: number | null;
  up_count: Defaulted<number>;
  down_count: Defaulted<number>;
  channel_id: string | null;
  message_id: string | null;
  thread_id: string | null;
  /** 0 or 1. */
  is_forum: Defaulted<number>;
  issue_repo: string | null;
  issue_number: number | null;
  issue_url: string | null;
  issue_etag: string | null;
  filed_at: string | null;
  section_up: number | null;
  section_down: number | null;
  issue_synced_at: string | null;
  created_at: string;
  updated_at: string;
  /** 1 until the idea's post in the ideas channel happened. */
  publish_pending: Defaulted<number>;
}

export interface IdeaVotesTable {
  idea_id: number;
  user_id: string;
  value: 1 | -1;
  voted_at: string;
  merged_from: number | null;
}

export interface IdeaEventsTable {
  id: Generated<number>;
  idea_id: number;
  actor_id: string;
  action: string;
  from_status: string | null;
  to_status: string | null;
  reason: string | null;
  detail: string | null;
  at: string;
}

export interface IdeaFollowersTable {
  idea_id: number;
  user_id: string;
  /** 0: an opt-out a later vote must not undo. */
  following: 0 | 1;
  since: string;
}

export interface IdeaNotificationOptoutsTable {
  guild_id: string;
  user_id: string;
  at: string;
}

export interface IdeaDraftsTable {
  id: Generated<number>;
  guild_id: string;
  user_id: string;
  user_name: string;
  family: string | null;
  title: string;
  problem: string;
  proposal: string;
  evidence: Defaulted<string>;
  created_at: string;
}

export interface IdeaFilingsTable {
  idea_id: number;
  repo: string;
  marker: string;
  /** JSON array. */
  labels: Defaulted<string>;
  state: 'pending' | 'done';
  started_at: string;
  started_by: string;
  attempts: Defaulted<number>;
  issue_number: number | null;
  issue_url: string | null;
  finished_at: string | null;
  /** The process calling GitHub for it now, and when that claim lapses (ISO; migration 0014). */
  claimed_by: string | null;
  claim_expires_at: string | null;
}

export interface DigestsTable {
  guild_id: string;
  /** e.g. 2026-W13 */
  iso_week: string;
  status: 'posting' | 'posted' | 'quiet' | 'skipped' | 'failed';
  channel_id: string | null;
  /** JSON array, in posting order. */
  message_ids: Defaulted<string>;
  scheduled_for: string;
  claimed_at: string;
  finished_at: string | null;
  note: string | null;
}

export interface DiscordUsersTable {
  user_id: string;
  is_bot: 0 | 1;
  name: string | null;
  checked_at: string;
}

export interface IdeaNoticesTable {
  id: Generated<number>;
  idea_id: number;
  batch: number;
  user_id: string;
  text: string;
  state: Defaulted<'pending' | 'sent' | 'blocked' | 'noted'>;
  created_at: string;
  /** The process sending the batch, and when that claim lapses (ISO; migration 0014). */
  claimed_by: string | null;
  claim_expires_at: string | null;
}

/** Servers that opted into the public web board (migration 0010). */
export interface WebBoardsTable {
  guild_id: string;
  visibility: 'public' | 'off';
  updated_at: string;
  updated_by: string;
}

/** Each weekly digest as posted, for the web board (migration 0010). */
export interface WebDigestsTable {
  guild_id: string;
  iso_week: string;
  posted_at: string;
  digest_json: string;
  chart_png: Buffer | null;
}

/** Who runs the scheduled jobs (migration 0012); see src/db/lease.ts. */
export interface JobLeasesTable {
  name: string;
  holder: string;
  /** Raised on every take-over: a holder that lost the lease finds a newer fence. */
  fence: number;
  acquired_at_ms: number;
  renewed_at_ms: number;
  expires_at_ms: number;
}

export interface DB {
  schema_migrations: SchemaMigrationsTable;
  guild_settings: GuildSettingsTable;
  watches: WatchesTable;
  source_state: SourceStateTable;
  events: EventsTable;
  deliveries: DeliveriesTable;
  model_runs: ModelRunsTable;
  model_threads: ModelThreadsTable;
  model_thread_turns: ModelThreadTurnsTable;
  ideas: IdeasTable;
  idea_votes: IdeaVotesTable;
  idea_events: IdeaEventsTable;
  idea_followers: IdeaFollowersTable;
  idea_notification_optouts: IdeaNotificationOptoutsTable;
  idea_drafts: IdeaDraftsTable;
  idea_filings: IdeaFilingsTable;
  digests: DigestsTable;
  discord_users: DiscordUsersTable;
  idea_notices: IdeaNoticesTable;
  watch_confirmations: WatchConfirmationsTable;
  web_boards: WebBoardsTable;
  web_digests: WebDigestsTable;
  job_leases: JobLeasesTable;
}

/**
 * Full-text search is the one place the engines differ: SQLite keeps an FTS5 table beside
 * `ideas` (ideas_fts and its shadow tables), PostgreSQL a generated tsvector column on it. Neither
 * is in DB: src/ideas/search*.ts reach them with engine-specific SQL (search_length is the
 * tsvector's length in words, for bm25).
 */
export const SQLITE_ONLY_TABLES = ['ideas_fts'] as const;
export const POSTGRES_ONLY_COLUMNS = { ideas: ['search', 'search_length'] } as const;

/** Exactly the keys of a table interface, checked by tsc in both directions. */
const exactly =
  <Keys extends string>() =>
  <const C extends readonly Keys[]>(
    columns: C &
      ([Exclude<Keys, C[number]>] extends [never] ? unknown : { missing: Exclude<Keys, C[number]> }),
  ): C =>
    columns;
const cols = <T extends keyof DB>() => exactly<keyof DB[T] & string>();

/** Every table's columns at run time, for the drift test and for `npm run db:copy`. */
export const COLUMNS = {
  schema_migrations: cols<'schema_migrations'>()(['version', 'name', 'checksum', 'applied_at']),
  guild_settings: cols<'guild_settings'>()([
    'guild_id',
    'curator_role_id',
    'ideas_channel_id',
    'digest_channel_id',
    'time_zone',
    'default_repo',
    'updated_at',
    'updated_by',
    'try_user_daily_requests',
    'try_user_daily_tokens',
    'try_guild_daily_requests',
    'try_guild_daily_tokens',
    'digest_weekday',
    'digest_hour',
    'digest_quiet_weeks',
  ]),
  watches: cols<'watches'>()([
    'id',
    'guild_id',
    'channel_id',
    'source',
    'target',
    'target_key',
    'kinds',
    'prereleases',
    'labels',
    'preset',
    'created_at',
    'created_by',
    'failing_since_at',
    'last_error',
    'private_confirmed_by',
    'private_confirmed_at',
  ]),
  source_state: cols<'source_state'>()([
    'source',
    'target_key',
    'kind',
    'target',
    'etag',
    'cursor',
    'baseline_at',
    'next_poll_at',
    'last_poll_at',
    'last_success_at',
    'last_error',
    'last_error_at',
  ]),
  events: cols<'events'>()([
    'id',
    'source',
    'target_key',
    'kind',
    'external_id',
    'target',
    'title',
    'url',
    'author',
    'body',
    'prerelease',
    'labels',
    'details',
    'published_at',
    'first_seen_at',
    'updated_at',
    'baseline',
    'state',
    'closed_at',
  ]),
  deliveries: cols<'deliveries'>()([
    'id',
    'event_id',
    'watch_id',
    'status',
    'channel_id',
    'message_id',
    'attempts',
    'last_error',
    'created_at',
    'sent_at',
    'edited_at',
    'after_gap',
    'claimed_by',
    'claim_expires_at',
  ]),
  model_runs: cols<'model_runs'>()([
    'id',
    'guild_id',
    'channel_id',
    'user_id',
    'model',
    'provider',
    'kind',
    'outcome',
    'started_at',
    'finished_at',
    'first_token_ms',
    'duration_ms',
    'tokens_in',
    'tokens_out',
    'guard_policy',
    'error',
    'shown_messages',
    'owner',
  ]),
  model_threads: cols<'model_threads'>()([
    'thread_id',
    'guild_id',
    'user_id',
    'model',
    'system_prompt',
    'created_at',
    'provider',
  ]),
  model_thread_turns: cols<'model_thread_turns'>()([
    'id',
    'thread_id',
    'role',
    'content',
    'created_at',
    'images',
  ]),
  ideas: cols<'ideas'>()([
    'id',
    'guild_id',
    'number',
    'author_id',
    'author_name',
    'family',
    'title',
    'problem',
    'proposal',
    'evidence',
    'status',
    'status_reason',
    'duplicate_of',
    'up_count',
    'down_count',
    'channel_id',
    'message_id',
    'thread_id',
    'is_forum',
    'issue_repo',
    'issue_number',
    'issue_url',
    'issue_etag',
    'filed_at',
    'section_up',
    'section_down',
    'issue_synced_at',
    'created_at',
    'updated_at',
    'publish_pending',
  ]),
  idea_votes: cols<'idea_votes'>()(['idea_id', 'user_id', 'value', 'voted_at', 'merged_from']),
  idea_events: cols<'idea_events'>()([
    'id',
    'idea_id',
    'actor_id',
    'action',
    'from_status',
    'to_status',
    'reason',
    'detail',
    'at',
  ]),
  idea_followers: cols<'idea_followers'>()(['idea_id', 'user_id', 'following', 'since']),
  idea_notification_optouts: cols<'idea_notification_optouts'>()(['guild_id', 'user_id', 'at']),
  idea_drafts: cols<'idea_drafts'>()([
    'id',
    'guild_id',
    'user_id',
    'user_name',
    'family',
    'title',
    'problem',
    'proposal',
    'evidence',
    'created_at',
  ]),
  idea_filings: cols<'idea_filings'>()([
    'idea_id',
    'repo',
    'marker',
    'labels',
    'state',
    'started_at',
    'started_by',
    'attempts',
    'issue_number',
    'issue_url',
    'finished_at',
    'claimed_by',
    'claim_expires_at',
  ]),
  digests: cols<'digests'>()([
    'guild_id',
    'iso_week',
    'status',
    'channel_id',
    'message_ids',
    'scheduled_for',
    'claimed_at',
    'finished_at',
    'note',
  ]),
  discord_users: cols<'discord_users'>()(['user_id', 'is_bot', 'name', 'checked_at']),
  idea_notices: cols<'idea_notices'>()([
    'id',
    'idea_id',
    'batch',
    'user_id',
    'text',
    'state',
    'created_at',
    'claimed_by',
    'claim_expires_at',
  ]),
  watch_confirmations: cols<'watch_confirmations'>()([
    'token',
    'guild_id',
    'user_id',
    'target',
    'request',
    'created_at',
  ]),
  web_boards: cols<'web_boards'>()(['guild_id', 'visibility', 'updated_at', 'updated_by']),
  web_digests: cols<'web_digests'>()(['guild_id', 'iso_week', 'posted_at', 'digest_json', 'chart_png']),
  job_leases: cols<'job_leases'>()([
    'name',
    'holder',
    'fence',
    'acquired_at_ms',
    'renewed_at_ms',
    'expires_at_ms',
  ]),
} satisfies { [T in keyof DB]: readonly string[] };
