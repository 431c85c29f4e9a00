"""The `morningai` console script as a real process: migrate, and a forking worker."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest
from redis import Redis

from morningai.embedded import DatabaseUrls, drop_database, provision_database
from simulator import GitHubSimulator
from tests.fakes.http import WebhookSender, serve_wsgi
from tests.integration.conftest import SECRET
from tests.integration.test_code_task import (
    STOPS_WITH,
    broken_config,  # noqa: F401 - autouse fixture, applies here too
    labeled,
    status_comments,
    task_row,
)
from web import create_app

MORNINGAI = str(Path(sys.executable).parent / "morningai")
Conn = psycopg.Connection[tuple[Any, ...]]


def run_cli(
    *args: str, env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_", "REDIS_", "GITHUB_", "OPENAI_"))
    }
    return subprocess.run(
        [MORNINGAI, *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd="/",
    )


def test_migrate_applies_once(pg_admin_url: str) -> None:
    name = f"morningai_cli_{secrets.token_hex(3)}"
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
