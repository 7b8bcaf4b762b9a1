-- Per-server settings. Features add their own columns in later migrations.
CREATE TABLE guild_settings (
  guild_id TEXT PRIMARY KEY,
  curator_role_id TEXT,
  ideas_channel_id TEXT,
  digest_channel_id TEXT,
  time_zone TEXT NOT NULL DEFAULT 'UTC',
  default_repo TEXT,
  updated_at TEXT NOT NULL,
  updated_by TEXT
);
