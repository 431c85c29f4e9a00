-- The GitHub App this deployment registered through the manifest flow (GET /setup/complete).
-- One row at most (id = 1): the first person to finish setup registers the App, and setup
-- cannot run again. Not tenant data: every installation is served by this one App.
-- The private key, webhook secret and client secret are sealed with AES-256-GCM above the
-- database (core/secrets_at_rest.py, key from MORNINGAI_SECRET_KEY); this table never sees
-- them in plain text. The app role may read and insert the row, never change or delete it.

CREATE TABLE app_registration (
    id                   smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    app_id               bigint NOT NULL,
    slug                 text NOT NULL,
    html_url             text NOT NULL,
    client_id            text NOT NULL,
    private_key_sealed   bytea NOT NULL,
    webhook_secret_sealed bytea NOT NULL,
    client_secret_sealed bytea NOT NULL,
    registered_by_login  text,
    registered_by_id     bigint,
    registered_at        timestamptz NOT NULL DEFAULT now()
);

GRANT SELECT, INSERT ON app_registration TO morningai_app;
