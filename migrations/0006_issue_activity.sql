-- Issue activity for the weekly digest ("issues opened, closed per repository"): the state each
-- tracked issue was last seen in, and when it was closed.
-- closed_at is set only for a close the tracker saw happen after its source's baseline: a close
-- that predates the watch is not news, so a new watch never reports old closes as this week's
-- activity. A reopened issue gets NULL again; closed again, the new time. Pull requests are never
-- stored, so they are never counted.
ALTER TABLE events ADD COLUMN state TEXT CHECK (state IN ('open', 'closed'));
ALTER TABLE events ADD COLUMN closed_at TEXT;
CREATE INDEX events_by_closed ON events (closed_at) WHERE closed_at IS NOT NULL;
