"""The claim path's edges that mutation testing (bench/mutation.py, MUTATION_TESTING.md) found
unwatched: which tasks the reconciler picks up (a queued task waiting too long and a running one
whose heartbeat went stale — never a live one, a fresh one or a finished one), a running task
beats while its work runs (else the reconciler would take it from its live worker), a worker
told to exit mid-task records how the task ended and still exits, work that should not run
ends cancelled (not failed), a permanent failure ends at once while a transient one is
scheduled in RQ as long as runs remain, and a job whose task does not exist is dropped rather than
failing."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from redis import Redis

from core.settings import Settings
from db import tasks
from db.pool import Database
from jobs.runtime import context
from jobs.runtime.context import JobContext
from jobs.runtime.errors import Cancelled, PermanentError, TransientError
from jobs.runtime.queues import job_id, queue
from jobs.runtime.runner import TaskRun, run_task
from tests.support.task_rows import make_task, tenant

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]
Conn = psycopg.Connection[tuple[Any, ...]]
OLD = "now() - interval '10 minutes'"


def test_the_reconciler_picks_waiting_and_stale_tasks_only(
    app_db: Database, owner_conn: Conn
) -> None:
    tenant_id = tenant(app_db, 9301)
    ids = {
        name: make_task(app_db, tenant_id, "org/app", n)
        for n, name in enumerate(
            ["waiting", "fresh", "enqueued", "stale", "live", "done", "stopped"], start=1
        )
    }
    ages = {
        "waiting": f"created_at = {OLD}",
        "fresh": "created_at = now()",
        "enqueued": f"created_at = {OLD}, enqueued_at = now()",
        "stale": f"status = 'running', started_at = {OLD}, heartbeat_at = {OLD}",
        "live": f"status = 'running', started_at = {OLD}, heartbeat_at = now()",
        "done": f"status = 'succeeded', started_at = {OLD}, heartbeat_at = {OLD},"
        f" created_at = {OLD}, finished_at = {OLD}",
        "stopped": f"status = 'cancelled', started_at = {OLD}, heartbeat_at = {OLD},"
        f" created_at = {OLD}, finished_at = {OLD}",
    }
    for name, assignments in ages.items():
        # the assignments are this test's own constants
        owner_conn.execute(f"UPDATE tasks SET {assignments} WHERE id = %s", (ids[name],))
    with app_db.connection() as conn:
        found = tasks.to_reconcile(conn, timedelta(seconds=60), timedelta(seconds=60))
    assert {(c.task_id, c.status) for c in found} == {
        (ids["waiting"], "queued"),
        (ids["stale"], "running"),
    }
    assert {c.tenant_id for c in found} == {tenant_id}


def test_a_job_whose_task_does_not_exist_is_dropped(worker_ctx: JobContext) -> None:
    ran: list[int] = []

    def work(run: TaskRun) -> str:
        ran.append(run.task.id)
        return "done"

    run_task(987654321, work)  # no exception: RQ would otherwise keep a failed job for it
    assert ran == []


def test_a_running_task_beats_while_its_work_runs(
    settings: Settings, redis: Redis, app_db: Database, owner_conn: Conn
) -> None:
    ctx = context.build(settings.model_copy(update={"task_stale_seconds": 2}))  # beat: 0.5 s
    context.install(ctx)
    tenant_id = tenant(app_db, 9302)
    task_id = make_task(app_db, tenant_id, "org/app", 1)
    seen: list[tuple[Any, ...] | None] = []

    def work(run: TaskRun) -> str:
        time.sleep(1.6)
        seen.append(
            owner_conn.execute(
                "SELECT status, heartbeat_at - started_at > interval '0.4 seconds'"
                " FROM tasks WHERE id = %s",
                (task_id,),
            ).fetchone()
        )
        return "done"

    try:
        run_task(task_id, work)
    finally:
        ctx.close()
    assert seen == [("running", True)]


def test_a_worker_told_to_exit_mid_task_records_the_end_and_still_exits(
    worker_ctx: JobContext, app_db: Database, owner_conn: Conn
) -> None:
    tenant_id = tenant(app_db, 9303)
    task_id = make_task(app_db, tenant_id, "org/app", 1)

    def work(run: TaskRun) -> str:
        raise SystemExit(1)  # the worker's cold shutdown, inside the job

    with pytest.raises(SystemExit):
        run_task(task_id, work)
    row = owner_conn.execute("SELECT status FROM tasks WHERE id = %s", (task_id,)).fetchone()
    assert row == ("failed",)


def test_work_that_should_not_run_ends_cancelled_not_failed(
    worker_ctx: JobContext, app_db: Database, owner_conn: Conn
) -> None:
    tenant_id = tenant(app_db, 9304)
    task_id = make_task(app_db, tenant_id, "org/app", 1)

    def work(run: TaskRun) -> str:
        raise Cancelled("@mallory lacks write access")

    run_task(task_id, work)
    row = owner_conn.execute("SELECT status, error FROM tasks WHERE id = %s", (task_id,)).fetchone()
    assert row == ("cancelled", "@mallory lacks write access")


def test_a_permanent_failure_ends_at_once_and_a_transient_one_is_scheduled_while_runs_remain(
    worker_ctx: JobContext, redis: Redis, app_db: Database, owner_conn: Conn
) -> None:
    tenant_id = tenant(app_db, 9305)
    permanent = make_task(app_db, tenant_id, "org/app", 1)
    transient = make_task(app_db, tenant_id, "org/app", 2)
    last = make_task(app_db, tenant_id, "org/app", 3, max_attempts=1)

    def refused(run: TaskRun) -> str:
        raise PermanentError("the configuration is invalid")

    def flaky(run: TaskRun) -> str:
        raise TransientError("GitHub answered 502")

    run_task(permanent, refused)
    run_task(transient, flaky)
    run_task(last, flaky)
    found = owner_conn.execute("SELECT id, status, attempts FROM tasks").fetchall()
    rows = {task_id: (status, attempts) for task_id, status, attempts in found}
    assert rows == {permanent: ("failed", 1), transient: ("queued", 1), last: ("failed", 1)}
    # the retry waits in RQ's schedule; the reconciler is not needed to run it again
    registry = queue(redis, "default").scheduled_job_registry
    assert registry.get_job_ids() == [job_id(transient, 1)]
