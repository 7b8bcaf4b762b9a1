-- PostgreSQL twin of migrations/0014_idea_claims.sql (same columns, same value formats): filings and
-- notice batches claimed by one process, the claim lapsing at claim_expires_at.
ALTER TABLE idea_filings ADD COLUMN claimed_by text;
ALTER TABLE idea_filings ADD COLUMN claim_expires_at text;
ALTER TABLE idea_notices ADD COLUMN claimed_by text;
ALTER TABLE idea_notices ADD COLUMN claim_expires_at text;
