-- The webhook intake in one call (github_app/intake.py): record the delivery, upsert the tenant
-- and repositories its intent needs, create the task, link the two, and say what to answer —
-- one statement, sent with BEGIN and COMMIT in one pipelined round trip.
--
-- Not SECURITY DEFINER: the function runs as the caller, the app role, and is only a batch of
-- the statements the app role sent one by one before. Row-level security stays forced on every
-- tenant row it writes (it scopes itself with set_config('app.tenant_id', ..., true), which is
-- transaction-local, as db/tenancy.py does); the cross-tenant steps go through the narrow doors
-- of 0001_core.sql (tenant by installation, installation upsert, unattributed delivery), which
-- the app role could already call. So it opens no door: with it the app role can write nothing
-- it could not write without it.
--
-- Routing stays in Python: p_intent is the intent Python decided, as JSON, with
--   type: 'reject' | 'ignore' | 'revoked' | 'installation' | 'repositories'
--         | 'pull_request_state' | 'task'
--   tenant_of: the installation whose tenant to look up (null: none named)
-- and the intent's fields (github_app/intake.py `_intent_json`).
-- A delivery id seen before raises SQLSTATE MA409 inside, which app_webhook_intake catches: its
-- block rolls back (a subtransaction), so a redelivery changes nothing, whatever it asked for,
-- and is answered 200 "duplicate" without failing the transaction (an error would leave the
-- pipelined BEGIN ... COMMIT aborted and cost the caller a ROLLBACK round trip).

