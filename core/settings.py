"""One frozen Settings object, read once from the environment (and an optional `.env`)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_API_URL = "https://api.github.com"
DEFAULT_WEB_URL = "https://github.com"


class Settings(BaseSettings):
    """Everything the web app and the worker need; documented in the README's settings table."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    database_url: str | None = None
    database_migration_url: str | None = None
    redis_url: str | None = None
    github_app_id: str | None = None
    github_private_key: SecretStr | None = None
    github_private_key_path: Path | None = None
    github_webhook_secret: SecretStr | None = None
    github_api_url: str = DEFAULT_API_URL
    # GitHub's web host (App registration and install pages); GitHub Enterprise Server: https://HOST
    github_url: str = DEFAULT_WEB_URL
    # the App's OAuth client, when the App was made by hand (the manifest flow stores its own)
    github_client_id: str | None = None
    github_client_secret: SecretStr | None = None
    # base64 (standard or URL-safe) of 32 random bytes: the AES-256-GCM key for secrets at rest
    morningai_secret_key: SecretStr | None = None
    # the session cookie is `Secure` unless this is set (local http only: `make run`, tests);
    # not derived from the request, which behind a TLS-terminating proxy looks like plain http
    morningai_insecure_cookies: bool = False
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    morningai_model: str = "gpt-4.1-mini"
    # unset: FAQ memory and `ask` retrieve by PostgreSQL full-text search instead of vectors
    morningai_embedding_model: str | None = None
    morningai_embedding_dimensions: int | None = None
    morningai_trigger_label: str = "morningai"
    port: int = 8000
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"
    # unset: GET /metrics answers 404; set: it needs `Authorization: Bearer <token>`
    metrics_token: SecretStr | None = None
    max_webhook_bytes: int = 25 * 1024 * 1024
    reconcile_interval_seconds: int = 30
    task_stale_seconds: int = 60

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower_log_format(cls, value: object) -> object:
        return (value.strip().lower() or "text") if isinstance(value, str) else value

    @model_validator(mode="after")
    def _load_private_key_file(self) -> Settings:
        if self.github_private_key is None and self.github_private_key_path is not None:
            text = self.github_private_key_path.read_text(encoding="utf-8")
            object.__setattr__(self, "github_private_key", SecretStr(text))
        return self

    def missing_github_settings(self) -> list[str]:
        """The settings a real GitHub App needs that are not set, in README order."""
        missing = []
        if not self.github_app_id:
            missing.append("GITHUB_APP_ID")
        if self.github_private_key is None:
            missing.append("GITHUB_PRIVATE_KEY or GITHUB_PRIVATE_KEY_PATH")
        if self.github_webhook_secret is None:
            missing.append("GITHUB_WEBHOOK_SECRET")
        return missing

    def webhook_secret(self) -> bytes | None:
        if self.github_webhook_secret is None:
            return None
        return self.github_webhook_secret.get_secret_value().encode("utf-8")

    def require_database_url(self) -> str:
        if not self.database_url:
            raise RuntimeError(
                "DATABASE_URL is not set: set it, or start through `make run` / `morningai run`, "
                "which provide an embedded PostgreSQL"
            )
        return self.database_url

    def require_redis_url(self) -> str:
        if not self.redis_url:
            raise RuntimeError(
                "REDIS_URL is not set: set it, or start through `make run` / `morningai run`, "
                "which provide an embedded Redis-compatible server"
            )
        return self.redis_url
