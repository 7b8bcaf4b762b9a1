-- PostgreSQL twin of migrations/0013_delivery_claims.sql (same columns, same value formats).
-- A delivery is claimed by one process before it is posted; the claim lapses at claim_expires_at.
ALTER TABLE deliveries ADD COLUMN claimed_by text;
ALTER TABLE deliveries ADD COLUMN claim_expires_at text;
