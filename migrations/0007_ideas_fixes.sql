-- An idea whose post in the ideas channel has not happened yet (Discord failed, or the process
-- stopped between saving and posting). The retry job posts these; 0 once posted or when the
-- server has no ideas channel.
ALTER TABLE ideas ADD COLUMN publish_pending INTEGER NOT NULL DEFAULT 0;
CREATE INDEX ideas_publish_pending ON ideas (id) WHERE publish_pending = 1;
