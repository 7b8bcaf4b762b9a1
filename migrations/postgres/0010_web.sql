-- PostgreSQL twin of migrations/0010_web.sql: which servers opted into the web board, and each
-- weekly digest as it was posted.
CREATE TABLE web_boards (
  guild_id TEXT PRIMARY KEY,
  visibility TEXT NOT NULL CHECK (visibility IN ('public', 'off')),
  updated_at TEXT NOT NULL,
  updated_by TEXT NOT NULL
);

CREATE TABLE web_digests (
  guild_id TEXT NOT NULL,
  iso_week TEXT NOT NULL,
  posted_at TEXT NOT NULL,
  digest_json TEXT NOT NULL,
  chart_png BYTEA,
  PRIMARY KEY (guild_id, iso_week)
);
