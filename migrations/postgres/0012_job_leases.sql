-- PostgreSQL twin of migrations/0012_job_leases.sql (see there, and src/db/lease.ts).
CREATE TABLE job_leases (
  name text PRIMARY KEY,
  holder text NOT NULL,
  fence bigint NOT NULL,
  acquired_at_ms bigint NOT NULL,
  renewed_at_ms bigint NOT NULL,
  expires_at_ms bigint NOT NULL
);
