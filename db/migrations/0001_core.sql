-- Core tables of the spine: tenants (one per GitHub App installation), repositories,
-- webhook deliveries, tasks and their event timeline. Every tenant-owned table carries
-- tenant_id with row-level security ENABLED and FORCED; the app runs as morningai_app,
-- which owns nothing, so it only ever sees the tenant named by `SET LOCAL app.tenant_id`.

CREATE EXTENSION IF NOT EXISTS vector;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'morningai_app') THEN
        CREATE ROLE morningai_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    END IF;
    -- lets a deployment that connects as the owner (e.g. Render) drop to the app role;
    -- where the role was made by someone else (embedded set-up) the app logs in as it instead
    BEGIN
        EXECUTE format('GRANT morningai_app TO %I', current_user);
    EXCEPTION WHEN insufficient_privilege THEN
        RAISE NOTICE 'morningai_app was created by another role; not granting it to %', current_user;
    END;
END
$$;

-- The tenant a transaction works for; NULL (and so no rows) when none was set.
CREATE FUNCTION app_current_tenant() RETURNS bigint
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT nullif(current_setting('app.tenant_id', true), '')::bigint $$;

CREATE TABLE tenants (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    installation_id bigint NOT NULL UNIQUE,
    account_login   text NOT NULL,
    account_id      bigint,
    account_type    text NOT NULL DEFAULT 'Organization',
    status          text NOT NULL DEFAULT 'active'
                    CHECK (status IN ('active', 'suspended', 'deleted')),
    permissions     jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE repositories (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    github_id   bigint NOT NULL,
    full_name   text NOT NULL,
    private     boolean NOT NULL DEFAULT false,
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, github_id)
);

