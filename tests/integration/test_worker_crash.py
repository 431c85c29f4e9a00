"""A real forking worker is SIGKILLed while its task waits on the model; the next worker
finds the orphaned task and finishes it once: one branch, one pull request, one comment."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from typing import Any

import psutil
import psycopg
import pytest
from redis import Redis

from core.settings import Settings
from simulator import GitHubSimulator
from simulator.openai_server import ScriptedModelServer
from tests.fakes.http import WebhookSender
from tests.support.model import EDIT, PLAN
from tests.support.processes import MORNINGAI, worker_env
from tests.support.simulated import OWNER, REPO, labeled, status_comments
from tests.support.tasks import task_row

Conn = psycopg.Connection[tuple[Any, ...]]

pytestmark = pytest.mark.usefixtures("clean_db")


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
