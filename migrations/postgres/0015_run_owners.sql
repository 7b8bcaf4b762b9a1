-- PostgreSQL twin of migrations/0015_run_owners.sql: the process streaming a run.
ALTER TABLE model_runs ADD COLUMN owner integer;
