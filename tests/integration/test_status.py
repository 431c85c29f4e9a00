"""`morningai status` against real PostgreSQL and Redis: tasks of two tenants in every state."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from redis import Redis

from db import repositories, tasks, tenants
from db.pool import Database
from db.repositories import RepoRef
from db.tenancy import tenant_transaction, unscoped_transaction
from jobs.runtime.queues import enqueue_task
from morningai.embedded import DatabaseUrls
from morningai.status import gather
from tests.support.processes import run_cli

Conn = psycopg.Connection[tuple[Any, ...]]
PRIVATE = "PRIVATE-INSTRUCTIONS-never-shown"

pytestmark = pytest.mark.usefixtures("clean_db")


def make_task(db: Database, installation: int, number: int, kind: str = "code") -> int:
    with unscoped_transaction(db) as conn:
        tenant = tenants.upsert_installation(
            conn,
            installation_id=installation,
            account_login=f"org{installation}",
            account_id=None,
            account_type="Organization",
            status="active",
        )
    with tenant_transaction(db, tenant) as scope:
        repo = repositories.upsert(scope, RepoRef(installation * 10, f"org{installation}/app"))
        subject = {
            "repository": f"org{installation}/app",
            "number": number,
            "instructions": PRIVATE,
        }
        task = tasks.create(
            scope, tasks.NewTask(kind, "default", uuid.uuid4().hex, subject, repository_id=repo)
        )
    return task.id


def set_row(conn: Conn, task_id: int, assignments: str) -> None:
    conn.execute(f"UPDATE tasks SET {assignments} WHERE id = %s", (task_id,))


@pytest.fixture
def landscape(app_db: Database, owner_conn: Conn, redis: Redis) -> dict[str, int]:
    ids = {
        "running": make_task(app_db, 5001, 1),
        "silent": make_task(app_db, 5002, 2),
        "held": make_task(app_db, 5001, 3),
        "lost": make_task(app_db, 5002, 4, kind="ask"),
        "failed_old": make_task(app_db, 5002, 5),
        "failed_new": make_task(app_db, 5001, 6, kind="faq_pr"),
        "succeeded": make_task(app_db, 5001, 7),
    }
    running = "status = 'running', attempts = 1, worker = 'host:1', started_at = now() - "
    set_row(owner_conn, ids["running"], running + "interval '3 min', heartbeat_at = now()")
    set_row(
        owner_conn,
        ids["silent"],
        running + "interval '20 min', heartbeat_at = now() - interval '10 min'",
    )
    long_ago = "created_at = now() - interval '1 hour', enqueued_at = now() - interval '1 hour'"
    set_row(owner_conn, ids["held"], long_ago)
    set_row(owner_conn, ids["lost"], long_ago)
    assert enqueue_task(redis, ids["held"], 0, "code", "default")
    finished = "started_at = now() - interval '2 hours', attempts = 1, finished_at = now() - "
    set_row(
        owner_conn,
        ids["failed_old"],
        f"status = 'failed', error = 'old failure', {finished} interval '1 hour'",
    )
    set_row(
        owner_conn,
        ids["failed_new"],
        f"status = 'failed', error = 'the branch refused the push', {finished} interval '1 min'",
    )
    set_row(owner_conn, ids["succeeded"], f"status = 'succeeded', {finished} interval '5 min'")
    return ids


def test_gather_sorts_tasks_by_how_they_stand(
    app_db: Database, redis: Redis, landscape: dict[str, int]
) -> None:
    report = gather(app_db, redis, stale_after=timedelta(seconds=60), failures=10)
    assert report.queues["default"]["queued"] == 1
    assert report.queues["high"] == {"queued": 0, "scheduled": 0, "started": 0, "failed": 0}
    assert [t.id for t in report.running] == [landscape["running"], landscape["silent"]]
    assert [(s.task.id, s.task.status) for s in report.stuck] == [
        (landscape["silent"], "running"),
        (landscape["lost"], "queued"),
    ]
    assert report.stuck[0].why.startswith("no heartbeat for 10m")
    assert report.stuck[1].why == "queued 1h00m ago, RQ holds no job"
    assert [t.id for t in report.failures] == [landscape["failed_new"], landscape["failed_old"]]
    newest = report.failures[0]
    assert (newest.kind, newest.repository, newest.number) == ("faq_pr", "org5001/app", 6)
    assert newest.account_login == "org5001"
    assert newest.error == "the branch refused the push"

    one = gather(app_db, redis, stale_after=timedelta(hours=2), failures=1)
    assert one.stuck == []
    assert [t.id for t in one.failures] == [landscape["failed_new"]]


def test_status_command_prints_the_report(
    database: DatabaseUrls, redis_url: str, landscape: dict[str, int]
) -> None:
    env = {"DATABASE_URL": database.app, "REDIS_URL": redis_url, "LOG_FORMAT": "json"}
    result = run_cli("status", "--failures", "5", env=env)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert PRIVATE not in out
    assert "Running tasks: 2" in out
    assert "Stuck tasks: 2 (TASK_STALE_SECONDS=60)" in out
    assert "Last failures: 2" in out
    assert "the branch refused the push" in out
    assert f"  {landscape['lost']}  " in out
    assert "org5002/app#4" in out
    assert "org5001/app#7" not in out  # succeeded: neither running, stuck nor failed

    # LOG_FORMAT=json: whatever a command logs is one JSON object a line
    reconciled = run_cli("reconcile", env=env)
    assert reconciled.returncode == 0, reconciled.stderr
    records = [json.loads(line) for line in reconciled.stderr.splitlines()]
    assert any(r["message"].startswith("enqueued ") for r in records)
    assert {"time", "level", "logger", "message"} <= set(records[-1])