CREATE TABLE webhook_deliveries (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id     text NOT NULL UNIQUE,
    tenant_id       bigint REFERENCES tenants (id) ON DELETE CASCADE,
    event           text NOT NULL,
    action          text,
    installation_id bigint,
    repository      text,
    sender          text,
    outcome         text NOT NULL CHECK (outcome IN ('accepted', 'ignored', 'rejected')),
    detail          text,
    task_id         bigint,
    received_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE tasks (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id     bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    repository_id bigint REFERENCES repositories (id) ON DELETE SET NULL,
    kind          text NOT NULL,
    queue         text NOT NULL DEFAULT 'default' CHECK (queue IN ('high', 'default', 'low')),
    status        text NOT NULL DEFAULT 'queued'
                  CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    subject       jsonb NOT NULL DEFAULT '{}'::jsonb,
    delivery_id   text,
    trace_id      text NOT NULL,
    attempts      integer NOT NULL DEFAULT 0,
    max_attempts  integer NOT NULL DEFAULT 3,
    error         text,
    worker        text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    enqueued_at   timestamptz,
    started_at    timestamptz,
    heartbeat_at  timestamptz,
    finished_at   timestamptz,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tasks_status_idx ON tasks (status, updated_at);
CREATE INDEX tasks_tenant_idx ON tasks (tenant_id, created_at DESC);

CREATE TABLE task_events (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id  bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    task_id    bigint NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    kind       text NOT NULL,
    message    text NOT NULL,
    data       jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX task_events_task_idx ON task_events (task_id, id);

-- Row-level security: enabled and forced everywhere a tenant owns rows.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['tenants', 'repositories', 'webhook_deliveries', 'tasks', 'task_events']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        -- The owner runs migrations and the few SECURITY DEFINER look-ups below.
        EXECUTE format('CREATE POLICY owner_maintenance ON %I TO %I USING (true) WITH CHECK (true)',
                       t, current_user);
    END LOOP;
END
$$;

CREATE POLICY tenant_isolation ON tenants TO morningai_app
    USING (id = app_current_tenant()) WITH CHECK (id = app_current_tenant());
CREATE POLICY tenant_isolation ON repositories TO morningai_app
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY tenant_isolation ON webhook_deliveries TO morningai_app
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY tenant_isolation ON tasks TO morningai_app
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY tenant_isolation ON task_events TO morningai_app
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());

GRANT USAGE ON SCHEMA public TO morningai_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON tenants, repositories, webhook_deliveries, tasks, task_events
    TO morningai_app;
-- LangGraph's PostgresSaver creates its own tables at set-up time.
GRANT CREATE ON SCHEMA public TO morningai_app;

-- The only cross-tenant doors: narrow SECURITY DEFINER functions that return ids, never content.

-- Which tenant an installation is, and whether it may get new work.
CREATE FUNCTION app_tenant_for_installation(p_installation_id bigint)
    RETURNS TABLE (tenant_id bigint, status text)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$ SELECT id, status FROM tenants WHERE installation_id = p_installation_id $$;

-- Installation lifecycle: create or update the tenant row and return its id.
CREATE FUNCTION app_upsert_installation(
    p_installation_id bigint, p_account_login text, p_account_id bigint,
    p_account_type text, p_status text, p_permissions jsonb
) RETURNS bigint
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    INSERT INTO tenants AS t (installation_id, account_login, account_id, account_type, status,
                              permissions)
    VALUES (p_installation_id, p_account_login, p_account_id, p_account_type, p_status,
            coalesce(p_permissions, '{}'::jsonb))
    ON CONFLICT (installation_id) DO UPDATE
        SET account_login = excluded.account_login,
            account_id = coalesce(excluded.account_id, t.account_id),
            account_type = excluded.account_type,
            status = excluded.status,
            permissions = CASE WHEN excluded.permissions = '{}'::jsonb THEN t.permissions
                               ELSE excluded.permissions END,
            updated_at = now()
    RETURNING id
    $$;

-- A delivery that cannot be attributed to a tenant (malformed, or no installation):
-- recorded without one. Returns false when the delivery id was seen before.
CREATE FUNCTION app_record_unattributed_delivery(
    p_delivery_id text, p_event text, p_action text, p_outcome text, p_detail text
) RETURNS boolean
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    WITH ins AS (
        INSERT INTO webhook_deliveries (delivery_id, event, action, outcome, detail)
        VALUES (p_delivery_id, p_event, p_action, p_outcome, p_detail)
        ON CONFLICT (delivery_id) DO NOTHING
        RETURNING 1
    )
    SELECT EXISTS (SELECT 1 FROM ins)
    $$;

-- The tenant a task belongs to: a job carries only the task id.
CREATE FUNCTION app_task_tenant(p_task_id bigint) RETURNS bigint
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$ SELECT tenant_id FROM tasks WHERE id = p_task_id $$;

-- Tasks the reconciler must look at: queued ones (maybe never enqueued) and running ones
-- whose heartbeat stopped (their worker died).
CREATE FUNCTION app_tasks_to_reconcile(p_queued_for interval, p_stale_after interval)
    RETURNS TABLE (task_id bigint, tenant_id bigint, status text, queue text, kind text,
                   attempts integer)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    SELECT id, tenant_id, status, queue, kind, attempts FROM tasks
     WHERE (status = 'queued' AND coalesce(enqueued_at, created_at) < now() - p_queued_for)
        OR (status = 'running' AND coalesce(heartbeat_at, started_at) < now() - p_stale_after)
     ORDER BY id
    $$;

REVOKE ALL ON FUNCTION app_tenant_for_installation(bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION app_upsert_installation(bigint, text, bigint, text, text, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION app_record_unattributed_delivery(text, text, text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION app_task_tenant(bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION app_tasks_to_reconcile(interval, interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_current_tenant() TO morningai_app;
GRANT EXECUTE ON FUNCTION app_tenant_for_installation(bigint) TO morningai_app;
GRANT EXECUTE ON FUNCTION app_upsert_installation(bigint, text, bigint, text, text, jsonb)
    TO morningai_app;
GRANT EXECUTE ON FUNCTION app_record_unattributed_delivery(text, text, text, text, text)
    TO morningai_app;
GRANT EXECUTE ON FUNCTION app_task_tenant(bigint) TO morningai_app;
GRANT EXECUTE ON FUNCTION app_tasks_to_reconcile(interval, interval) TO morningai_app;
