"""The task plumbing around a `code` request: who may ask, acknowledging, the status
comment, retries, recovery — against the GitHub simulator, with no model involved.

Each repository here carries an invalid `.github/morningai.yml`, so a task that gets past the
permission check stops right after acknowledging, with a known reason. The agent itself is
tested in test_code_agent.py.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from redis import Redis

from core.settings import Settings
from jobs.runtime import context
from jobs.runtime.queues import queue
from jobs.runtime.reconciler import reconcile
from jobs.steps.status_comment import marker
from morningai.embedded import DatabaseUrls
from simulator import GitHubSimulator
from tests.fakes.http import WebhookSender, serve_wsgi
from tests.support.simulated import OWNER, REPO, SECRET, STOPS_WITH, labeled, status_comments
from tests.support.tasks import drain, task_row
from web import create_app

Conn = psycopg.Connection[tuple[Any, ...]]

pytestmark = pytest.mark.usefixtures("clean_db", "broken_config")


@pytest.mark.usefixtures("worker_ctx")
def test_request_is_acknowledged_and_ends_with_a_reason(
    sim: GitHubSimulator,
    installed: dict[str, Any],
    sender: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    assert sender.post("issues", labeled(installed)).status_code == 202
    drain(redis)
    task_id, status, error, attempts, trace_id = task_row(owner_conn)
    assert (status, attempts) == ("failed", 1)
    assert error.startswith(STOPS_WITH)
    number = installed["number"]
    assert [r["content"] for r in sim.reactions(OWNER, REPO, number)] == ["eyes"]
    comments = status_comments(sim, number)
    assert len(comments) == 1
    body = comments[0]["body"]
    assert body.startswith(marker(task_id))
    assert "❌ Failed" in body
    assert STOPS_WITH in body
    assert trace_id in body
    assert comments[0]["body_history"]  # created while running, then edited in place
    assert "Reading the repository" in comments[0]["body_history"][0]
    kinds = [
        r[0]
        for r in owner_conn.execute(
            "SELECT kind FROM task_events WHERE task_id = %s ORDER BY id", (task_id,)
        )
    ]
    # the stage it reached is in the stored timeline too (the dashboard shows it)
    assert kinds == ["started", "stage", "acknowledged", "failed"]
    # the token the job used was narrowed to this one repository
    token_requests = [ex for ex in sim.requests if ex.path.endswith("/access_tokens")]
    assert token_requests
    assert all(ex.request_json == {"repositories": [REPO]} for ex in token_requests)


@pytest.mark.usefixtures("worker_ctx")
def test_requester_without_write_access_gets_one_polite_comment(
    sim: GitHubSimulator,
    installed: dict[str, Any],
    sender: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    assert sender.post("issues", labeled(installed, "mallory")).status_code == 202
    drain(redis)
    _, status, error, _, _ = task_row(owner_conn)
    assert status == "cancelled"
    assert "write access" in error
    number = installed["number"]
    comments = sim.comments(OWNER, REPO, number)
    assert len(comments) == 1
    assert "@mallory" in comments[0]["body"]
    assert "write access" in comments[0]["body"]
    assert sim.reactions(OWNER, REPO, number) == []


@pytest.mark.usefixtures("worker_ctx")
def test_a_rerun_edits_the_same_status_comment(
    sim: GitHubSimulator,
    installed: dict[str, Any],
    sender: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
    worker_ctx: context.JobContext,
) -> None:
    assert sender.post("issues", labeled(installed)).status_code == 202
    drain(redis)
    task_id = task_row(owner_conn)[0]
    # the worker "died" mid-task: the row still says running, its heartbeat is old
    owner_conn.execute(
        "UPDATE tasks SET status = 'running', heartbeat_at = now() - interval '10 minutes'"
        " WHERE id = %s",
        (task_id,),
    )
    assert reconcile(worker_ctx.db, redis) == [task_id]
    drain(redis)
    _, status, _, attempts, _ = task_row(owner_conn)
    assert (status, attempts) == ("failed", 2)
    assert len(status_comments(sim, installed["number"])) == 1
    # both runs used one installation token, cached in Redis for every process
    minted = [ex for ex in sim.requests if ex.path.endswith("/access_tokens")]
    assert len(minted) == 1
    assert redis.keys("morningai:github:*")


@pytest.mark.usefixtures("worker_ctx")
def test_transient_github_failure_is_retried_later(
    sim: GitHubSimulator,
    installed: dict[str, Any],
    sender: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    # more 502s than the client retries in place: the job gives the worker back
    sim.inject_fault("POST", r"/reactions$", 502, times=2)
    assert sender.post("issues", labeled(installed)).status_code == 202
    drain(redis)
    task_id, status, error, attempts, _ = task_row(owner_conn)
    assert (status, attempts) == ("queued", 1)
    assert error == "GitHub answered 502"
    scheduled = queue(redis, "default").scheduled_job_registry.get_job_ids()
    assert scheduled == [f"task-{task_id}-2"]
    events = owner_conn.execute(
        "SELECT kind, message FROM task_events WHERE task_id = %s ORDER BY id", (task_id,)
    ).fetchall()
    assert events[-1][0] == "retry"
    assert "retrying in 5 s" in events[-1][1]


@pytest.mark.usefixtures("worker_ctx")
def test_deleted_repository_fails_with_a_clear_reason(
    sim: GitHubSimulator,
    installed: dict[str, Any],
    sender: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    sim.inject_fault(
        "GET",
        r"/collaborators/.+/permission$",
        404,
        times=1,
        body={
            "message": "Not Found",
            "documentation_url": "https://docs.github.com",
            "status": "404",
        },
    )
    assert sender.post("issues", labeled(installed)).status_code == 202
    drain(redis)
    _, status, error, _, _ = task_row(owner_conn)
    # a 404 on the permission check reads as "not a collaborator" — refused, not crashed
    assert status == "cancelled"
    assert "write access" in error


def test_worker_reconciles_at_start(
    settings: Settings,
    owner_conn: Conn,
    redis: Redis,
    database: DatabaseUrls,
    sim: GitHubSimulator,
    installed: dict[str, Any],
    worker_ctx: context.JobContext,
) -> None:
    """A task recorded while Redis was down is run by the next worker to start."""
    app = create_app(
        Settings(  # type: ignore[call-arg]
            _env_file=None,
            database_url=database.app,
            redis_url="redis://127.0.0.1:1/0",
            github_webhook_secret=SECRET,
        )
    )
    with serve_wsgi(app) as url:
        response = WebhookSender(url, SECRET.encode()).post("issues", labeled(installed))
    app.extensions["morningai"].close()
    assert response.status_code == 202
    assert task_row(owner_conn)[1] == "queued"
    assert reconcile(worker_ctx.db, redis, queued_for=timedelta(0)) != []
    drain(redis)
    assert task_row(owner_conn)[1] == "failed"
    assert uuid.UUID(task_row(owner_conn)[4])  # trace ids are uuids


@pytest.mark.usefixtures("worker_ctx")
def test_a_task_that_keeps_killing_workers_ends_failed(
    sim: GitHubSimulator,
    installed: dict[str, Any],
    sender: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
    worker_ctx: context.JobContext,
) -> None:
    assert sender.post("issues", labeled(installed)).status_code == 202
    task_id = task_row(owner_conn)[0]
    # three runs each claimed the task and died without a word
    owner_conn.execute(
        "UPDATE tasks SET status = 'running', attempts = 3, max_attempts = 3,"
        " heartbeat_at = now() - interval '10 minutes' WHERE id = %s",
        (task_id,),
    )
    redis.flushdb()
    assert reconcile(worker_ctx.db, redis) == [task_id]
    drain(redis)
    _, status, error, attempts, _ = task_row(owner_conn)
    assert (status, attempts) == ("failed", 4)
    assert error == "the worker running this task stopped 3 times before it finished"
    comments = status_comments(sim, installed["number"])
    assert len(comments) == 1
    assert error in comments[0]["body"]


@pytest.mark.usefixtures("worker_ctx")
def test_permission_is_asked_once_per_minute(
    sim: GitHubSimulator,
    installed: dict[str, Any],
    sender: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    for _ in range(2):  # two requests in a row by the same person
        assert sender.post("issues", labeled(installed)).json()["outcome"] == "accepted"
        drain(redis)
    asked = [ex for ex in sim.requests if ex.path.endswith("/collaborators/alice/permission")]
    assert len(asked) == 1
    assert redis.ttl("morningai:permission:octo-org/hello:alice") > 0
