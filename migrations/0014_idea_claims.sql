-- Several bot processes may share one database (PostgreSQL). A filing is claimed by the process
-- calling GitHub (claimed_by, claim_expires_at: ISO, the injected clock) so that a second /idea file
-- elsewhere says "being filed" instead of searching for a marker the first call has not written yet
-- and creating a second issue; the claim is let go when the call ends, and lapses when its process
-- dies mid-call (a later attempt then looks for the marker first, as after a crash).
ALTER TABLE idea_filings ADD COLUMN claimed_by TEXT;
ALTER TABLE idea_filings ADD COLUMN claim_expires_at TEXT;
-- A notice batch is sent by the process that claimed it; a lapsed claim (its process died, or
-- Discord was down) is taken by exactly one other process.
ALTER TABLE idea_notices ADD COLUMN claimed_by TEXT;
ALTER TABLE idea_notices ADD COLUMN claim_expires_at TEXT;
