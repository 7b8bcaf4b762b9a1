-- The weekly digest: its per-server schedule, the record that makes it once per ISO week,
-- and what we know of the Discord users it counts (to leave bots out).

-- ISO weekday 1 (Monday) … 7 (Sunday) and local hour 0-23, in guild_settings.time_zone.
ALTER TABLE guild_settings ADD COLUMN digest_weekday INTEGER NOT NULL DEFAULT 1 CHECK (digest_weekday BETWEEN 1 AND 7);
ALTER TABLE guild_settings ADD COLUMN digest_hour INTEGER NOT NULL DEFAULT 9 CHECK (digest_hour BETWEEN 0 AND 23);
-- What a week with nothing to show gets: 'post' a short note, or 'skip' (nothing at all).
ALTER TABLE guild_settings ADD COLUMN digest_quiet_weeks TEXT NOT NULL DEFAULT 'post' CHECK (digest_quiet_weeks IN ('post', 'skip'));

-- One row per server and ISO week (of the server's local week). The row is claimed before the
-- first message is sent, so a restart or a second job run never posts the week again.
CREATE TABLE digests (
  guild_id TEXT NOT NULL,
  iso_week TEXT NOT NULL,                 -- e.g. '2026-W13'
  status TEXT NOT NULL CHECK (status IN ('posting', 'posted', 'quiet', 'skipped', 'failed')),
  channel_id TEXT,
  message_ids TEXT NOT NULL DEFAULT '[]', -- JSON array, in posting order
  scheduled_for TEXT NOT NULL,            -- the slot this week's post belonged to (ISO instant)
  claimed_at TEXT NOT NULL,
  finished_at TEXT,
  note TEXT,                              -- why it was skipped or failed, for the operator
  PRIMARY KEY (guild_id, iso_week)
);

-- Discord users seen in counted activity, with Discord's own bot flag (GET /users/:id), so every
-- digest count can leave bot accounts out. Filled lazily by the digest job before it builds.
CREATE TABLE discord_users (
  user_id TEXT PRIMARY KEY,
  is_bot INTEGER NOT NULL CHECK (is_bot IN (0, 1)),
  name TEXT,
  checked_at TEXT NOT NULL
);
