-- An idea whose post in the ideas channel has not happened yet (Discord failed, or the process
-- stopped between saving and posting). The retry job posts these; 0 once posted or when the
-- server has no ideas channel.
ALTER TABLE ideas ADD COLUMN publish_pending INTEGER NOT NULL DEFAULT 0;
CREATE INDEX ideas_publish_pending ON ideas (id) WHERE publish_pending = 1;

-- Status notices, one row per recipient, written when the change is made and sent afterwards:
-- a restart or a Discord outage delays a notice instead of losing it. A batch is one change;
-- recipients who block DMs (state 'blocked') get one shared note in the idea's thread.
CREATE TABLE idea_notices (
  id INTEGER PRIMARY KEY,
  idea_id INTEGER NOT NULL REFERENCES ideas(id),
  batch INTEGER NOT NULL,
  user_id TEXT NOT NULL,
  text TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'blocked', 'noted')),
  created_at TEXT NOT NULL
);
CREATE INDEX idea_notices_open ON idea_notices (batch) WHERE state IN ('pending', 'blocked');
