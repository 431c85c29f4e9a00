"""A real forking worker is SIGKILLed while its task waits on the model; the next worker
finds the orphaned task and finishes it once: one branch, one pull request, one comment."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil
import psycopg
import pytest
from redis import Redis

from core.settings import Settings
from simulator import GitHubSimulator
from simulator.openai_server import ScriptedModelServer
from tests.fakes.http import WebhookSender
from tests.integration.conftest import OWNER, REPO
from tests.integration.test_code_agent import EDIT, PLAN
from tests.integration.test_code_task import labeled, status_comments, task_row

Conn = psycopg.Connection[tuple[Any, ...]]
MORNINGAI = str(Path(sys.executable).parent / "morningai")

pytestmark = pytest.mark.usefixtures("clean_db")


def worker_env(settings: Settings, stale_seconds: int) -> dict[str, str]:
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_", "REDIS_", "GITHUB_", "OPENAI_"))
    }
    assert settings.github_private_key is not None
    assert settings.openai_api_key is not None
    return {
        **keep,
        "DATABASE_URL": settings.require_database_url(),
        "REDIS_URL": settings.require_redis_url(),
        "GITHUB_APP_ID": str(settings.github_app_id),
        "GITHUB_PRIVATE_KEY": settings.github_private_key.get_secret_value(),
        "GITHUB_API_URL": settings.github_api_url,
        "OPENAI_API_KEY": settings.openai_api_key.get_secret_value(),
        "OPENAI_BASE_URL": str(settings.openai_base_url),
        "MORNINGAI_MODEL": settings.morningai_model,
        "TASK_STALE_SECONDS": str(stale_seconds),
        "LOG_LEVEL": "WARNING",
    }


def wait_for(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def test_killed_worker_task_completes_once(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    agent_settings: Settings,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    model.expect_chat(PLAN, delay=8)  # the first worker dies while waiting for this answer
    model.expect_chat(PLAN)
    model.expect_chat(EDIT)
    assert agent.post("issues", labeled(repo)).status_code == 202

    first = subprocess.Popen(
        [MORNINGAI, "worker"],
        env=worker_env(agent_settings, 2),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: len(model.requests) == 1, 60, "the first plan request")
        assert task_row(owner_conn)[1] == "running"
    finally:
        # the machine dies: the worker and its work-horse (RQ puts the horse in a process
        # group of its own) are killed without a chance to record anything
        for proc in [*psutil.Process(first.pid).children(recursive=True), first]:
            os.kill(proc.pid, signal.SIGKILL)
        first.wait(10)
    assert task_row(owner_conn)[1] == "running"  # nobody recorded anything

    def stale() -> bool:
        row = owner_conn.execute(
            "SELECT heartbeat_at < now() - interval '2.5 seconds' FROM tasks"
        ).fetchone()
        return bool(row and row[0])

    wait_for(stale, 30, "the dead worker's heartbeat to go stale")

    second = subprocess.run(
        [MORNINGAI, "worker", "--burst"],
        env=worker_env(agent_settings, 2),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert second.returncode == 0, second.stderr
    _task_id, status, error, attempts, _ = task_row(owner_conn)
    assert (status, error, attempts) == ("succeeded", None, 2)
    pulls = sim.pulls(OWNER, REPO)
    assert len(pulls) == 1
    assert len(status_comments(sim, repo["number"])) == 1
    heads = subprocess.run(
        ["git", "--git-dir", str(sim.git_dir(OWNER, REPO)), "branch", "--list", "morningai/*"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert heads == [f"morningai/issue-{repo['number']}"]
    assert len(model.requests) == 3
