"""The task row's guards that mutation testing (bench/mutation.py, MUTATION_TESTING.md) found
unwatched: each statement touches only its own task, and only in the state it is meant for —
a stopped task stays cancelled whatever a late worker says, and a heartbeat or claim moves one
row, not every row of its worker or tenant."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import psycopg
import pytest

from db import tasks
from db.pool import Database
from db.tenancy import tenant_transaction, unscoped_transaction
from tests.support.task_rows import make_task, tenant

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]
Conn = psycopg.Connection[tuple[Any, ...]]
STALE_AFTER = timedelta(seconds=60)


def status(owner_conn: Conn, task_id: int) -> tuple[Any, ...] | None:
    return owner_conn.execute(
        "SELECT status, error, worker, finished_at IS NOT NULL FROM tasks WHERE id = %s",
        (task_id,),
    ).fetchone()


def test_a_stopped_task_stays_cancelled_when_its_worker_finishes_or_requeues_it(
    app_db: Database, owner_conn: Conn
) -> None:
    tenant_id = tenant(app_db, 9201)
    task_id = make_task(app_db, tenant_id, "org/app", 1)
    with tenant_transaction(app_db, tenant_id) as scope:
        assert tasks.claim(scope, task_id, "w1", STALE_AFTER) is not None
        assert tasks.finish(scope, task_id, "cancelled", "stopped by alice")
    with tenant_transaction(app_db, tenant_id) as scope:  # the worker ends late
        assert tasks.finish(scope, task_id, "succeeded") is False
        assert tasks.finish(scope, task_id, "failed", "boom") is False
        tasks.requeue(scope, task_id, "GitHub answered 502")
        assert tasks.heartbeat(scope, task_id, "w1") is False
    assert status(owner_conn, task_id) == ("cancelled", "stopped by alice", "w1", True)


def test_finish_and_requeue_touch_only_their_own_task(app_db: Database, owner_conn: Conn) -> None:
    tenant_id = tenant(app_db, 9202)
    mine = make_task(app_db, tenant_id, "org/app", 1)
    other = make_task(app_db, tenant_id, "org/app", 2)
    with tenant_transaction(app_db, tenant_id) as scope:
        for task_id in (mine, other):
            assert tasks.claim(scope, task_id, "w1", STALE_AFTER) is not None
        tasks.requeue(scope, mine, "GitHub answered 502")
    assert status(owner_conn, mine) == ("queued", "GitHub answered 502", None, False)
    assert status(owner_conn, other) == ("running", None, "w1", False)
    with tenant_transaction(app_db, tenant_id) as scope:
        assert tasks.finish(scope, other, "succeeded") is True
    assert status(owner_conn, mine) == ("queued", "GitHub answered 502", None, False)
    assert status(owner_conn, other) == ("succeeded", None, "w1", True)


def test_a_requeued_task_is_claimed_again_and_only_a_running_one_is_requeued(
    app_db: Database, owner_conn: Conn
) -> None:
    tenant_id = tenant(app_db, 9203)
    task_id = make_task(app_db, tenant_id, "org/app", 1)
    with tenant_transaction(app_db, tenant_id) as scope:
        tasks.requeue(scope, task_id, "never ran")  # queued, not running: nothing to undo
    assert status(owner_conn, task_id) == ("queued", None, None, False)
    with tenant_transaction(app_db, tenant_id) as scope:
        assert tasks.claim(scope, task_id, "w1", STALE_AFTER) is not None
        tasks.requeue(scope, task_id, "model answered 429")
        again = tasks.claim(scope, task_id, "w2", STALE_AFTER)
    assert again is not None
    assert (again.status, again.attempts, again.worker, again.error) == ("running", 2, "w2", None)


def test_a_claim_and_a_heartbeat_move_one_task_only(app_db: Database, owner_conn: Conn) -> None:
    tenant_id = tenant(app_db, 9204)
    first = make_task(app_db, tenant_id, "org/app", 1)
    second = make_task(app_db, tenant_id, "org/app", 2)
    with tenant_transaction(app_db, tenant_id) as scope:
        claimed = tasks.claim(scope, first, "w1", STALE_AFTER)
    assert claimed is not None
    assert claimed.id == first
    assert status(owner_conn, second) == ("queued", None, None, False)
    with tenant_transaction(app_db, tenant_id) as scope:
        assert tasks.claim(scope, second, "w1", STALE_AFTER) is not None
    owner_conn.execute("UPDATE tasks SET heartbeat_at = now() - interval '30 seconds'")
    with tenant_transaction(app_db, tenant_id) as scope:
        assert tasks.heartbeat(scope, first, "w1") is True
    beats: dict[int, bool] = dict(
        owner_conn.execute(
            "SELECT id, heartbeat_at > now() - interval '10 seconds' FROM tasks"
        ).fetchall()
    )
    assert beats == {first: True, second: False}


def test_finish_refuses_a_state_that_is_not_final_and_results_take_only_result_columns(
    app_db: Database, owner_conn: Conn
) -> None:
    tenant_id = tenant(app_db, 9205)
    task_id = make_task(app_db, tenant_id, "org/app", 1)
    with tenant_transaction(app_db, tenant_id) as scope:
        with pytest.raises(ValueError, match="not a final state"):
            tasks.finish(scope, task_id, "running")
        with pytest.raises(ValueError, match="not result columns"):
            tasks.record_results(scope, task_id, status="succeeded", model="m")
        tasks.record_results(scope, task_id)  # nothing to record: no statement
        tasks.record_results(scope, task_id, model="gpt-test", prompt_tokens=7)
    row = owner_conn.execute(
        "SELECT status, model, prompt_tokens FROM tasks WHERE id = %s", (task_id,)
    ).fetchone()
    assert row == ("queued", "gpt-test", 7)


def test_a_tasks_tenant_is_found_through_the_door_and_a_missing_task_has_none(
    app_db: Database,
) -> None:
    tenant_id = tenant(app_db, 9206)
    task_id = make_task(app_db, tenant_id, "org/app", 1)
    with unscoped_transaction(app_db) as conn:
        assert tasks.tenant_of(conn, task_id) == tenant_id
        assert tasks.tenant_of(conn, task_id + 1000) is None
