-- What a task produced and what it cost: shown on the issue, summed per installation.
ALTER TABLE tasks
    ADD COLUMN model             text,
    ADD COLUMN prompt_hash       text,
    ADD COLUMN prompt_tokens     integer NOT NULL DEFAULT 0,
    ADD COLUMN completion_tokens integer NOT NULL DEFAULT 0,
    ADD COLUMN cost_usd          numeric(12, 6) NOT NULL DEFAULT 0,
    ADD COLUMN base_sha          text,
    ADD COLUMN branch            text,
    ADD COLUMN pr_number         integer,
    ADD COLUMN pr_url            text,
    ADD COLUMN status_comment_id bigint;

-- One live task per issue and kind: a second request while one runs is answered, not queued.
CREATE UNIQUE INDEX tasks_one_live_per_subject ON tasks
    (tenant_id, repository_id, kind, ((subject ->> 'number')))
    WHERE status IN ('queued', 'running');
