-- Questions asked in chat (`chat_ask`) have no issue: their subject's number is always 0, so
-- "one live task per issue and kind" (0002_task_results.sql) let one question per repository
-- run at a time — a second person asking about the same repository was turned away. Two
-- questions are two tasks; the index keeps its rule for every other kind.
DROP INDEX tasks_one_live_per_subject;
CREATE UNIQUE INDEX tasks_one_live_per_subject ON tasks
    (tenant_id, repository_id, kind, ((subject ->> 'number')))
    WHERE status IN ('queued', 'running') AND kind <> 'chat_ask';
