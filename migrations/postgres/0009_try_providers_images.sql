-- PostgreSQL twin of migrations/0009_try_providers_images.sql.
-- A thread keeps the platform its first answer came from, and each turn its images (JSON array).
ALTER TABLE model_threads ADD COLUMN provider TEXT;
ALTER TABLE model_thread_turns ADD COLUMN images TEXT;
-- With a guard model, the public messages an answer has shown so far ([{channelId, messageId}]).
ALTER TABLE model_runs ADD COLUMN shown_messages TEXT;
