-- Several inference platforms and images in /try: a thread keeps the platform its first answer
-- came from, and each turn the images it carried (JSON array of data URLs), so "Continue in
-- thread" sends them again with the history.
ALTER TABLE model_threads ADD COLUMN provider TEXT;
ALTER TABLE model_thread_turns ADD COLUMN images TEXT;
