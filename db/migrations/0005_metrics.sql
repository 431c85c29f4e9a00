-- Operations views across tenants, for GET /metrics and `morningai status`. Like the app_*
-- functions of 0001_core.sql these are narrow SECURITY DEFINER doors past row-level security:
-- they return counts, sums and the operational columns of tasks (ids, kind, state, times,
-- repository name, error), never issue text, comments, instructions or memory.

-- Deliveries by event and outcome (unattributed ones included).
CREATE FUNCTION app_metrics_deliveries()
    RETURNS TABLE (event text, outcome text, deliveries bigint)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$ SELECT event, outcome, count(*) FROM webhook_deliveries GROUP BY 1, 2 ORDER BY 1, 2 $$;

-- Tasks by kind and state.
CREATE FUNCTION app_metrics_tasks()
    RETURNS TABLE (kind text, status text, tasks bigint)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$ SELECT kind, status, count(*) FROM tasks GROUP BY 1, 2 ORDER BY 1, 2 $$;

-- How long finished tasks ran (their last attempt: started_at is set again by each claim), as
-- histogram buckets: `bucket` is the 1-based index of the first bound >= the duration, NULL
-- above the last bound. The caller makes the counts cumulative.
CREATE FUNCTION app_metrics_task_durations(p_bounds double precision[])
    RETURNS TABLE (kind text, status text, bucket integer, tasks bigint, seconds double precision)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    WITH d AS (
        SELECT kind, status,
               greatest(extract(epoch FROM finished_at - started_at), 0)::double precision AS s
          FROM tasks
         WHERE finished_at IS NOT NULL AND started_at IS NOT NULL
    )
    SELECT kind, status,
           (SELECT min(i) FROM generate_subscripts(p_bounds, 1) AS i WHERE d.s <= p_bounds[i]),
           count(*), sum(s)
      FROM d GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    $$;

-- Model usage by tenant: tokens and estimated cost summed over its tasks.
CREATE FUNCTION app_metrics_usage()
    RETURNS TABLE (tenant_id bigint, account_login text, prompt_tokens bigint,
                   completion_tokens bigint, cost_usd numeric)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    SELECT t.id, t.account_login, coalesce(sum(k.prompt_tokens), 0)::bigint,
           coalesce(sum(k.completion_tokens), 0)::bigint, coalesce(sum(k.cost_usd), 0)
      FROM tenants t JOIN tasks k ON k.tenant_id = t.id
     GROUP BY t.id, t.account_login ORDER BY t.id
    $$;

-- Tasks in the given states, for the operator: running first, then the oldest waiting;
-- finished ones most recent first. At most p_limit rows.
CREATE FUNCTION app_ops_tasks(p_statuses text[], p_limit integer)
    RETURNS TABLE (id bigint, tenant_id bigint, account_login text, kind text, queue text,
                   status text, repository text, number integer, attempts integer,
                   worker text, error text, created_at timestamptz, enqueued_at timestamptz,
                   started_at timestamptz, heartbeat_at timestamptz, finished_at timestamptz)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    SELECT k.id, k.tenant_id, t.account_login, k.kind, k.queue, k.status,
           coalesce(r.full_name, k.subject ->> 'repository'),
           CASE WHEN jsonb_typeof(k.subject -> 'number') = 'number'
                THEN (k.subject ->> 'number')::integer END,
           k.attempts, k.worker, k.error, k.created_at, k.enqueued_at, k.started_at,
           k.heartbeat_at, k.finished_at
      FROM tasks k
      JOIN tenants t ON t.id = k.tenant_id
      LEFT JOIN repositories r ON r.id = k.repository_id
     WHERE k.status = ANY (p_statuses)
     ORDER BY k.status <> 'running', k.finished_at DESC NULLS FIRST, k.id
     LIMIT p_limit
    $$;

REVOKE ALL ON FUNCTION app_metrics_deliveries() FROM PUBLIC;
REVOKE ALL ON FUNCTION app_metrics_tasks() FROM PUBLIC;
REVOKE ALL ON FUNCTION app_metrics_task_durations(double precision[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION app_metrics_usage() FROM PUBLIC;
REVOKE ALL ON FUNCTION app_ops_tasks(text[], integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_metrics_deliveries() TO morningai_app;
GRANT EXECUTE ON FUNCTION app_metrics_tasks() TO morningai_app;
GRANT EXECUTE ON FUNCTION app_metrics_task_durations(double precision[]) TO morningai_app;
GRANT EXECUTE ON FUNCTION app_metrics_usage() TO morningai_app;
GRANT EXECUTE ON FUNCTION app_ops_tasks(text[], integer) TO morningai_app;
