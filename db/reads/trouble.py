"""Tasks in trouble: the stuck decision (pure, for every reader), a tenant's stuck and failed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, Protocol, TypeVar

from psycopg import sql

from db.reads.task_list import TaskView, views
from db.tenancy import TenantScope

LIVE_LIMIT = 500  # queued + running rows read; a longer backlog is cut, oldest kept


class LiveTask(Protocol):
    """What the stuck decision reads of a task, whichever read model it comes from."""

    @property
    def status(self) -> str: ...
    @property
    def worker(self) -> str | None: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def enqueued_at(self) -> datetime | None: ...
    @property
    def started_at(self) -> datetime | None: ...
    @property
    def heartbeat_at(self) -> datetime | None: ...


T = TypeVar("T", bound=LiveTask)


@dataclass(frozen=True)
class Stuck(Generic[T]):
    task: T
    why: str  # for people: "no heartbeat for 10m01s on host:1"


def find_stuck(
    live: Sequence[T], now: datetime, stale_after: timedelta, held_by_rq: Callable[[T], bool]
) -> list[Stuck[T]]:
    """Running tasks whose heartbeat is older than `stale_after` (their worker died), and
    tasks queued longer than that which RQ holds no job for (the reconciler's to fix)."""
    found = []
    for task in live:
        if task.status == "running":
            beat = task.heartbeat_at or task.started_at or task.created_at
            if now - beat > stale_after:
                where = f" on {task.worker}" if task.worker else ""
                found.append(Stuck(task, f"no heartbeat for {ago(now - beat)}{where}"))
        elif task.status == "queued":
            since = task.enqueued_at or task.created_at
            # RQ is asked last: only about the few tasks that have waited too long
            if now - since > stale_after and not held_by_rq(task):
                found.append(Stuck(task, f"queued {ago(now - since)} ago, RQ holds no job"))
    return found


def ago(delta: timedelta) -> str:
    """A short duration: 8s, 4m12s, 3h05m, 2d03h."""
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours:02d}h"


def clock(scope: TenantScope) -> datetime:
    """The database's time, which wrote every timestamp compared with it."""
    row = scope.conn.execute("SELECT now()").fetchone()
    assert row is not None
    value: datetime = row[0]
    return value


def live_tasks(scope: TenantScope, limit: int = LIVE_LIMIT) -> list[TaskView]:
    """Queued and running tasks: running first, then the longest waiting."""
    tail = sql.SQL("ORDER BY k.status <> 'running', k.id LIMIT %s")
    return views(scope, sql.SQL("k.status IN ('queued', 'running')"), (limit,), tail)


def stuck_tasks(
    scope: TenantScope, stale_after: timedelta, held_by_rq: Callable[[TaskView], bool]
) -> list[Stuck[TaskView]]:
    """The tenant's stuck tasks. `held_by_rq` (e.g. `jobs.runtime.queues.held_by_rq` bound
    to a Redis client) is asked inside the transaction, about long-queued tasks only."""
    return find_stuck(live_tasks(scope), clock(scope), stale_after, held_by_rq)


def last_failures(scope: TenantScope, limit: int = 10) -> list[TaskView]:
    """The tenant's failed tasks, the most recently finished first."""
    tail = sql.SQL("ORDER BY k.finished_at DESC NULLS LAST, k.id DESC LIMIT %s")
    return views(scope, sql.SQL("k.status = 'failed'"), (limit,), tail)
