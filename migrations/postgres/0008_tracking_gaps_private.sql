-- PostgreSQL twin of migrations/0008_tracking_gaps_private.sql (same columns, same value formats).
-- A delivery made by a poll that could not read back to the previous one: its "…and N more" line
-- says "more than".
ALTER TABLE deliveries ADD COLUMN after_gap INTEGER NOT NULL DEFAULT 0;

-- Who confirmed that a private repository's releases may be posted, and when (NULL for public ones).
ALTER TABLE watches ADD COLUMN private_confirmed_by TEXT;
ALTER TABLE watches ADD COLUMN private_confirmed_at TEXT;

-- A /watch add of a private repository waiting for its curator's "Watch it anyway".
CREATE TABLE watch_confirmations (
  token TEXT PRIMARY KEY,
  guild_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  target TEXT NOT NULL,
  request TEXT NOT NULL,
  created_at TEXT NOT NULL
);
