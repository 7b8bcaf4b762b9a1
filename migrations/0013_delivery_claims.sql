-- Several bot processes may share one database (PostgreSQL): a delivery is claimed by one of them
-- before it is posted. claimed_by names the process; claim_expires_at (ISO, the injected clock) is
-- when the claim lapses. A process that dies mid-post leaves its deliveries 'pending' with a claim
-- that lapses: another process then posts them with the same nonce, and Discord hands back the
-- message it already took instead of a second one.
ALTER TABLE deliveries ADD COLUMN claimed_by TEXT;
ALTER TABLE deliveries ADD COLUMN claim_expires_at TEXT;
