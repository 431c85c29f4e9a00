"""Claiming a task, raced on the real PostgreSQL: of many workers holding the same job at once
exactly one runs it; a running task with a live heartbeat is never taken; one whose heartbeat
went stale is taken exactly once (its worker died)."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import psycopg
import pytest

from db import tasks
from db.pool import Database
from db.tenancy import tenant_transaction
from tests.support.task_rows import make_task, tenant

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]
Conn = psycopg.Connection[tuple[Any, ...]]
STALE_AFTER = timedelta(seconds=60)
RACERS = 8


def race(app_db: Database, tenant_id: int, task_id: int) -> list[str]:
    """RACERS workers claim the task at the same instant; the names of those who got it."""
    start = threading.Barrier(RACERS)
    won: list[str] = []
    lock = threading.Lock()

    def claim(name: str) -> None:
        with tenant_transaction(app_db, tenant_id) as scope:
            start.wait(timeout=10)
            got = tasks.claim(scope, task_id, name, STALE_AFTER)
        if got is not None:
            with lock:
                won.append(name)

    threads = [threading.Thread(target=claim, args=(f"w{i}",)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return won


def test_of_workers_racing_for_a_queued_task_exactly_one_runs_it(
    app_db: Database, owner_conn: Conn
) -> None:
    tenant_id = tenant(app_db, 9101)
    task_id = make_task(app_db, tenant_id, "org/app", 1)
    won = race(app_db, tenant_id, task_id)
    assert len(won) == 1
    row = owner_conn.execute(
        "SELECT status, attempts, worker FROM tasks WHERE id = %s", (task_id,)
    ).fetchone()
    assert row == ("running", 1, won[0])


def test_a_live_heartbeat_is_never_taken_and_a_stale_one_is_taken_once(
    app_db: Database, owner_conn: Conn
) -> None:
    tenant_id = tenant(app_db, 9102)
    task_id = make_task(app_db, tenant_id, "org/app", 2)
    with tenant_transaction(app_db, tenant_id) as scope:
        assert tasks.claim(scope, task_id, "first", STALE_AFTER) is not None
    with tenant_transaction(app_db, tenant_id) as scope:  # its worker is alive: it beats
        assert tasks.heartbeat(scope, task_id, "first")
    assert race(app_db, tenant_id, task_id) == []
    # the worker died: its last beat is older than STALE_AFTER
    owner_conn.execute(
        "UPDATE tasks SET heartbeat_at = now() - interval '61 seconds' WHERE id = %s", (task_id,)
    )
    won = race(app_db, tenant_id, task_id)
    assert len(won) == 1
    row = owner_conn.execute(
        "SELECT status, attempts, worker FROM tasks WHERE id = %s", (task_id,)
    ).fetchone()
    assert row == ("running", 2, won[0])
    with tenant_transaction(app_db, tenant_id) as scope:  # the dead worker's beat is refused
        assert not tasks.heartbeat(scope, task_id, "first")
