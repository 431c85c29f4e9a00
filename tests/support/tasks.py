"""Running queued jobs in the test process, and what a task left behind in PostgreSQL and RQ."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

import psycopg
from redis import Redis
from rq import SimpleWorker

from jobs.runtime import context
from jobs.runtime.queues import QUEUE_NAMES, job_id, queue
from jobs.runtime.reconciler import reconcile
from simulator import GitHubSimulator
from tests.support.simulated import OWNER, REPO, git, status_comments

Conn = psycopg.Connection[tuple[Any, ...]]


def drain(redis: Redis) -> None:
    """Run every queued job in this process, as `morningai worker --burst` would."""
    worker = SimpleWorker([queue(redis, name) for name in QUEUE_NAMES], connection=redis)
    worker.work(burst=True)


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


def task_row(owner_conn: Conn) -> tuple[Any, ...]:
    rows = owner_conn.execute("SELECT id, status, error, attempts, trace_id FROM tasks").fetchall()
    assert len(rows) == 1
    return rows[0]


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


def assert_one_pull_request(sim: GitHubSimulator, number: int) -> None:
    assert len(sim.pulls(OWNER, REPO)) == 1
    assert git(sim, "branch", "--list", "morningai/*").split() == [f"morningai/issue-{number}"]
    [comment] = status_comments(sim, number)
    assert "✅ Done" in comment["body"]
