"""A tenant's model usage — tokens and estimated cost — in total, per repository, per period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from psycopg import sql

from db.reads.task_list import REPOSITORY, TaskFilter, conditions
from db.tenancy import TenantScope

Period = Literal["day", "week", "month"]
# a task's usage counts in the period it was created in (UTC), as the task list filters it


@dataclass(frozen=True)
class Usage:
    tasks: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: Decimal

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class RepositoryUsage:
    repository: str | None  # None: tasks that name no repository
    usage: Usage


@dataclass(frozen=True)
class PeriodUsage:
    start: datetime  # the period's first instant, UTC
    usage: Usage


_SUMS = sql.SQL(
    "count(*), coalesce(sum(k.prompt_tokens), 0)::bigint,"
    " coalesce(sum(k.completion_tokens), 0)::bigint, coalesce(sum(k.cost_usd), 0)"
)
_FROM = sql.SQL("FROM tasks k LEFT JOIN repositories r ON r.id = k.repository_id")


def total(
    scope: TenantScope, *, since: datetime | None = None, until: datetime | None = None
) -> Usage:
    """Everything the scope's tenant used in [since, until)."""
    rows = _grouped(scope, sql.SQL("NULL"), since, until)
    return rows[0][1] if rows else Usage(0, 0, 0, Decimal(0))


def by_repository(
    scope: TenantScope, *, since: datetime | None = None, until: datetime | None = None
) -> list[RepositoryUsage]:
    """Per repository, most expensive first (then by name)."""
    rows = _grouped(scope, REPOSITORY, since, until)
    found = [RepositoryUsage(key, usage) for key, usage in rows]
    return sorted(found, key=lambda r: (-r.usage.cost_usd, r.repository or ""))


def by_period(
    scope: TenantScope,
    period: Period,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[PeriodUsage]:
    """Per day, ISO week (from Monday) or calendar month, oldest first; empty periods left out."""
    if period not in ("day", "week", "month"):
        raise ValueError(f"unknown period {period!r}")
    start = sql.SQL("date_trunc({}, k.created_at, 'UTC')").format(sql.Literal(period))
    rows = _grouped(scope, start, since, until)
    return sorted((PeriodUsage(key, usage) for key, usage in rows), key=lambda p: p.start)


def _grouped(
    scope: TenantScope, key: sql.Composable, since: datetime | None, until: datetime | None
) -> list[tuple[Any, Usage]]:
    where, params = conditions(TaskFilter(since=since, until=until))
    query = sql.SQL("SELECT {key}, {sums} {source} WHERE {where} GROUP BY 1").format(
        key=key, sums=_SUMS, source=_FROM, where=sql.SQL(" AND ").join(where)
    )
    rows = scope.conn.execute(query, params).fetchall()
    # a tenant with no tasks: no group at all, not one of zeros (GROUP BY over nothing)
    return [(row[0], Usage(int(row[1]), int(row[2]), int(row[3]), Decimal(row[4]))) for row in rows]


def month_to_date(scope: TenantScope, since: datetime, *, excluding: int | None = None) -> Usage:
    """What the scope's tenant (one installation) used on tasks created since `since`, leaving
    out task `excluding` (the one asking, which counts its own spend as it goes)."""
    query = sql.SQL(
        "SELECT {sums} FROM tasks k WHERE k.created_at >= %s AND k.id IS DISTINCT FROM %s"
    ).format(sums=_SUMS)
    row = scope.conn.execute(query, (since, excluding)).fetchone()
    if row is None:  # pragma: no cover - an aggregate always answers one row
        return Usage(0, 0, 0, Decimal(0))
    return Usage(int(row[0]), int(row[1]), int(row[2]), Decimal(row[3]))
