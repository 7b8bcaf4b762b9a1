-- PostgreSQL twin of migrations/0005_digest.sql.
ALTER TABLE guild_settings ADD COLUMN digest_weekday integer NOT NULL DEFAULT 1 CHECK (digest_weekday BETWEEN 1 AND 7);
ALTER TABLE guild_settings ADD COLUMN digest_hour integer NOT NULL DEFAULT 9 CHECK (digest_hour BETWEEN 0 AND 23);
ALTER TABLE guild_settings ADD COLUMN digest_quiet_weeks text NOT NULL DEFAULT 'post' CHECK (digest_quiet_weeks IN ('post', 'skip'));

CREATE TABLE digests (
  guild_id text NOT NULL,
  iso_week text NOT NULL,
  status text NOT NULL CHECK (status IN ('posting', 'posted', 'quiet', 'skipped', 'failed')),
  channel_id text,
  message_ids text NOT NULL DEFAULT '[]',
  scheduled_for text NOT NULL,
  claimed_at text NOT NULL,
  finished_at text,
  note text,
  PRIMARY KEY (guild_id, iso_week)
);

CREATE TABLE discord_users (
  user_id text PRIMARY KEY,
  is_bot integer NOT NULL CHECK (is_bot IN (0, 1)),
  name text,
  checked_at text NOT NULL
);
