-- Several inference platforms and images in /try: a thread keeps the platform its first answer
-- came from, and each turn the images it carried (JSON array of data URLs), so "Continue in
-- thread" sends them again with the history.
ALTER TABLE model_threads ADD COLUMN provider TEXT;
ALTER TABLE model_thread_turns ADD COLUMN images TEXT;
-- With a guard model, the public messages an answer has shown so far ([{channelId, messageId}]):
-- a process that dies mid-answer leaves them unscreened, so the next start removes them.
ALTER TABLE model_runs ADD COLUMN shown_messages TEXT;
