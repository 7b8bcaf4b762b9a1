-- A delivery made by a poll that could not read back to the previous one (more releases or issue
-- updates were waiting than its bounded read-back reads): its "…and N more" line says "more than".
ALTER TABLE deliveries ADD COLUMN after_gap INTEGER NOT NULL DEFAULT 0;