-- One webhook_deliveries row for the scoped tenant; raises MA409 on a delivery seen before
-- (the unique index sees every tenant's rows even though row-level security hides them).
CREATE FUNCTION app_intake_record(p_d jsonb, p_tenant_id bigint, p_outcome text, p_detail text)
    RETURNS void
    LANGUAGE plpgsql VOLATILE SET search_path = public, pg_temp
    AS $$
BEGIN
    INSERT INTO webhook_deliveries (delivery_id, tenant_id, event, action, installation_id,
                                    repository, sender, outcome, detail)
    VALUES (p_d ->> 'delivery_id', p_tenant_id, p_d ->> 'event', p_d ->> 'action',
            (p_d ->> 'installation_id')::bigint, p_d ->> 'repository', p_d ->> 'sender',
            p_outcome, p_detail)
    ON CONFLICT (delivery_id) DO NOTHING;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'delivery % was already received', p_d ->> 'delivery_id'
            USING ERRCODE = 'MA409';
    END IF;
END
$$;

-- A delivery no tenant is named for (through 0001's door); raises MA409 when seen before.
CREATE FUNCTION app_intake_record_unattributed(p_d jsonb, p_outcome text, p_detail text)
    RETURNS void
    LANGUAGE plpgsql VOLATILE SET search_path = public, pg_temp
    AS $$
BEGIN
    IF NOT app_record_unattributed_delivery(p_d ->> 'delivery_id', p_d ->> 'event',
                                            p_d ->> 'action', p_outcome, p_detail) THEN
        RAISE EXCEPTION 'delivery % was already received', p_d ->> 'delivery_id'
            USING ERRCODE = 'MA409';
    END IF;
END
$$;

-- Insert or refresh repositories (re-activating them), in the scoped tenant, one by one in
-- order (a repeated id is upserted twice, as before, instead of failing the statement).
CREATE FUNCTION app_intake_upsert_repositories(p_tenant_id bigint, p_repos jsonb)
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE SET search_path = public, pg_temp
    AS $$
DECLARE
    r jsonb;
    last_id bigint;
BEGIN
    FOR r IN SELECT value FROM jsonb_array_elements(coalesce(p_repos, '[]'::jsonb)) LOOP
        INSERT INTO repositories (tenant_id, github_id, full_name, private)
        VALUES (p_tenant_id, (r ->> 'github_id')::bigint, r ->> 'full_name',
                (r ->> 'private')::boolean)
        ON CONFLICT (tenant_id, github_id) DO UPDATE SET full_name = excluded.full_name,
            private = excluded.private, active = true, updated_at = now()
        RETURNING id INTO last_id;
    END LOOP;
    RETURN last_id;
END
$$;

-- A task for the scoped tenant: the delivery is recorded as accepted, the repository upserted,
-- the task created and linked. `p_done`: what the same delivery already changed, said first in
-- its detail. When a live task of that kind already holds the issue (the one-live-task unique
-- index), the delivery stays recorded as accepted (p_done) or ignored, saying so.
CREATE FUNCTION app_intake_task(p_d jsonb, p_tenant_id bigint, p_task jsonb, p_done text,
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
    INSERT INTO tasks (tenant_id, repository_id, kind, queue, subject, delivery_id, trace_id)
    VALUES (p_tenant_id, v_repository_id, p_task ->> 'kind', p_task ->> 'queue',
            p_task -> 'subject', p_d ->> 'delivery_id', p_task ->> 'trace_id')
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

-- A task asked of an installation: an installation never seen becomes an active tenant (its
-- installation event may come later); a suspended or deleted one gets no new work.
CREATE FUNCTION app_intake_request(p_d jsonb, p_tenant_id bigint, p_tenant_status text,
    p_task jsonb, p_done text,
    OUT r_status integer, OUT r_outcome text, OUT r_detail text, OUT r_task_id bigint,
    OUT r_tenant_id bigint, OUT r_kind text, OUT r_queue text, OUT r_trace_id text)
    LANGUAGE plpgsql VOLATILE SET search_path = public, pg_temp
    AS $$
DECLARE
    tid bigint := p_tenant_id;
    v_status text := p_tenant_status;
BEGIN
    IF tid IS NULL THEN
        tid := app_upsert_installation((p_task ->> 'installation_id')::bigint,
                                       p_task ->> 'account_login', NULL, 'Organization',
                                       'active', '{}'::jsonb);
        v_status := 'active';
    END IF;
    PERFORM set_config('app.tenant_id', tid::text, true);
    IF v_status = 'active' THEN
        SELECT * INTO r_status, r_outcome, r_detail, r_task_id, r_tenant_id, r_kind, r_queue,
                      r_trace_id
          FROM app_intake_task(p_d, tid, p_task, p_done);
        RETURN;
    END IF;
    r_status := 202;
    r_outcome := 'ignored';
    r_detail := format('installation is %s', v_status);
    PERFORM app_intake_record(p_d, tid, r_outcome, r_detail);
END
$$;

CREATE FUNCTION app_webhook_intake_act(p_delivery jsonb, p_intent jsonb,
    OUT r_status integer, OUT r_outcome text, OUT r_detail text, OUT r_task_id bigint,
    OUT r_tenant_id bigint, OUT r_kind text, OUT r_queue text, OUT r_trace_id text)
    LANGUAGE plpgsql VOLATILE SET search_path = public, pg_temp
    AS $$
DECLARE
    kind text := p_intent ->> 'type';
    tid bigint;
    tenant_status text;
    n bigint;
BEGIN
    r_status := 202;
    r_outcome := 'accepted';
    IF kind = 'reject' THEN
        r_status := 400;
        r_outcome := 'rejected';
        r_detail := p_intent ->> 'reason';
        PERFORM app_intake_record_unattributed(p_delivery, r_outcome, r_detail);
        RETURN;
    ELSIF kind = 'installation' THEN
        tid := app_upsert_installation((p_intent ->> 'installation_id')::bigint,
                                       p_intent ->> 'account_login',
                                       (p_intent ->> 'account_id')::bigint,
                                       p_intent ->> 'account_type', p_intent ->> 'status',
                                       p_intent -> 'permissions');
        PERFORM set_config('app.tenant_id', tid::text, true);
        r_detail := format('installation %s', p_intent ->> 'status');
        PERFORM app_intake_record(p_delivery, tid, r_outcome, r_detail);
        PERFORM app_intake_upsert_repositories(tid, p_intent -> 'repositories');
        RETURN;
    ELSIF kind = 'revoked' THEN
        -- user_sessions is not tenant data (0007): the app role deletes a user's sessions
        DELETE FROM user_sessions WHERE github_user_id = (p_intent ->> 'github_user_id')::bigint;
        GET DIAGNOSTICS n = ROW_COUNT;
        r_detail := format('authorization revoked: %s session(s) ended', n);
        PERFORM app_intake_record_unattributed(p_delivery, r_outcome, r_detail);
        RETURN;
    END IF;

    IF p_intent ->> 'tenant_of' IS NOT NULL THEN
        SELECT t.tenant_id, t.status INTO tid, tenant_status
          FROM app_tenant_for_installation((p_intent ->> 'tenant_of')::bigint) t;
    END IF;

    IF kind = 'repositories' THEN
        IF tid IS NULL THEN
            tid := app_upsert_installation((p_intent ->> 'installation_id')::bigint,
                                           p_intent ->> 'account_login', NULL, 'Organization',
                                           'active', '{}'::jsonb);
        END IF;
        PERFORM set_config('app.tenant_id', tid::text, true);
        r_detail := format('%s added, %s removed', jsonb_array_length(p_intent -> 'added'),
                           jsonb_array_length(p_intent -> 'removed'));
        PERFORM app_intake_record(p_delivery, tid, r_outcome, r_detail);
        PERFORM app_intake_upsert_repositories(tid, p_intent -> 'added');
        UPDATE repositories SET active = false, updated_at = now()
         WHERE tenant_id = tid AND github_id IN (
            SELECT (value ->> 'github_id')::bigint
              FROM jsonb_array_elements(p_intent -> 'removed'));
        RETURN;
    ELSIF kind = 'pull_request_state' THEN
        IF tid IS NULL THEN  -- an installation never seen has no tasks
            IF p_intent -> 'stale_check' IS NULL OR jsonb_typeof(p_intent -> 'stale_check') = 'null'
            THEN
                kind := 'ignore';
                p_intent := jsonb_build_object('reason', 'installation is unknown');
            ELSE
                SELECT * INTO r_status, r_outcome, r_detail, r_task_id, r_tenant_id, r_kind,
                              r_queue, r_trace_id
                  FROM app_intake_request(p_delivery, NULL, NULL, p_intent -> 'stale_check',
                                          NULL);
                RETURN;
            END IF;
        ELSE
            SELECT * INTO r_status, r_outcome, r_detail, r_task_id, r_tenant_id, r_kind,
                          r_queue, r_trace_id
              FROM app_intake_pull_request_state(p_delivery, tid, tenant_status, p_intent);
            RETURN;
        END IF;
    ELSIF kind = 'task' THEN
        SELECT * INTO r_status, r_outcome, r_detail, r_task_id, r_tenant_id, r_kind, r_queue,
                      r_trace_id
          FROM app_intake_request(p_delivery, tid, tenant_status, p_intent, NULL);
        RETURN;
    ELSIF kind <> 'ignore' THEN
        RAISE EXCEPTION 'unknown intent type %', kind USING ERRCODE = 'invalid_parameter_value';
    END IF;

    -- ignore
    r_outcome := 'ignored';
    r_detail := p_intent ->> 'reason';
    IF tid IS NULL THEN
        PERFORM app_intake_record_unattributed(p_delivery, r_outcome, r_detail);
    ELSE
        PERFORM set_config('app.tenant_id', tid::text, true);
        PERFORM app_intake_record(p_delivery, tid, r_outcome, r_detail);
    END IF;
END
$$;

CREATE FUNCTION app_webhook_intake(p_delivery jsonb, p_intent jsonb,
    OUT r_status integer, OUT r_outcome text, OUT r_detail text, OUT r_task_id bigint,
    OUT r_tenant_id bigint, OUT r_kind text, OUT r_queue text, OUT r_trace_id text)
    LANGUAGE plpgsql VOLATILE SET search_path = public, pg_temp
    AS $$
BEGIN
    SELECT * INTO r_status, r_outcome, r_detail, r_task_id, r_tenant_id, r_kind, r_queue,
                  r_trace_id
      FROM app_webhook_intake_act(p_delivery, p_intent);
EXCEPTION WHEN SQLSTATE 'MA409' THEN
    r_status := 200;
    r_outcome := 'duplicate';
    r_detail := 'delivery was already received';
END
$$;

-- Every task of the tenant on the pull request records its state — also for a suspended
-- installation: it is a fact about work already done, not new work. A merged pull request stays
-- merged (GitHub never reopens one). A merge also asks for the FAQ staleness check.
CREATE FUNCTION app_intake_pull_request_state(p_d jsonb, p_tenant_id bigint,
    p_tenant_status text, p_intent jsonb,
    OUT r_status integer, OUT r_outcome text, OUT r_detail text, OUT r_task_id bigint,
    OUT r_tenant_id bigint, OUT r_kind text, OUT r_queue text, OUT r_trace_id text)
    LANGUAGE plpgsql VOLATILE SET search_path = public, pg_temp
    AS $$
DECLARE
    v_state text := p_intent ->> 'state';
    updated bigint;
    done text;
BEGIN
    PERFORM set_config('app.tenant_id', p_tenant_id::text, true);
    UPDATE tasks k SET pr_state = v_state, pr_closed_at = (p_intent ->> 'at')::timestamptz,
                       updated_at = now()
      FROM repositories r
     WHERE r.id = k.repository_id AND r.github_id = (p_intent ->> 'repository_github_id')::bigint
       AND k.pr_number = (p_intent ->> 'number')::integer
       AND (k.pr_state IS DISTINCT FROM 'merged' OR v_state = 'merged');
    GET DIAGNOSTICS updated = ROW_COUNT;
    done := format('pull request #%s %s: %s task(s) updated', p_intent ->> 'number', v_state,
                   updated);
    IF jsonb_typeof(p_intent -> 'stale_check') = 'object' AND p_tenant_status = 'active' THEN
        SELECT * INTO r_status, r_outcome, r_detail, r_task_id, r_tenant_id, r_kind, r_queue,
                      r_trace_id
          FROM app_intake_task(p_d, p_tenant_id, p_intent -> 'stale_check', done);
        RETURN;
    END IF;
    r_status := 202;
    r_outcome := CASE WHEN updated > 0 THEN 'accepted' ELSE 'ignored' END;
    r_detail := done;
    PERFORM app_intake_record(p_d, p_tenant_id, r_outcome, r_detail);
END
$$;

-- Owned by the migration's role (the owner), like every function here; only the app role runs
-- them (PostgreSQL grants EXECUTE to PUBLIC by default).
REVOKE ALL ON FUNCTION app_intake_record(jsonb, bigint, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION app_intake_record_unattributed(jsonb, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION app_intake_upsert_repositories(bigint, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION app_intake_task(jsonb, bigint, jsonb, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION app_intake_request(jsonb, bigint, text, jsonb, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION app_intake_pull_request_state(jsonb, bigint, text, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION app_webhook_intake_act(jsonb, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION app_webhook_intake(jsonb, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_intake_record(jsonb, bigint, text, text) TO morningai_app;
GRANT EXECUTE ON FUNCTION app_intake_record_unattributed(jsonb, text, text) TO morningai_app;
GRANT EXECUTE ON FUNCTION app_intake_upsert_repositories(bigint, jsonb) TO morningai_app;
GRANT EXECUTE ON FUNCTION app_intake_task(jsonb, bigint, jsonb, text) TO morningai_app;
GRANT EXECUTE ON FUNCTION app_intake_request(jsonb, bigint, text, jsonb, text) TO morningai_app;
GRANT EXECUTE ON FUNCTION app_intake_pull_request_state(jsonb, bigint, text, jsonb)
    TO morningai_app;
GRANT EXECUTE ON FUNCTION app_webhook_intake_act(jsonb, jsonb) TO morningai_app;
GRANT EXECUTE ON FUNCTION app_webhook_intake(jsonb, jsonb) TO morningai_app;
