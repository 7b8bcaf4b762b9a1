-- The public web board: which servers opted in (off unless a curator made it public), and each
-- weekly digest as it was posted, so the board shows the post and not a later recount.
CREATE TABLE web_boards (
  guild_id TEXT PRIMARY KEY,
  visibility TEXT NOT NULL CHECK (visibility IN ('public', 'off')),
  updated_at TEXT NOT NULL,
  updated_by TEXT NOT NULL
);

CREATE TABLE web_digests (
  guild_id TEXT NOT NULL,
  iso_week TEXT NOT NULL,               -- e.g. '2026-W13'
  posted_at TEXT NOT NULL,
  digest_json TEXT NOT NULL,            -- the Digest the posted messages were rendered from
  chart_png BLOB,                       -- the chart attached to the post; NULL for a quiet week
  PRIMARY KEY (guild_id, iso_week)
);
