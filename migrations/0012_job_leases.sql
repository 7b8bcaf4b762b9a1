-- Who runs the scheduled jobs when several bot processes share one database: one row per job
-- group, held by one process until its expiry, renewed while it lives, taken over once it lapses.
-- fence grows on every change of holder, so a process that lost the lease learns it on its next
-- renewal instead of working on beside the new holder. Times are epoch milliseconds of the
-- injected clock (src/db/lease.ts).
CREATE TABLE job_leases (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  fence INTEGER NOT NULL,
  acquired_at_ms INTEGER NOT NULL,
  renewed_at_ms INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL
);
