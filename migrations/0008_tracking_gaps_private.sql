-- A delivery made by a poll that could not read back to the previous one (more releases or issue
-- updates were waiting than its bounded read-back reads): its "…and N more" line says "more than".
ALTER TABLE deliveries ADD COLUMN after_gap INTEGER NOT NULL DEFAULT 0;

-- A watch of a private repository is added only after a curator confirmed that its releases may
-- be posted where the channel's readers see them: who confirmed, and when (NULL for public ones).
ALTER TABLE watches ADD COLUMN private_confirmed_by TEXT;
ALTER TABLE watches ADD COLUMN private_confirmed_at TEXT;

-- A /watch add of a private repository waiting for its curator's "Watch it anyway": the request
-- as given (JSON), keyed by the random token its button carries; used once, within 15 minutes.
CREATE TABLE watch_confirmations (
  token TEXT PRIMARY KEY,
  guild_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  target TEXT NOT NULL,
  request TEXT NOT NULL,
  created_at TEXT NOT NULL
);
