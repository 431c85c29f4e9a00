"""Tenant-scoped read models on real PostgreSQL: list filters, paging, timelines, isolation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from db import task_events
from db.pool import Database
from db.reads import timeline, trouble, usage
from db.reads.task_list import Cursor, TaskFilter, get_task, list_tasks
from db.tenancy import tenant_transaction
from tests.support.task_rows import INSTRUCTIONS, make_task, tenant

Conn = psycopg.Connection[tuple[Any, ...]]
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

pytestmark = pytest.mark.usefixtures("clean_db")


def ids(db: Database, tenant_id: int, filters: TaskFilter, limit: int = 50) -> list[int]:
    with tenant_transaction(db, tenant_id) as scope:
        page = list_tasks(scope, filters, limit=limit)
    return [t.id for t in page.tasks]


def test_filters_pick_tasks_by_status_kind_repository_and_time(app_db: Database) -> None:
    a = tenant(app_db, 7001)
    hour = timedelta(hours=1)
    code = make_task(app_db, a, "org/app", 1, created_at=T0)
    ask = make_task(app_db, a, "org/app", 2, "ask", created_at=T0 + hour)
    failed = make_task(app_db, a, "org/docs", 3, status="failed", created_at=T0 + 2 * hour)
    done = make_task(app_db, a, "org/docs", 4, status="succeeded", created_at=T0 + 3 * hour)

    assert ids(app_db, a, TaskFilter()) == [done, failed, ask, code]  # newest first
    assert ids(app_db, a, TaskFilter(statuses=("failed", "succeeded"))) == [done, failed]
    assert ids(app_db, a, TaskFilter(statuses=("queued",))) == [ask, code]
    assert ids(app_db, a, TaskFilter(kinds=("ask",))) == [ask]
    assert ids(app_db, a, TaskFilter(repository="ORG/Docs")) == [done, failed]  # GitHub's case
    assert ids(app_db, a, TaskFilter(repository="org/none")) == []
    # [since, until): a task created exactly at `until` belongs to the next window
    window = TaskFilter(since=T0 + hour, until=T0 + 3 * hour)
    assert ids(app_db, a, window) == [failed, ask]
    both = TaskFilter(kinds=("code",), repository="org/docs", since=T0 + 3 * hour)
    assert ids(app_db, a, both) == [done]


def test_pages_follow_the_cursor_without_repeating_or_skipping(app_db: Database) -> None:
    a = tenant(app_db, 7001)
    # tasks 4-7 and 1-3 share a created_at, and each page boundary cuts one of those groups:
    # only the id tells which of them a page already showed
    made = [
        make_task(app_db, a, "org/app", n, created_at=T0 + timedelta(minutes=n // 4))
        for n in range(1, 9)
    ]
    newest_first = sorted(made, key=lambda i: ((made.index(i) + 1) // 4, i), reverse=True)
    seen: list[int] = []
    sizes: list[int] = []
    after: Cursor | None = None
    with tenant_transaction(app_db, a) as scope:
        for _ in range(5):  # bounded: a cursor that goes nowhere must fail, not loop
            page = list_tasks(scope, TaskFilter(), limit=3, after=after)
            seen += [t.id for t in page.tasks]
            sizes.append(len(page.tasks))
            if page.next is None:
                break
            after = Cursor.parse(page.next.token)  # as an API client hands it back
            # a task created meanwhile sorts before the cursor: later pages do not show it
            make_task(app_db, a, "org/app", 100 + len(seen), created_at=T0 + timedelta(days=1))
    assert sizes == [3, 3, 2]
    assert seen == newest_first


def test_a_full_last_page_says_there_is_no_next(app_db: Database) -> None:
    a = tenant(app_db, 7001)
    for n in range(4):
        make_task(app_db, a, "org/app", n + 1)
    with tenant_transaction(app_db, a) as scope:
        first = list_tasks(scope, TaskFilter(), limit=2)
        assert first.next is not None
        second = list_tasks(scope, TaskFilter(), limit=2, after=first.next)
        with pytest.raises(ValueError, match="page holds"):
            list_tasks(scope, TaskFilter(), limit=0)
    assert len(second.tasks) == 2
    assert second.next is None


@pytest.mark.parametrize("token", ["", "bm90IGEgY3Vyc29y", "%%%", "MjAyNi0wMy0wMnw3"])
def test_a_cursor_this_module_did_not_write_is_refused(token: str) -> None:
    with pytest.raises(ValueError, match="not a task list cursor"):
        Cursor.parse(token)


def test_timeline_has_the_task_what_was_asked_and_its_events_in_order(
    app_db: Database,
) -> None:
    a = tenant(app_db, 7001)
    task_id = make_task(app_db, a, "org/app", 5, prompt_tokens=900, cost_usd="0.0042")
    other = make_task(app_db, a, "org/app", 6)
    steps = ["queued", "reading", "planning", "editing", "published"]
    for n, step in enumerate(steps):
        # one event a transaction, another task's between: order is the timeline's, not luck
        with tenant_transaction(app_db, a) as scope:
            task_events.add(scope, task_id, "stage", f"{n}: {step}", {"stage": step})
            task_events.add(scope, other, "stage", "elsewhere")
    with tenant_transaction(app_db, a) as scope:
        # every event at one instant: only the order they were written in tells them apart
        scope.conn.execute("UPDATE task_events SET created_at = %s", (T0,))
        found = timeline.timeline(scope, task_id)
        missing = timeline.timeline(scope, other + 1000)
    assert found is not None
    assert missing is None
    assert [e.message for e in found.events] == [f"{n}: {s}" for n, s in enumerate(steps)]
    assert [e.data["stage"] for e in found.events] == steps
    assert (found.task.id, found.task.repository, found.task.number) == (task_id, "org/app", 5)
    assert (found.task.requested_by, found.task.prompt_tokens) == ("alice", 900)
    assert str(found.task.cost_usd) == "0.004200"
    assert (found.instructions, found.trigger) == (INSTRUCTIONS, "label:morningai")


def test_a_tenant_never_sees_another_tenants_tasks(app_db: Database, owner_conn: Conn) -> None:
    a, b = tenant(app_db, 7001), tenant(app_db, 7002)
    # the same repository name in both: only row-level security tells them apart
    mine = make_task(app_db, a, "org/app", 1, status="failed", prompt_tokens=10, cost_usd="1")
    theirs = [
        make_task(app_db, b, "org/app", 1, status="failed", prompt_tokens=99, cost_usd="9"),
        make_task(app_db, b, "org/app", 2, status="running", heartbeat_at=T0),
        make_task(app_db, b, "org/app", 3, created_at=T0),  # queued long ago
    ]
    with tenant_transaction(app_db, b) as scope:
        task_events.add(scope, theirs[0], "stage", "theirs")
    total = owner_conn.execute("SELECT count(*) FROM tasks").fetchone()
    assert total == (4,)

    with tenant_transaction(app_db, a) as scope:
        listed = list_tasks(scope, TaskFilter(repository="org/app")).tasks
        assert [t.id for t in listed] == [mine]
        assert all(get_task(scope, t) is None for t in theirs)
        assert all(timeline.timeline(scope, t) is None for t in theirs)
        assert usage.total(scope) == usage.Usage(1, 10, 0, Decimal(1))
        assert [r.repository for r in usage.by_repository(scope)] == ["org/app"]
        assert [t.id for t in trouble.last_failures(scope)] == [mine]
        stuck = trouble.stuck_tasks(scope, timedelta(seconds=60), lambda t: False)
        assert stuck == []
    with tenant_transaction(app_db, b) as scope:
        assert {t.id for t in list_tasks(scope, TaskFilter()).tasks} == set(theirs)
