-- Which bot process is streaming a run (a random number per process start; NULL on rows from before).
-- With several processes on one PostgreSQL, a run left "running" is closed as soon as its process is
-- known to be gone (it no longer holds its liveness lock, src/db/liveness.ts), not after a timeout.
ALTER TABLE model_runs ADD COLUMN owner INTEGER;
