-- Tracking: what each channel watches, one polling state per (source, target, kind) shared by
-- every watch of it, every event seen (the digest reads it), and one delivery per (event, watch).

CREATE TABLE watches (
  id INTEGER PRIMARY KEY,
  guild_id TEXT NOT NULL,
  channel_id TEXT NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('github', 'huggingface')),
  -- as GitHub or the Hub spell it (owner/repo or organisation); target_key is its lower case
  target TEXT NOT NULL,
  target_key TEXT NOT NULL,
  -- 'releases', 'issues', 'both' (GitHub) or 'models' (Hugging Face)
  kinds TEXT NOT NULL CHECK (kinds IN ('releases', 'issues', 'both', 'models')),
  prereleases TEXT NOT NULL DEFAULT 'include' CHECK (prereleases IN ('include', 'exclude', 'only')),
  -- JSON array of lower-case label names; an issue matches when it has any of them
  labels TEXT,
  preset TEXT,
  created_at TEXT NOT NULL,
  created_by TEXT,
  failing_since_at TEXT,
  last_error TEXT
);
CREATE INDEX watches_by_guild ON watches (guild_id);
CREATE INDEX watches_by_target ON watches (source, target_key);

CREATE TABLE source_state (
  source TEXT NOT NULL,
  target_key TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('releases', 'issues', 'models')),
  target TEXT NOT NULL,
  -- the strong ETag of the last 200 answer; sent as If-None-Match only when present
  etag TEXT,
  -- releases: unused; issues: highest issue number seen; models: unused
  cursor TEXT,
  baseline_at TEXT,
  next_poll_at TEXT NOT NULL,
  last_poll_at TEXT,
  last_success_at TEXT,
  last_error TEXT,
  last_error_at TEXT,
  PRIMARY KEY (source, target_key, kind)
);
CREATE INDEX source_state_due ON source_state (next_poll_at);

CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  source TEXT NOT NULL,
  target_key TEXT NOT NULL,
  kind TEXT NOT NULL,
  -- releases: the tag (a tag deleted and re-created is the same release); issues: the number;
  -- models: the model id
  external_id TEXT NOT NULL,
  target TEXT NOT NULL,
  title TEXT NOT NULL,
  url TEXT NOT NULL,
  author TEXT,
  body TEXT,
  prerelease INTEGER NOT NULL DEFAULT 0,
  -- JSON array of label names (issues) or of tags (models)
  labels TEXT,
  -- JSON object of extra facts (pipeline tag, library, licence)
  details TEXT,
  published_at TEXT NOT NULL,
  first_seen_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  -- seen by the first poll of its source: kept for the record, never announced
  baseline INTEGER NOT NULL DEFAULT 0,
  UNIQUE (source, target_key, kind, external_id)
);
CREATE INDEX events_by_published ON events (published_at);

CREATE TABLE deliveries (
  id INTEGER PRIMARY KEY,
  event_id INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  watch_id INTEGER NOT NULL REFERENCES watches (id) ON DELETE CASCADE,
  -- pending → sent; or skipped (summarised in an "and N more" line) or failed (Discord rejected it)
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'skipped', 'failed')),
  channel_id TEXT NOT NULL,
  message_id TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  created_at TEXT NOT NULL,
  sent_at TEXT,
  edited_at TEXT,
  UNIQUE (event_id, watch_id)
);
CREATE INDEX deliveries_pending ON deliveries (status, watch_id);
