-- Mining a repository's history into FAQ entries is incremental: each run reads only the
-- closed issues and merged pull requests updated after the last run's high-water mark.
ALTER TABLE repositories ADD COLUMN faq_mined_through timestamptz;
