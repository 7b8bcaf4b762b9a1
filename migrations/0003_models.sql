-- Open models tried from Discord: every run (quotas and the digest read it), conversation
-- threads with their history, and per-server quotas.
CREATE TABLE model_runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  guild_id TEXT NOT NULL,
  channel_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  model TEXT NOT NULL,
  provider TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('try', 'compare', 'thread')),
  -- running, ok, stopped, cut, length, timeout, loading, busy, unknown_model, error,
  -- blocked_prompt, blocked_answer, guard_error
  outcome TEXT NOT NULL DEFAULT 'running',
  started_at TEXT NOT NULL,
  finished_at TEXT,
  first_token_ms INTEGER,
  duration_ms INTEGER,
  tokens_in INTEGER NOT NULL DEFAULT 0,
  tokens_out INTEGER NOT NULL DEFAULT 0,
  guard_policy TEXT,
  error TEXT
);
CREATE INDEX model_runs_guild_started ON model_runs (guild_id, started_at);
CREATE INDEX model_runs_user_started ON model_runs (guild_id, user_id, started_at);

CREATE TABLE model_threads (
  thread_id TEXT PRIMARY KEY,
  guild_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  model TEXT NOT NULL,
  system_prompt TEXT,
  created_at TEXT NOT NULL
);

CREATE TABLE model_thread_turns (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  thread_id TEXT NOT NULL REFERENCES model_threads (thread_id) ON DELETE CASCADE,
  role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
  content TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX model_thread_turns_thread ON model_thread_turns (thread_id, id);

-- NULL means "the operator's default" (TRY_* settings).
ALTER TABLE guild_settings ADD COLUMN try_user_daily_requests INTEGER;
ALTER TABLE guild_settings ADD COLUMN try_user_daily_tokens INTEGER;
ALTER TABLE guild_settings ADD COLUMN try_guild_daily_requests INTEGER;
ALTER TABLE guild_settings ADD COLUMN try_guild_daily_tokens INTEGER;
