"""Fault: GitHub answers errors in the middle of a code task (labeled issue → pull request).

Transient answers (5xx, a secondary rate limit) give the worker back and schedule the task's
next job in RQ, no earlier than the backoff or the server's Retry-After; that job finishes the
task once. Permanent answers (404 for a deleted repository) fail the task with a reason the
status comment repeats.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import psycopg
import pytest
from redis import Redis
from rq import SimpleWorker

from jobs.runtime import context
from jobs.runtime.queues import QUEUE_NAMES, job_id, queue
from jobs.runtime.reconciler import reconcile
from jobs.steps import agent_run
from simulator import GitHubSimulator
from simulator.openai_server import ScriptedModelServer
from tests.fakes.http import WebhookSender
from tests.integration.conftest import OWNER, REPO, git
from tests.integration.test_code_agent import EDIT, PLAN
from tests.integration.test_code_task import drain, labeled, status_comments, task_row

Conn = psycopg.Connection[tuple[Any, ...]]

pytestmark = pytest.mark.usefixtures("clean_db", "fresh_status_comments")

SECONDARY_LIMIT = {
    "message": "You have exceeded a secondary rate limit. Please wait a few minutes before"
    " you try again.",
    "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
    "status": "403",
}


@pytest.fixture
def fresh_status_comments() -> Iterator[None]:
    """Forget status comments a task left in this process: task ids restart with every test,
    and in-process workers (unlike RQ's forked work-horses) would find another test's."""
    agent_run._live.clear()
    yield
    agent_run._live.clear()


def events(owner_conn: Conn, task_id: int) -> list[tuple[str, str, datetime]]:
    return owner_conn.execute(
        "SELECT kind, message, created_at FROM task_events WHERE task_id = %s ORDER BY id",
        (task_id,),
    ).fetchall()


def scheduled_retry(redis: Redis, owner_conn: Conn, task_id: int, attempts: int) -> timedelta:
    """Check RQ holds one job for the task, its next run, scheduled; return how long after
    the failure (the `retry` event) it is due."""
    registry = queue(redis, "default").scheduled_job_registry
    assert registry.get_job_ids() == [job_id(task_id, attempts)]
    assert all(queue(redis, name).job_ids == [] for name in QUEUE_NAMES)  # nothing runs now
    # the reconciler, passing meanwhile, sees RQ holds the retry and adds no second job
    assert reconcile(context.current().db, redis, queued_for=timedelta(0)) == []
    assert registry.get_job_ids() == [job_id(task_id, attempts)]
    kind, _, failed_at = events(owner_conn, task_id)[-1]
    assert kind == "retry"
    due: datetime = registry.get_scheduled_time(job_id(task_id, attempts))
    return due - failed_at.replace(microsecond=0)  # RQ keeps the due time in whole seconds


def run_due(redis: Redis, *, now: bool = False) -> None:
    """Run what is due, as a burst worker with its scheduler does; `now` first moves every
    scheduled job's due time to the present (the wait itself is what `scheduled_retry`
    checked)."""
    if now:
        registry = queue(redis, "default").scheduled_job_registry
        for jid in registry.get_job_ids():
            redis.zadd(registry.key, {jid: int(time.time()) - 1})
    worker = SimpleWorker([queue(redis, name) for name in QUEUE_NAMES], connection=redis)
    worker.work(burst=True, with_scheduler=True)


def assert_one_pull_request(sim: GitHubSimulator, number: int) -> None:
    assert len(sim.pulls(OWNER, REPO)) == 1
    assert git(sim, "branch", "--list", "morningai/*").split() == [f"morningai/issue-{number}"]
    [comment] = status_comments(sim, number)
    assert "✅ Done" in comment["body"]


def test_github_502_is_retried_after_backoff_and_then_succeeds(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    model.expect_chat(PLAN)
    model.expect_chat(EDIT)
    # opening the pull request fails more often than the client retries in place
    sim.inject_fault("POST", r"/pulls$", 502, times=2)
    assert agent.post("issues", labeled(repo)).status_code == 202
    drain(redis)

    task_id, status, error, attempts, _ = task_row(owner_conn)
    assert (status, error, attempts) == ("queued", "GitHub answered 502", 1)
    assert "retrying in 5 s" in events(owner_conn, task_id)[-1][1]
    assert timedelta(seconds=4) <= scheduled_retry(redis, owner_conn, task_id, 1)
    run_due(redis)  # too early: nothing runs
    assert task_row(owner_conn)[1:4] == ("queued", "GitHub answered 502", 1)

    time.sleep(6)  # the real backoff, then the worker's scheduler enqueues the retry
    run_due(redis)
    task_id, status, error, attempts, _ = task_row(owner_conn)
    assert (status, error, attempts) == ("succeeded", None, 2)
    model.assert_done()  # the retry paid for no model call: the graph's result was kept
    assert_one_pull_request(sim, repo["number"])


def test_secondary_rate_limit_waits_for_retry_after(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    sim.inject_fault(
        "POST", r"/reactions$", 403, headers={"Retry-After": "90"}, body=SECONDARY_LIMIT
    )
    assert agent.post("issues", labeled(repo)).status_code == 202
    drain(redis)

    task_id, status, error, attempts, _ = task_row(owner_conn)
    assert (status, error, attempts) == ("queued", "GitHub's rate limit was reached", 1)
    assert "retrying in 90 s" in events(owner_conn, task_id)[-1][1]
    assert scheduled_retry(redis, owner_conn, task_id, 1) >= timedelta(seconds=90)
    run_due(redis)  # not yet due: nothing runs
    assert task_row(owner_conn)[1] == "queued"

    model.expect_chat(PLAN)
    model.expect_chat(EDIT)
    run_due(redis, now=True)
    assert task_row(owner_conn)[1:4] == ("succeeded", None, 2)
    model.assert_done()
    assert_one_pull_request(sim, repo["number"])
    assert [r["content"] for r in sim.reactions(OWNER, REPO, repo["number"])] == ["eyes"]


def test_short_retry_after_is_waited_in_place(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    sim.inject_fault(
        "POST", r"/reactions$", 403, headers={"Retry-After": "1"}, body=SECONDARY_LIMIT
    )
    model.expect_chat(PLAN)
    model.expect_chat(EDIT)
    assert agent.post("issues", labeled(repo)).status_code == 202
    drain(redis)
    assert task_row(owner_conn)[1:4] == ("succeeded", None, 1)
    assert_one_pull_request(sim, repo["number"])


def test_deleted_repository_fails_the_task_and_the_comment_says_why(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    # the repository disappears after the task was acknowledged
    sim.inject_fault(
        "GET",
        rf"^/repos/{OWNER}/{REPO}$",
        404,
        body={"message": "Not Found", "documentation_url": "https://docs.github.com"},
    )
    assert agent.post("issues", labeled(repo)).status_code == 202
    drain(redis)

    task_id, status, error, attempts, _ = task_row(owner_conn)
    reason = "GitHub answered 404: the repository or issue is gone, or the app lost access to it"
    assert (status, error, attempts) == ("failed", reason, 1)
    assert [e[0] for e in events(owner_conn, task_id)] == ["started", "acknowledged", "failed"]
    assert queue(redis, "default").scheduled_job_registry.get_job_ids() == []  # no retry
    [comment] = status_comments(sim, repo["number"])
    assert "❌ Failed" in comment["body"]
    assert f"I could not finish: {reason}." in comment["body"]
    assert model.requests == []
    assert sim.pulls(OWNER, REPO) == []
