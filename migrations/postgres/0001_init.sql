-- PostgreSQL twin of migrations/0001_init.sql: same version and name, so both engines share one
-- schema_migrations history. Instants stay ISO-8601 text, as the stores write them on SQLite.
CREATE TABLE guild_settings (
  guild_id text PRIMARY KEY,
  curator_role_id text,
  ideas_channel_id text,
  digest_channel_id text,
  time_zone text NOT NULL DEFAULT 'UTC',
  default_repo text,
  updated_at text NOT NULL,
  updated_by text
);
