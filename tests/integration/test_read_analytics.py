"""The analytics read model on real PostgreSQL: one tenant's outcomes per day, its pull
requests (one per repository and number), time to open them, costs and failure reasons — in
the repositories asked for, never another tenant's."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from db.pool import Database
from db.reads.analytics import AnalyticsParts, Percentiles, collect, summarize, window_start
from db.tenancy import tenant_transaction
from tests.support.task_rows import make_task, tenant

TODAY = date(2026, 12, 4)
SINCE = window_start(3, TODAY)  # 2026-12-02 00:00 UTC
D2, D3, D4 = (datetime(2026, 12, day, 10, 0, tzinfo=UTC) for day in (2, 3, 4))
BEFORE = SINCE - timedelta(days=1)
TESTS_FAILED = "the change did not pass its checks: `pytest -q` (after 3 attempts)"

pytestmark = pytest.mark.usefixtures("clean_db")


def pull(
    number: int, state: str | None, created: datetime, opened_after: float | None = None
) -> dict[str, object]:
    """A task's columns for pull request `number`, opened `opened_after` seconds after the task
    was created (None: the task found it already open)."""
    row: dict[str, object] = {"status": "succeeded", "pr_number": number, "pr_state": state}
    row["created_at"] = created
    if opened_after is not None:
        row["pr_opened_at"] = created + timedelta(seconds=opened_after)
    if state in ("merged", "closed"):
        row["pr_closed_at"] = created + timedelta(hours=1)
    return row


@pytest.fixture
def tenants(app_db: Database) -> tuple[int, int]:
    a, b = tenant(app_db, 8001), tenant(app_db, 8002)
    # a: PR 11 open, PR 12 merged (its code task and a revise), docs PR 13 closed
    make_task(app_db, a, "org/app", 1, cost_usd="0.100000", **pull(11, "open", D2, 90))
    # a later task that says it opened PR 11 too: the first opening counts, once
    make_task(app_db, a, "org/app", 1, **pull(11, "open", D3, 30))
    make_task(app_db, a, "org/app", 2, cost_usd="0.300000", **pull(12, "merged", D2, 300))
    make_task(app_db, a, "org/app", 12, "revise", cost_usd="0.200000", **pull(12, "merged", D3))
    make_task(app_db, a, "org/docs", 3, cost_usd="0.050000", **pull(13, "closed", D3, 60))
    # MorningAI's FAQ history pull request counts among its pull requests, but time to pull
    # request measures issue → code pull request only
    make_task(app_db, a, "org/app", 0, "faq_history", **pull(14, "open", D3, 40))
    # a FAQ on someone else's pull request is not one of ours
    make_task(app_db, a, "org/app", 20, "faq_pr", cost_usd="0.010000", **pull(20, None, D3))
    # PR 10 was opened before the window: a revise on it now costs, but it is not counted
    make_task(app_db, a, "org/app", 9, cost_usd="5.000000", **pull(10, "merged", BEFORE, 10))
    make_task(app_db, a, "org/app", 10, "revise", cost_usd="0.020000", **pull(10, "merged", D4))
    fail = {"status": "failed", "created_at": D4}
    make_task(app_db, a, "org/app", 4, error=TESTS_FAILED, cost_usd="0.400000", **fail)
    make_task(app_db, a, "org/docs", 5, error="the task ran out of time", **fail)
    make_task(app_db, a, "org/app", 6, status="running", created_at=D4)
    make_task(app_db, a, "org/app", 7, created_at=D4)  # queued
    # b: a repository of the same name, a merged PR with the same number, a failure
    make_task(app_db, b, "org/app", 1, cost_usd="9.000000", **pull(12, "merged", D2, 5))
    make_task(app_db, b, "org/app", 4, status="failed", error="internal error", created_at=BEFORE)
    return a, b


def collected(
    app_db: Database, tenant_id: int, repositories: list[str] | None = None
) -> AnalyticsParts:
    with tenant_transaction(app_db, tenant_id) as scope:
        # a session in another zone must not move a task to another day
        scope.conn.execute("SET LOCAL timezone = 'Asia/Tokyo'")
        return collect(scope, SINCE, repositories)


def test_one_tenants_tasks_come_to_these_parts(app_db: Database, tenants: tuple[int, int]) -> None:
    a, _ = tenants
    assert collected(app_db, a) == AnalyticsParts(
        outcomes={
            (D2.date(), "succeeded"): 2,
            (D3.date(), "succeeded"): 5,
            (D4.date(), "succeeded"): 1,
            (D4.date(), "failed"): 2,
            (D4.date(), "running"): 1,
            (D4.date(), "queued"): 1,
        },
        pull_requests={"open": 2, "merged": 1, "closed": 1},
        time_to_pr_seconds=(60.0, 90.0, 300.0),
        total_cost_usd=Decimal("1.08"),
        merged_cost_usd=Decimal("0.5"),  # PR 12: its code task and the revise
        failures={"tests failed": 1, "timed out": 1},
    )


def test_only_the_repositories_asked_for_ignoring_case(
    app_db: Database, tenants: tuple[int, int]
) -> None:
    a, _ = tenants
    docs = collected(app_db, a, ["ORG/Docs", "org/elsewhere"])
    assert docs.pull_requests == {"closed": 1}
    assert docs.time_to_pr_seconds == (60.0,)
    assert docs.total_cost_usd == Decimal("0.05")
    assert docs.merged_cost_usd == Decimal(0)
    assert docs.failures == {"timed out": 1}
    assert sum(docs.outcomes.values()) == 2
    assert collected(app_db, a, []) == AnalyticsParts()


def test_tenants_never_count_each_others_tasks_and_combine_exactly(
    app_db: Database, tenants: tuple[int, int]
) -> None:
    a, b = tenants
    theirs = collected(app_db, b)
    assert theirs.pull_requests == {"merged": 1}
    assert theirs.total_cost_usd == Decimal("9")
    assert theirs.time_to_pr_seconds == (5.0,)
    assert theirs.failures == {}  # its failure was created before the window
    answer = summarize([collected(app_db, a), theirs], 3, TODAY)
    prs = answer.pull_requests
    assert (prs.opened, prs.merged, prs.closed, prs.open) == (5, 2, 1, 2)
    assert prs.merge_rate == pytest.approx(2 / 3)
    assert answer.time_to_pr_seconds == Percentiles(p50=60.0, p90=300.0)
    assert answer.total_cost_usd == Decimal("10.080000")
    assert answer.cost_per_merged_pr_usd == Decimal("4.750000")  # (0.50 + 9.00) / 2
    assert [d.day for d in answer.outcomes_by_day] == [D2.date(), D3.date(), D4.date()]
    assert answer.outcomes_by_day[0].succeeded == 3


def test_a_tenant_without_tasks_has_empty_parts(app_db: Database) -> None:
    lonely = tenant(app_db, 8003)
    assert collected(app_db, lonely) == AnalyticsParts()
    with tenant_transaction(app_db, lonely) as scope, pytest.raises(ValueError, match="zone"):
        collect(scope, SINCE.replace(tzinfo=None), None)
