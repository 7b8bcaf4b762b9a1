-- PostgreSQL twin of migrations/0006_issue_activity.sql.
ALTER TABLE events ADD COLUMN state text CHECK (state IN ('open', 'closed'));
ALTER TABLE events ADD COLUMN closed_at text;
CREATE INDEX events_by_closed ON events (closed_at) WHERE closed_at IS NOT NULL;
