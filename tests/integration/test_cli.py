"""The `morningai` console script as a real process: migrate, and a forking worker."""

from __future__ import annotations

import secrets
from typing import Any

import psycopg
import pytest
from redis import Redis

from morningai.embedded import DatabaseUrls, drop_database, provision_database
from simulator import GitHubSimulator
from tests.fakes.http import WebhookSender, serve_wsgi
from tests.support.processes import run_cli
from tests.support.services import postgres_lock
from tests.support.simulated import SECRET, STOPS_WITH, labeled, status_comments
from tests.support.tasks import task_row
from web import create_app

Conn = psycopg.Connection[tuple[Any, ...]]

# the repository's `.github/morningai.yml` is invalid: a task stops right after acknowledging
pytestmark = pytest.mark.usefixtures("broken_config")


def test_migrate_applies_once(pg_admin_url: str) -> None:
    name = f"morningai_cli_{secrets.token_hex(3)}"
    with postgres_lock():  # roles are cluster-wide: no other worker provisions meanwhile
        urls = provision_database(pg_admin_url, name)
        try:
            env = {"DATABASE_URL": urls.app, "DATABASE_MIGRATION_URL": urls.owner}
            first = run_cli("migrate", env=env)
            assert first.returncode == 0, first.stderr
            assert "migrations applied: 0001" in first.stderr
            second = run_cli("migrate", env=env)
            assert second.returncode == 0, second.stderr
            assert "none (up to date)" in second.stderr
        finally:
            drop_database(pg_admin_url, name)


def test_missing_database_url_is_a_clear_error() -> None:
    result = run_cli("migrate", env={})
    assert result.returncode == 2
    assert "DATABASE_URL is not set" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.usefixtures("clean_db")
def test_forking_worker_runs_a_task(
    database: DatabaseUrls,
    redis_url: str,
    redis: Redis,
    owner_conn: Conn,
    sim: GitHubSimulator,
    installed: dict[str, Any],
    settings: Any,
) -> None:
    app = create_app(settings)
    with serve_wsgi(app) as url:
        assert (
            WebhookSender(url, SECRET.encode()).post("issues", labeled(installed)).status_code
            == 202
        )
    app.extensions["morningai"].close()
    env = {
        "DATABASE_URL": database.app,
        "REDIS_URL": redis_url,
        "GITHUB_APP_ID": str(sim.app_id),
        "GITHUB_PRIVATE_KEY": sim.private_key_pem,
        "GITHUB_API_URL": sim.url,
    }
    result = run_cli("worker", "--burst", env=env)
    assert result.returncode == 0, result.stderr
    _, status, error, attempts, _ = task_row(owner_conn)
    assert (status, attempts) == ("failed", 1)
    assert error.startswith(STOPS_WITH)
    assert len(status_comments(sim, installed["number"])) == 1
    # the private key never reaches the logs
    assert "PRIVATE KEY" not in result.stderr + result.stdout
