"""A tenant's usage totals and its stuck and failed tasks, read from real PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from db.pool import Database
from db.reads import trouble, usage
from db.reads.task_list import TaskView
from db.reads.usage import PeriodUsage, RepositoryUsage, Usage
from db.tenancy import tenant_transaction
from tests.support.task_rows import make_task, tenant

JAN = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
# 23:30 UTC on the last of January: February already in Tokyo, still January in UTC
JAN_LATE = datetime(2026, 1, 31, 23, 30, tzinfo=UTC)
FEB = datetime(2026, 2, 2, 8, 0, tzinfo=UTC)

pytestmark = pytest.mark.usefixtures("clean_db")


def spend(created_at: datetime, prompt: int, completion: int, cost: str) -> dict[str, object]:
    return {
        "created_at": created_at,
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "cost_usd": cost,
        "status": "succeeded",
    }


@pytest.fixture
def spent(app_db: Database) -> int:
    a, b = tenant(app_db, 7001), tenant(app_db, 7002)
    make_task(app_db, a, "org/app", 1, **spend(JAN, 1000, 200, "0.010000"))
    make_task(app_db, a, "org/app", 2, **spend(JAN_LATE, 500, 100, "0.005000"))
    make_task(app_db, a, "org/docs", 3, **spend(FEB, 3000, 600, "0.030000"))
    make_task(app_db, a, "org/docs", 4, created_at=FEB)  # asked, nothing spent yet
    make_task(app_db, b, "org/app", 1, **spend(JAN, 99999, 99999, "99.000000"))
    return a


def test_totals_sum_the_tenants_tasks_within_the_window(app_db: Database, spent: int) -> None:
    with tenant_transaction(app_db, spent) as scope:
        everything = usage.total(scope)
        january = usage.total(scope, since=JAN, until=FEB)
        from_feb = usage.total(scope, since=FEB)
        before = usage.total(scope, until=JAN)
    assert everything == Usage(4, 4500, 900, Decimal("0.045"))
    assert everything.tokens == 5400
    assert january == Usage(2, 1500, 300, Decimal("0.015"))
    assert from_feb == Usage(2, 3000, 600, Decimal("0.03"))
    assert before == Usage(0, 0, 0, Decimal(0))


def test_totals_per_repository_most_expensive_first(app_db: Database, spent: int) -> None:
    with tenant_transaction(app_db, spent) as scope:
        per_repo = usage.by_repository(scope)
        january = usage.by_repository(scope, until=FEB)
    assert per_repo == [
        RepositoryUsage("org/docs", Usage(2, 3000, 600, Decimal("0.03"))),
        RepositoryUsage("org/app", Usage(2, 1500, 300, Decimal("0.015"))),
    ]
    assert january == [RepositoryUsage("org/app", Usage(2, 1500, 300, Decimal("0.015")))]


def test_totals_per_period_are_cut_in_utc(app_db: Database, spent: int) -> None:
    with tenant_transaction(app_db, spent) as scope:
        # a session in another zone must not move a task into the next month or day
        scope.conn.execute("SET LOCAL timezone = 'Asia/Tokyo'")
        months = usage.by_period(scope, "month")
        days = usage.by_period(scope, "day", since=JAN_LATE - timedelta(hours=1))
        weeks = usage.by_period(scope, "week", until=FEB)
        with pytest.raises(ValueError, match="unknown period"):
            usage.by_period(scope, "year")  # type: ignore[arg-type]
    assert months == [
        PeriodUsage(datetime(2026, 1, 1, tzinfo=UTC), Usage(2, 1500, 300, Decimal("0.015"))),
        PeriodUsage(datetime(2026, 2, 1, tzinfo=UTC), Usage(2, 3000, 600, Decimal("0.03"))),
    ]
    assert [(d.start, d.usage.tasks) for d in days] == [
        (datetime(2026, 1, 31, tzinfo=UTC), 1),
        (datetime(2026, 2, 2, tzinfo=UTC), 2),
    ]
    # ISO weeks start on Monday: 12 and 26 January 2026
    assert [w.start for w in weeks] == [
        datetime(2026, 1, 12, tzinfo=UTC),
        datetime(2026, 1, 26, tzinfo=UTC),
    ]


def test_stuck_tasks_are_silent_workers_and_queued_tasks_rq_lost(app_db: Database) -> None:
    a = tenant(app_db, 7001)
    ago = "now() - interval '{}'"
    running = {"status": "running", "attempts": 1, "worker": "host:9"}
    fresh = make_task(app_db, a, "org/app", 1, **running)
    silent = make_task(app_db, a, "org/app", 2, **running)
    lost = make_task(app_db, a, "org/app", 3)
    held = make_task(app_db, a, "org/app", 4)
    new = make_task(app_db, a, "org/app", 5)
    with tenant_transaction(app_db, a) as scope:
        for task_id, column, age in (
            (fresh, "heartbeat_at", "5 seconds"),
            (silent, "heartbeat_at", "10 minutes"),
            (lost, "enqueued_at", "1 hour"),
            (held, "enqueued_at", "1 hour"),
            (new, "enqueued_at", "5 seconds"),
        ):
            scope.conn.execute(
                f"UPDATE tasks SET {column} = {ago.format(age)} WHERE id = %s", (task_id,)
            )
    asked: list[int] = []

    def held_by_rq(task: TaskView) -> bool:
        asked.append(task.id)
        return task.id == held

    with tenant_transaction(app_db, a) as scope:
        stuck = trouble.stuck_tasks(scope, timedelta(seconds=60), held_by_rq)
    assert [(s.task.id, s.task.status) for s in stuck] == [(silent, "running"), (lost, "queued")]
    assert stuck[0].why.startswith("no heartbeat for 10m")
    assert stuck[0].why.endswith(" on host:9")
    assert stuck[1].why == "queued 1h00m ago, RQ holds no job"
    assert asked == [lost, held]


def test_last_failures_are_the_most_recently_finished(app_db: Database) -> None:
    a = tenant(app_db, 7001)
    failed = {"status": "failed", "error": "the model server answered 500"}
    old = make_task(app_db, a, "org/app", 1, finished_at=JAN, **failed)
    newest = make_task(app_db, a, "org/app", 2, finished_at=FEB, **failed)
    middle = make_task(app_db, a, "org/app", 3, finished_at=JAN_LATE, **failed)
    make_task(app_db, a, "org/app", 4, status="succeeded", finished_at=FEB)
    with tenant_transaction(app_db, a) as scope:
        every = trouble.last_failures(scope)
        two = trouble.last_failures(scope, limit=2)
    assert [t.id for t in every] == [newest, middle, old]
    assert [t.id for t in two] == [newest, middle]
    assert every[0].error == "the model server answered 500"
