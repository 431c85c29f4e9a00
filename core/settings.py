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
    # how the model is offered tools: the server's tool calling ("native"), a plain-text
    # protocol in the prompt ("text"), or native until the server refuses tools ("auto")
    morningai_tool_calling: Literal["auto", "native", "text"] = "auto"
    # unset: FAQ memory and `ask` retrieve by PostgreSQL full-text search instead of vectors
    morningai_embedding_model: str | None = None
    morningai_embedding_dimensions: int | None = None
    morningai_trigger_label: str = "morningai"
    # where model-written tests run (agents/code/sandbox.py): bubblewrap when the host allows it
    # ("auto"), bubblewrap or no run at all ("bubblewrap"), or the process floor only ("process")
    morningai_sandbox: Literal["auto", "bubblewrap", "process"] = "auto"
    # host directories, ':'-separated, that sandboxed runs may read: toolchains and the test
    # dependencies the operator installed (a virtualenv, /opt/…), since runs have no network
    morningai_sandbox_paths: str | None = None
    # where people open the dashboard (links in chat messages); unset: chat messages carry none
    morningai_public_url: str | None = None
    # chat (docs: README "Chat"): a platform whose settings are unset answers 404 on its endpoints
    slack_signing_secret: SecretStr | None = None
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api"
    discord_application_id: str | None = None
    discord_public_key: str | None = None  # hex, from the Developer Portal (not a secret)
    discord_bot_token: SecretStr | None = None
    discord_api_url: str = "https://discord.com/api/v10"
    telegram_bot_token: SecretStr | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_bot_username: str | None = None  # without @; unset: asked with getMe
    telegram_api_url: str = "https://api.telegram.org"
    port: int = 8000
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"
    # unset: GET /metrics answers 404; set: it needs `Authorization: Bearer <token>`
    metrics_token: SecretStr | None = None
    max_webhook_bytes: int = 25 * 1024 * 1024
    reconcile_interval_seconds: int = 30
    task_stale_seconds: int = 60

    def chat_platforms(self) -> dict[str, list[str]]:
        """Each chat platform and the settings it still misses ([]: ready)."""
        wanted: dict[str, dict[str, object]] = {
            "slack": {
                "SLACK_SIGNING_SECRET": self.slack_signing_secret,
                "SLACK_CLIENT_ID": self.slack_client_id,
                "SLACK_CLIENT_SECRET": self.slack_client_secret,
            },
            "discord": {
                "DISCORD_APPLICATION_ID": self.discord_application_id,
                "DISCORD_PUBLIC_KEY": self.discord_public_key,
                "DISCORD_BOT_TOKEN": self.discord_bot_token,
            },
            "telegram": {
                "TELEGRAM_BOT_TOKEN": self.telegram_bot_token,
                "TELEGRAM_WEBHOOK_SECRET": self.telegram_webhook_secret,
            },
        }
        return {
            platform: [name for name, value in names.items() if not value]
            for platform, names in wanted.items()
        }

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
