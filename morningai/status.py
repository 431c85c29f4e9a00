"""`morningai status`: queue depths, running and stuck tasks, and the last failures.

`gather` reads PostgreSQL (operations views only: ids, kinds, states, times, repository names,
errors — never what an issue says) and Redis; `render` turns that into text and does no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from redis import Redis

from db import metrics as store
from db.metrics import OpsTask
from db.pool import Database
from db.tenancy import unscoped_transaction
from jobs.runtime.queues import depths, held_by_rq

LIVE_LIMIT = 500  # queued + running rows read; a longer backlog is cut, oldest kept
ERROR_WIDTH = 100
QUEUE_STATES = ("queued", "scheduled", "started", "failed")  # as jobs.runtime.queues.depths counts


@dataclass(frozen=True)
class Stuck:
    task: OpsTask
    why: str


@dataclass(frozen=True)
class StatusReport:
    now: datetime  # the database's clock, which wrote every timestamp here
    stale_after: timedelta
    queues: dict[str, dict[str, int]]
    running: list[OpsTask]
    stuck: list[Stuck]
    failures: list[OpsTask]


def gather(
    db: Database, redis: Redis, *, stale_after: timedelta, failures: int = 10
) -> StatusReport:
    with unscoped_transaction(db) as conn:
        row = conn.execute("SELECT now()").fetchone()
        assert row is not None
        now: datetime = row[0]
        live = store.ops_tasks(conn, ("queued", "running"), LIVE_LIMIT)
        failed = store.ops_tasks(conn, ("failed",), failures)
    queues = depths(redis)
    stuck = find_stuck(live, now, stale_after, lambda t: held_by_rq(redis, t.id, t.attempts))
    running = [t for t in live if t.status == "running"]
    return StatusReport(now, stale_after, queues, running, stuck, failed)


def find_stuck(
    live: Sequence[OpsTask],
    now: datetime,
    stale_after: timedelta,
    held_by_rq: Callable[[OpsTask], bool],
) -> list[Stuck]:
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


def render(report: StatusReport) -> str:
    now = report.now
    lines = [f"MorningAI status at {_when(now)}", ""]
    lines += _table(
        ["queue", *QUEUE_STATES],
        [
            [name, *(str(states.get(k, 0)) for k in QUEUE_STATES)]
            for name, states in report.queues.items()
        ],
    )
    lines += ["", f"Running tasks: {len(report.running) or 'none'}"]
    lines += _table(
        ["id", "kind", "tenant", "repository", "attempt", "started", "heartbeat"],
        [
            [
                str(t.id),
                t.kind,
                _tenant(t),
                _subject(t),
                str(t.attempts),
                _stamp(t.started_at, now),
                _since(t.heartbeat_at, now),
            ]
            for t in report.running
        ],
    )
    stale = int(report.stale_after.total_seconds())
    lines += ["", f"Stuck tasks: {len(report.stuck) or 'none'} (TASK_STALE_SECONDS={stale})"]
    lines += _table(
        ["id", "kind", "status", "tenant", "repository", "why"],
        [
            [str(s.task.id), s.task.kind, s.task.status, _tenant(s.task), _subject(s.task), s.why]
            for s in report.stuck
        ],
    )
    lines += ["", f"Last failures: {len(report.failures) or 'none'}"]
    lines += _table(
        ["id", "kind", "tenant", "repository", "finished", "error"],
        [
            [str(t.id), t.kind, _tenant(t), _subject(t), _stamp(t.finished_at, now), _error(t)]
            for t in report.failures
        ],
    )
    return "\n".join(lines) + "\n"


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    if not rows:
        return []
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    return [
        "  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
        for r in [headers, *rows]
    ]


def _when(at: datetime) -> str:
    return f"{at.astimezone(UTC):%Y-%m-%d %H:%M:%S}Z"


def _stamp(at: datetime | None, now: datetime) -> str:
    return "-" if at is None else f"{_when(at)} ({ago(now - at)} ago)"


def _since(at: datetime | None, now: datetime) -> str:
    return "never" if at is None else f"{ago(now - at)} ago"


def _tenant(task: OpsTask) -> str:
    return f"{task.tenant_id} {task.account_login}"


def _subject(task: OpsTask) -> str:
    repo = task.repository or "-"
    return f"{repo}#{task.number}" if task.number is not None else repo


def _error(task: OpsTask) -> str:
    text = " ".join((task.error or "-").split())  # one line, whatever the error held
    return text if len(text) <= ERROR_WIDTH else text[: ERROR_WIDTH - 1] + "…"
