-- The trigger label can be set per repository (`trigger_label` in `.github/morningai.yml`, or the
-- organisation's file as its default). The webhook request makes no GitHub call, so the label a
-- repository's configuration names is stored here when a job reads that configuration
-- (jobs/steps/rules.py), and the intake decides against it: a label starts a task only when it
-- is coalesce(repositories.trigger_label, the global MORNINGAI_TRIGGER_LABEL the intent
-- carries). NULL: the configuration does not name one (the global label applies). A repository
-- the intake has not seen yet, or whose configuration no job has read yet, uses the global label.

ALTER TABLE repositories ADD COLUMN trigger_label text;

-- 0011's app_intake_request, deciding first on the labels of an `issues` intent: the intent
-- carries `labels` (the added label, or the labels an issue was opened with), `global_label`
-- and `not_triggered` (what to say when none of them is the trigger label). Without `labels`
-- (a command, a merge) it is 0011's unchanged. The decision is taken before an installation
-- never seen becomes a tenant, so an ignored label records the delivery as the ignore intent
-- does (under the tenant when it is known, unattributed otherwise).
CREATE OR REPLACE FUNCTION app_intake_request(p_d jsonb, p_tenant_id bigint,
    p_tenant_status text, p_task jsonb, p_done text,
    OUT r_status integer, OUT r_outcome text, OUT r_detail text, OUT r_task_id bigint,
    OUT r_tenant_id bigint, OUT r_kind text, OUT r_queue text, OUT r_trace_id text)
    LANGUAGE plpgsql VOLATILE SET search_path = public, pg_temp
    AS $$
DECLARE
    tid bigint := p_tenant_id;
    v_status text := p_tenant_status;
    v_label text;
BEGIN
    IF jsonb_typeof(p_task -> 'labels') = 'array' THEN
        IF tid IS NOT NULL THEN
            PERFORM set_config('app.tenant_id', tid::text, true);
            SELECT r.trigger_label INTO v_label FROM repositories r
             WHERE r.tenant_id = tid
               AND r.github_id = (p_task -> 'repository' ->> 'github_id')::bigint;
        END IF;
        v_label := coalesce(v_label, p_task ->> 'global_label');
        IF v_label IS NULL OR NOT (p_task -> 'labels') ? v_label THEN
            r_status := 202;
            r_outcome := 'ignored';
            r_detail := format('%s (the trigger label here is %s)', p_task ->> 'not_triggered',
                               coalesce(v_label, 'not set'));
            IF tid IS NULL THEN
                PERFORM app_intake_record_unattributed(p_d, r_outcome, r_detail);
            ELSE
                PERFORM app_intake_record(p_d, tid, r_outcome, r_detail);
            END IF;
            RETURN;
        END IF;
        p_task := jsonb_set(p_task, '{subject,trigger}', to_jsonb('label:' || v_label));
    END IF;
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

-- CREATE OR REPLACE keeps 0011's owner and grants; said again so this file reads whole
REVOKE ALL ON FUNCTION app_intake_request(jsonb, bigint, text, jsonb, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_intake_request(jsonb, bigint, text, jsonb, text) TO morningai_app;
