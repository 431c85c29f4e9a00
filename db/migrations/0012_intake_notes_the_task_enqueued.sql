-- A task the webhook intake creates is noted enqueued in the same statement, instead of by a
-- second transaction after RQ took its job (a second commit and round trip per task on the
-- request path): the request that created it enqueues it right after this commits. When Redis
-- refuses the job the receiver clears the note (db.tasks.clear_enqueued, on that failure path
-- only); a receiver that dies between the commit and the enqueue leaves the note set, and the
-- reconciler still finds the task, because it looks at every queued task older than its
-- `queued_for` (coalesce(enqueued_at, created_at)) and asks RQ whether it holds the job.
-- The function is otherwise 0011's.

CREATE OR REPLACE FUNCTION app_intake_task(p_d jsonb, p_tenant_id bigint, p_task jsonb, p_done text,
    OUT r_status integer, OUT r_outcome text, OUT r_detail text, OUT r_task_id bigint,
    OUT r_tenant_id bigint, OUT r_kind text, OUT r_queue text, OUT r_trace_id text)
    LANGUAGE plpgsql VOLATILE SET search_path = public, pg_temp
    AS $$
DECLARE
    v_repository_id bigint;
    what text := format('%s task for #%s', p_task ->> 'kind', p_task ->> 'number');
BEGIN
    r_status := 202;
    r_detail := concat_ws('; ', p_done, what);
    PERFORM app_intake_record(p_d, p_tenant_id, 'accepted', r_detail);
    v_repository_id := app_intake_upsert_repositories(
        p_tenant_id, jsonb_build_array(p_task -> 'repository'));
    -- ON CONFLICT instead of catching unique_violation: no subtransaction on the hot path
    INSERT INTO tasks (tenant_id, repository_id, kind, queue, subject, delivery_id, trace_id,
                       enqueued_at)
    VALUES (p_tenant_id, v_repository_id, p_task ->> 'kind', p_task ->> 'queue',
            p_task -> 'subject', p_d ->> 'delivery_id', p_task ->> 'trace_id', now())
    ON CONFLICT DO NOTHING
    RETURNING id, tenant_id, kind, queue, trace_id
        INTO r_task_id, r_tenant_id, r_kind, r_queue, r_trace_id;
    IF r_task_id IS NULL THEN
        r_outcome := CASE WHEN p_done IS NULL THEN 'ignored' ELSE 'accepted' END;
        r_detail := concat_ws('; ', p_done, format('a %s task for #%s is already queued or running',
                                                   p_task ->> 'kind', p_task ->> 'number'));
        UPDATE webhook_deliveries SET outcome = r_outcome, detail = r_detail
         WHERE delivery_id = p_d ->> 'delivery_id';
    ELSE
        r_outcome := 'accepted';
        UPDATE webhook_deliveries SET task_id = r_task_id
         WHERE delivery_id = p_d ->> 'delivery_id';
    END IF;
END
$$;
