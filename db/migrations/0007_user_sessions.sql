-- Signed-in people (GET /auth/callback): one row per browser session. The cookie holds a random
-- session id; this table keeps only its SHA-256, so a copy of the table opens no session.
-- The user's GitHub tokens are sealed with AES-256-GCM above the database
-- (core/secrets_at_rest.py, key from MORNINGAI_SECRET_KEY); never stored in plain text.
-- Not tenant data: a session belongs to a GitHub user, whose reach GitHub answers per request.
-- The app role reads, creates, rotates (UPDATE) and ends (DELETE) sessions; it owns nothing.

CREATE TABLE user_sessions (
    id_hash               bytea PRIMARY KEY,
    github_user_id        bigint NOT NULL,
    github_login          text NOT NULL,
    access_token_sealed   bytea NOT NULL,
    refresh_token_sealed  bytea NOT NULL,
    access_expires_at     timestamptz NOT NULL,
    refresh_expires_at    timestamptz NOT NULL,
    created_at            timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX user_sessions_github_user_id ON user_sessions (github_user_id);

GRANT SELECT, INSERT, UPDATE, DELETE ON user_sessions TO morningai_app;
