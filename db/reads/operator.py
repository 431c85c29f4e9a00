"""Operator read-outs across tenants, through 0005_metrics.sql's doors: never issue text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import psycopg
from psycopg.rows import class_row

from db.reads.trouble import LIVE_LIMIT

# for /metrics and `morningai status` only: a tenant's own views are the modules beside this one
Conn = psycopg.Connection[Any]
# seconds; a code task runs minutes, a stop or an ask seconds
DURATION_BOUNDS = (1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0, 1800.0, 3600.0)


@dataclass(frozen=True)
class DeliveryCount:
    event: str
    outcome: str
    deliveries: int


@dataclass(frozen=True)
class TaskCount:
    kind: str
    status: str
    tasks: int


@dataclass(frozen=True)
class DurationHistogram:
    """Finished tasks of one kind and final state: cumulative counts per bound, and the sum."""

    kind: str
    status: str
    bounds: tuple[float, ...]
    cumulative: tuple[int, ...]  # one per bound, then the total (the +Inf bucket)
    seconds: float

    @property
    def count(self) -> int:
        return self.cumulative[-1]


@dataclass(frozen=True)
class TenantUsage:
    tenant_id: int
    account_login: str
    prompt_tokens: int
    completion_tokens: int
    cost_usd: Decimal


@dataclass(frozen=True)
class OpsTask:
    """A task as an operator sees it: where it stands, not what it is about."""

    id: int
    tenant_id: int
    account_login: str
    kind: str
    queue: str
    status: str
    repository: str | None
    number: int | None
    attempts: int
    worker: str | None
    error: str | None
    created_at: datetime
    enqueued_at: datetime | None
    started_at: datetime | None
    heartbeat_at: datetime | None
    finished_at: datetime | None


@dataclass(frozen=True)
class Figures:
    """What /metrics reads from PostgreSQL, in one transaction."""

    deliveries: list[DeliveryCount]
    tasks: list[TaskCount]
    durations: list[DurationHistogram]
    usage: list[TenantUsage]


@dataclass(frozen=True)
class Overview:
    """Where every tenant's tasks stand, as `morningai status` shows them."""

    now: datetime  # the database's clock, which wrote every timestamp here
    live: list[OpsTask]  # running first, then the longest waiting
    failures: list[OpsTask]  # the most recently finished first

    @property
    def running(self) -> list[OpsTask]:
        return [t for t in self.live if t.status == "running"]


def figures(conn: Conn) -> Figures:
    return Figures(deliveries(conn), tasks(conn), task_durations(conn), usage(conn))


def overview(conn: Conn, failures: int = 10, live_limit: int = LIVE_LIMIT) -> Overview:
    """Queued and running tasks, and the last `failures` failed ones. Which live ones are stuck
    is `db.reads.trouble.find_stuck`'s to say: it asks RQ, which is no business of db."""
    row = conn.execute("SELECT now()").fetchone()
    assert row is not None
    live = ops_tasks(conn, ("queued", "running"), live_limit)
    return Overview(row[0], live, ops_tasks(conn, ("failed",), failures))


def deliveries(conn: Conn) -> list[DeliveryCount]:
    rows = conn.execute("SELECT event, outcome, deliveries FROM app_metrics_deliveries()")
    return [DeliveryCount(*row) for row in rows.fetchall()]


def tasks(conn: Conn) -> list[TaskCount]:
    rows = conn.execute("SELECT kind, status, tasks FROM app_metrics_tasks()")
    return [TaskCount(*row) for row in rows.fetchall()]


def task_durations(
    conn: Conn, bounds: Sequence[float] = DURATION_BOUNDS
) -> list[DurationHistogram]:
    rows = conn.execute(
        "SELECT kind, status, bucket, tasks, seconds FROM app_metrics_task_durations(%s)",
        (list(bounds),),
    ).fetchall()
    per_bucket: dict[tuple[str, str], list[int]] = {}
    seconds: dict[tuple[str, str], float] = {}
    for kind, status, bucket, count, total in rows:
        counts = per_bucket.setdefault((kind, status), [0] * (len(bounds) + 1))
        counts[len(bounds) if bucket is None else bucket - 1] += count
        seconds[kind, status] = seconds.get((kind, status), 0.0) + total
    return [
        DurationHistogram(kind, status, tuple(bounds), _cumulative(counts), seconds[kind, status])
        for (kind, status), counts in sorted(per_bucket.items())
    ]


def _cumulative(counts: list[int]) -> tuple[int, ...]:
    running, out = 0, []
    for count in counts:
        running += count
        out.append(running)
    return tuple(out)


def usage(conn: Conn) -> list[TenantUsage]:
    rows = conn.execute(
        "SELECT tenant_id, account_login, prompt_tokens, completion_tokens, cost_usd"
        " FROM app_metrics_usage()"
    )
    return [TenantUsage(*row) for row in rows.fetchall()]


def ops_tasks(conn: Conn, statuses: Sequence[str], limit: int) -> list[OpsTask]:
    """Tasks in `statuses`: running first, then the oldest waiting; finished ones newest
    first."""
    cur = conn.cursor(row_factory=class_row(OpsTask))
    return cur.execute("SELECT * FROM app_ops_tasks(%s, %s)", (list(statuses), limit)).fetchall()
