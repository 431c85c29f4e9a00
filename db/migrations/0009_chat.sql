-- MorningAI in chat (Slack, Discord, Telegram): which chat workspace serves which installation,
-- which chat user is which GitHub user, which channel hears which events, and every inbound
-- chat request recorded once.
-- A workspace (Slack team, Discord guild, Telegram chat) is linked to exactly one installation,
-- from the dashboard, by an admin of that installation, with a single-use code
-- (github_app/chat_links.py); UNIQUE (platform, external_id) holds across tenants even though
-- row-level security hides the other tenants' rows, so a second installation's link fails.
-- Slack's per-workspace bot token is sealed with AES-256-GCM above the database
-- (core/secrets_at_rest.py, associated data "chat_workspaces.bot_token"); never plain text.
-- Every table carries tenant_id with row-level security ENABLED and FORCED (policies as in
-- 0001_core.sql); the app role reads and writes them and owns nothing. Needs PostgreSQL >= 15
-- (UNIQUE NULLS NOT DISTINCT).

CREATE TABLE chat_workspaces (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id        bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    platform         text NOT NULL CHECK (platform IN ('slack', 'discord', 'telegram')),
    -- Slack team_id, Discord guild_id, Telegram chat id (as text: chat ids may be negative)
    external_id      text NOT NULL CHECK (length(external_id) BETWEEN 1 AND 100),
    name             text NOT NULL DEFAULT '' CHECK (length(name) <= 200),
    -- Slack's bot token from OAuth v2, sealed; NULL where the platform has one bot token
    -- (DISCORD_BOT_TOKEN, TELEGRAM_BOT_TOKEN) or before the Slack install
    bot_token_sealed bytea,
    linked_by_login  text NOT NULL,
    linked_by_id     bigint NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT chat_workspaces_platform_external_id_key UNIQUE (platform, external_id),
    CONSTRAINT chat_workspaces_tenant_id_id_key UNIQUE (tenant_id, id)
);

CREATE TABLE chat_users (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id        bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    workspace_id     bigint NOT NULL,
    external_user_id text NOT NULL CHECK (length(external_user_id) BETWEEN 1 AND 100),
    github_user_id   bigint NOT NULL,
    github_login     text NOT NULL,
    linked_at        timestamptz NOT NULL DEFAULT now(),
    -- the workspace is the same tenant's (a row cannot hang under another tenant's workspace)
    FOREIGN KEY (tenant_id, workspace_id) REFERENCES chat_workspaces (tenant_id, id)
        ON DELETE CASCADE,
    CONSTRAINT chat_users_workspace_id_external_user_id_key UNIQUE (workspace_id, external_user_id)
);
CREATE INDEX chat_users_github_user_idx ON chat_users (tenant_id, github_user_id);

CREATE TABLE chat_subscriptions (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id        bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    workspace_id     bigint NOT NULL,
    channel_id       text NOT NULL CHECK (length(channel_id) BETWEEN 1 AND 100),
    -- NULL: every repository of the installation
    repository_id    bigint,
    events           text[] NOT NULL CHECK (
                         cardinality(events) > 0
                         AND events <@ ARRAY['task_started', 'pr_opened', 'task_failed',
                                             'faq_pr_opened', 'budget_warning']::text[]),
    created_by_login text NOT NULL,
    created_by_id    bigint NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, workspace_id) REFERENCES chat_workspaces (tenant_id, id)
        ON DELETE CASCADE,
    -- the same tenant's repository (repositories_tenant_id_id_key, 0003_faq_memory.sql)
    FOREIGN KEY (tenant_id, repository_id) REFERENCES repositories (tenant_id, id)
        ON DELETE CASCADE,
    -- one row per channel and repository, the installation-wide row (NULL) included
    CONSTRAINT chat_subscriptions_channel_key
        UNIQUE NULLS NOT DISTINCT (workspace_id, channel_id, repository_id)
);
CREATE INDEX chat_subscriptions_tenant_idx ON chat_subscriptions (tenant_id, repository_id);

CREATE TABLE chat_deliveries (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    platform     text NOT NULL CHECK (platform IN ('slack', 'discord', 'telegram')),
    -- Slack event_id (or a hash of a command's body and timestamp), Discord interaction id,
    -- Telegram update_id
    delivery_key text NOT NULL CHECK (length(delivery_key) BETWEEN 1 AND 200),
    -- NULL until attributed (no linked workspace, malformed): recorded through the door below
    tenant_id    bigint REFERENCES tenants (id) ON DELETE CASCADE,
    outcome      text NOT NULL CHECK (outcome IN ('accepted', 'ignored', 'rejected')),
    detail       text,
    task_id      bigint,
    received_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT chat_deliveries_platform_delivery_key_key UNIQUE (platform, delivery_key)
);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['chat_workspaces', 'chat_users', 'chat_subscriptions',
                             'chat_deliveries']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY owner_maintenance ON %I TO %I USING (true) WITH CHECK (true)',
                       t, current_user);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I TO morningai_app'
                       ' USING (tenant_id = app_current_tenant())'
                       ' WITH CHECK (tenant_id = app_current_tenant())', t);
    END LOOP;
END
$$;

GRANT SELECT, INSERT, UPDATE, DELETE
    ON chat_workspaces, chat_users, chat_subscriptions, chat_deliveries TO morningai_app;

-- The doors (SECURITY DEFINER, ids only).

-- Which tenant, and which of its workspaces, a chat request comes from: the inbound endpoints
-- know only the platform's own id of the workspace.
CREATE FUNCTION app_chat_workspace(p_platform text, p_external_id text)
    RETURNS TABLE (tenant_id bigint, workspace_id bigint)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    SELECT tenant_id, id FROM chat_workspaces
     WHERE platform = p_platform AND external_id = p_external_id
    $$;

-- A chat request no tenant can be named for (unlinked workspace, malformed): recorded without
-- one. Returns false when it was seen before.
CREATE FUNCTION app_record_unattributed_chat_delivery(
    p_platform text, p_delivery_key text, p_outcome text, p_detail text
) RETURNS boolean
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    WITH ins AS (
        INSERT INTO chat_deliveries (platform, delivery_key, outcome, detail)
        VALUES (p_platform, p_delivery_key, p_outcome, p_detail)
        ON CONFLICT (platform, delivery_key) DO NOTHING
        RETURNING 1
    )
    SELECT EXISTS (SELECT 1 FROM ins)
    $$;

REVOKE ALL ON FUNCTION app_chat_workspace(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION app_record_unattributed_chat_delivery(text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_chat_workspace(text, text) TO morningai_app;
GRANT EXECUTE ON FUNCTION app_record_unattributed_chat_delivery(text, text, text, text)
    TO morningai_app;
