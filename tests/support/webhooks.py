"""Settings for the webhook receiver alone (no GitHub simulator), and GitHub's example
`issues.labeled` delivery for an installation that need not exist."""

from __future__ import annotations

from typing import Any

from core.settings import Settings
from morningai.embedded import DatabaseUrls
from tests.fakes.npm_fixtures import webhook_example

SECRET = "webhook-secret-for-tests"
INSTALLATION = 4242


def make_settings(database: DatabaseUrls, redis_url: str, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database.app,
        "redis_url": redis_url,
        "github_webhook_secret": SECRET,
        **extra,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def labeled_issue(label: str = "morningai", installation: int = INSTALLATION) -> dict[str, Any]:
    payload = webhook_example("issues", "labeled")
    payload["label"]["name"] = label
    payload["issue"]["state"] = "open"
    payload["issue"]["locked"] = False
    payload["sender"]["type"] = "User"
    # GitHub's examples lack the installation key every App delivery carries
    payload["installation"] = {
        "id": installation,
        "node_id": "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9u",
    }
    return payload
