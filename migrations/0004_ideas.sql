-- Ideas: submissions, votes, the audit trail, followers, drafts awaiting a similar-idea choice,
-- and the intents that make filing to GitHub happen at most once.
CREATE TABLE ideas (
  id INTEGER PRIMARY KEY,
  guild_id TEXT NOT NULL,
  -- The #N members see; numbered per server.
  number INTEGER NOT NULL,
  author_id TEXT NOT NULL,
  author_name TEXT NOT NULL,
  family TEXT,
  title TEXT NOT NULL,
  problem TEXT NOT NULL,
  proposal TEXT NOT NULL,
  evidence TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'new' CHECK (status IN
    ('new', 'needs_info', 'accepted', 'rejected', 'duplicate', 'filed', 'done', 'declined_upstream')),
  status_reason TEXT,
  duplicate_of INTEGER REFERENCES ideas(id),
  up_count INTEGER NOT NULL DEFAULT 0,
  down_count INTEGER NOT NULL DEFAULT 0,
  -- Where the idea's message lives; thread_id is its discussion (the post itself in a forum).
  channel_id TEXT,
  message_id TEXT,
  thread_id TEXT,
  is_forum INTEGER NOT NULL DEFAULT 0,
  issue_repo TEXT,
  issue_number INTEGER,
  issue_url TEXT,
  issue_etag TEXT,
  filed_at TEXT,
  -- Vote counts last written into the issue's bot-owned section; NULL forces a refresh.
  section_up INTEGER,
  section_down INTEGER,
  issue_synced_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (guild_id, number)
);
CREATE INDEX ideas_by_status ON ideas (guild_id, status, id);
CREATE INDEX ideas_by_author ON ideas (guild_id, author_id, created_at);
CREATE INDEX ideas_top ON ideas (guild_id, (up_count - down_count) DESC, up_count DESC, id DESC);
CREATE INDEX ideas_filed ON ideas (issue_repo, issue_number) WHERE issue_number IS NOT NULL;

CREATE VIRTUAL TABLE ideas_fts USING fts5 (
  title, problem, proposal, evidence,
  content = 'ideas', content_rowid = 'id', tokenize = 'porter unicode61'
);
CREATE TRIGGER ideas_fts_insert AFTER INSERT ON ideas BEGIN
  INSERT INTO ideas_fts (rowid, title, problem, proposal, evidence)
  VALUES (new.id, new.title, new.problem, new.proposal, new.evidence);
END;
CREATE TRIGGER ideas_fts_delete AFTER DELETE ON ideas BEGIN
  INSERT INTO ideas_fts (ideas_fts, rowid, title, problem, proposal, evidence)
  VALUES ('delete', old.id, old.title, old.problem, old.proposal, old.evidence);
END;
CREATE TRIGGER ideas_fts_update AFTER UPDATE OF title, problem, proposal, evidence ON ideas BEGIN
  INSERT INTO ideas_fts (ideas_fts, rowid, title, problem, proposal, evidence)
  VALUES ('delete', old.id, old.title, old.problem, old.proposal, old.evidence);
  INSERT INTO ideas_fts (rowid, title, problem, proposal, evidence)
  VALUES (new.id, new.title, new.problem, new.proposal, new.evidence);
END;

-- One vote per member per idea. merged_from marks votes carried over from a duplicate, so a
-- revised duplicate decision can take back exactly those.
CREATE TABLE idea_votes (
  idea_id INTEGER NOT NULL REFERENCES ideas(id),
  user_id TEXT NOT NULL,
  value INTEGER NOT NULL CHECK (value IN (1, -1)),
  voted_at TEXT NOT NULL,
  merged_from INTEGER REFERENCES ideas(id),
  PRIMARY KEY (idea_id, user_id)
) WITHOUT ROWID;
-- Covers the trending list (votes of the last days, summed per idea) without touching the table.
CREATE INDEX idea_votes_recent ON idea_votes (voted_at, idea_id, value);
CREATE INDEX idea_votes_merged ON idea_votes (merged_from) WHERE merged_from IS NOT NULL;

-- The audit trail: who did what to which idea, when and why.
CREATE TABLE idea_events (
  id INTEGER PRIMARY KEY,
  idea_id INTEGER NOT NULL REFERENCES ideas(id),
  actor_id TEXT NOT NULL,
  action TEXT NOT NULL,
  from_status TEXT,
  to_status TEXT,
  reason TEXT,
  detail TEXT,
  at TEXT NOT NULL
);
CREATE INDEX idea_events_by_idea ON idea_events (idea_id, id);
CREATE INDEX idea_events_by_time ON idea_events (at);

-- Who hears about an idea's status changes. A row with following = 0 is an opt-out that a
-- later vote must not undo.
CREATE TABLE idea_followers (
  idea_id INTEGER NOT NULL REFERENCES ideas(id),
  user_id TEXT NOT NULL,
  following INTEGER NOT NULL CHECK (following IN (0, 1)),
  since TEXT NOT NULL,
  PRIMARY KEY (idea_id, user_id)
) WITHOUT ROWID;

-- Members who want no idea notifications at all in a server.
CREATE TABLE idea_notification_optouts (
  guild_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  at TEXT NOT NULL,
  PRIMARY KEY (guild_id, user_id)
) WITHOUT ROWID;

-- A submitted modal waiting for its author to choose after seeing similar ideas.
CREATE TABLE idea_drafts (
  id INTEGER PRIMARY KEY,
  guild_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  user_name TEXT NOT NULL,
  family TEXT,
  title TEXT NOT NULL,
  problem TEXT NOT NULL,
  proposal TEXT NOT NULL,
  evidence TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL
);

-- Recorded before the GitHub call that files an idea. A pending row after a crash means
-- "the issue may exist": the retry looks for it (by its marker) before creating one.
CREATE TABLE idea_filings (
  idea_id INTEGER PRIMARY KEY REFERENCES ideas(id),
  repo TEXT NOT NULL,
  marker TEXT NOT NULL,
  labels TEXT NOT NULL DEFAULT '[]',
  state TEXT NOT NULL CHECK (state IN ('pending', 'done')),
  started_at TEXT NOT NULL,
  started_by TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 1,
  issue_number INTEGER,
  issue_url TEXT,
  finished_at TEXT
);
