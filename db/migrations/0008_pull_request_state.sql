-- What became of MorningAI's pull requests: the worker records `open` (and, when it opened the
-- pull request itself, when) as it records pr_number; the `pull_request` webhook (closed,
-- reopened) of one of our branches moves every task of that tenant and repository with that
-- pr_number to `merged` or `closed` (with GitHub's merged_at or closed_at) or back to `open`.
-- NULL: not one of our pull requests, or recorded before this migration (state unknown; the
-- next closed/reopened delivery for it fills it in).
-- `tasks` keeps row-level security enabled and forced (0001_core.sql); the app role's
-- table-wide SELECT/UPDATE grant covers the new columns, and it still owns nothing.

ALTER TABLE tasks
    ADD COLUMN pr_state     text CHECK (pr_state IN ('open', 'merged', 'closed')),
    -- when the worker opened the pull request (database time, like created_at); NULL when the
    -- task found one already open (a rerun, a revise) or recorded it before this migration
    ADD COLUMN pr_opened_at timestamptz,
    -- GitHub's merged_at for a merged one, closed_at for one closed unmerged
    ADD COLUMN pr_closed_at timestamptz,
    ADD CONSTRAINT tasks_pr_closed_at_matches_state
        CHECK ((pr_state IN ('merged', 'closed')) = (pr_closed_at IS NOT NULL));

-- the webhook finds a pull request's tasks by repository and number
CREATE INDEX tasks_pull_request_idx ON tasks (tenant_id, repository_id, pr_number)
    WHERE pr_number IS NOT NULL;
