"""`morningai status`: the operator overview (never issue text) and queue depths, as text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from redis import Redis

from db.pool import Database
from db.reads import operator
from db.reads.operator import OpsTask
from db.reads.trouble import Stuck, ago, find_stuck
from db.tenancy import unscoped_transaction
from jobs.runtime.queues import depths, held_by_rq

ERROR_WIDTH = 100
QUEUE_STATES = ("queued", "scheduled", "started", "failed")  # as jobs.runtime.queues.depths counts


@dataclass(frozen=True)
class StatusReport:
    now: datetime  # the database's clock, which wrote every timestamp here
    stale_after: timedelta
    queues: dict[str, dict[str, int]]
    running: list[OpsTask]
    stuck: list[Stuck[OpsTask]]
    failures: list[OpsTask]


def gather(
    db: Database, redis: Redis, *, stale_after: timedelta, failures: int = 10
) -> StatusReport:
    with unscoped_transaction(db) as conn:
        seen = operator.overview(conn, failures)
    # Redis is asked after the transaction: no pooled connection waits on it
    queues = depths(redis)
    stuck = find_stuck(
        seen.live, seen.now, stale_after, lambda t: held_by_rq(redis, t.id, t.attempts)
    )
    return StatusReport(seen.now, stale_after, queues, seen.running, stuck, seen.failures)


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
