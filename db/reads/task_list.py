"""A tenant's tasks as people see them: filtered, newest first, paged by a keyset cursor."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from psycopg import sql
from psycopg.rows import class_row

from db.tenancy import TenantScope

MAX_PAGE = 200


@dataclass(frozen=True)
class TaskView:
    """One task row with its repository's name and what it cost; its subject's operational
    parts only (the instructions are in the timeline)."""

    id: int
    tenant_id: int
    kind: str
    queue: str
    status: str
    repository: str | None
    number: int | None
    requested_by: str | None
    trace_id: str
    attempts: int
    max_attempts: int
    worker: str | None
    error: str | None
    model: str | None
    prompt_tokens: int
    completion_tokens: int
    cost_usd: Decimal
    pr_number: int | None
    pr_url: str | None
    pr_state: str | None  # open, merged or closed (GitHub's pull_request webhook says)
    created_at: datetime
    enqueued_at: datetime | None
    started_at: datetime | None
    heartbeat_at: datetime | None
    finished_at: datetime | None


@dataclass(frozen=True)
class TaskFilter:
    """Empty tuples and None mean "any"; `since`/`until` bound `created_at` as [since, until)."""

    statuses: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    repository: str | None = None  # full name, compared as GitHub does: ignoring case
    # only these repositories (ignoring case); None: any, (): none at all
    repositories: tuple[str, ...] | None = None
    requested_by: str | None = None  # a GitHub login, ignoring case
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: the last task's (created_at, id), the list's sort key."""

    created_at: datetime
    id: int

    @property
    def token(self) -> str:
        raw = f"{self.created_at.isoformat()}|{self.id}".encode()
        return base64.urlsafe_b64encode(raw).decode("ascii")

    @classmethod
    def parse(cls, token: str) -> Cursor:
        """The cursor a `token` stands for; ValueError for anything this module did not write."""
        try:
            raw = base64.urlsafe_b64decode(token.encode("ascii")).decode("utf-8")
            when, _, task_id = raw.rpartition("|")
            at = datetime.fromisoformat(when)
            number = int(task_id)
        except (UnicodeError, binascii.Error, ValueError) as exc:
            raise ValueError("not a task list cursor") from exc
        if at.tzinfo is None:
            raise ValueError("not a task list cursor")
        return cls(at, number)


@dataclass(frozen=True)
class TaskPage:
    tasks: list[TaskView]
    next: Cursor | None  # None: this was the last page


# a task outlives its repository's row (ON DELETE SET NULL): then its subject names it
VIEW = sql.SQL(
    "SELECT k.id, k.tenant_id, k.kind, k.queue, k.status,"
    " coalesce(r.full_name, k.subject ->> 'repository') AS repository,"
    " CASE WHEN jsonb_typeof(k.subject -> 'number') = 'number'"
    "      THEN (k.subject ->> 'number')::integer END AS number,"
    " k.subject ->> 'requested_by' AS requested_by, k.trace_id, k.attempts, k.max_attempts,"
    " k.worker, k.error, k.model, k.prompt_tokens, k.completion_tokens, k.cost_usd,"
    " k.pr_number, k.pr_url, k.pr_state, k.created_at, k.enqueued_at, k.started_at,"
    " k.heartbeat_at,"
    " k.finished_at"
    " FROM tasks k LEFT JOIN repositories r ON r.id = k.repository_id"
)
REPOSITORY = sql.SQL("coalesce(r.full_name, k.subject ->> 'repository')")


def views(
    scope: TenantScope, where: sql.Composable, params: Sequence[Any], tail: sql.Composable
) -> list[TaskView]:
    """Task views matching `where`, in the order and number `tail` says (row-level security
    keeps them to the scope's tenant)."""
    query = sql.SQL("{} WHERE {} {}").format(VIEW, where, tail)
    cur = scope.conn.cursor(row_factory=class_row(TaskView))
    return cur.execute(query, params).fetchall()


def get_task(scope: TenantScope, task_id: int) -> TaskView | None:
    found = views(scope, sql.SQL("k.id = %s"), (task_id,), sql.SQL(""))
    return found[0] if found else None


def list_tasks(
    scope: TenantScope, filters: TaskFilter, *, limit: int = 50, after: Cursor | None = None
) -> TaskPage:
    """Up to `limit` tasks matching `filters`, newest first, after the cursor of a previous
    page: a keyset, so a task created meanwhile neither repeats nor hides a row."""
    if not 1 <= limit <= MAX_PAGE:
        raise ValueError(f"a page holds 1 to {MAX_PAGE} tasks")
    where, params = conditions(filters)
    if after is not None:
        where.append(sql.SQL("(k.created_at, k.id) < (%s, %s)"))
        params += [after.created_at, after.id]
    # one row more than asked tells whether another page follows
    tail = sql.SQL("ORDER BY k.created_at DESC, k.id DESC LIMIT %s")
    found = views(scope, sql.SQL(" AND ").join(where), [*params, limit + 1], tail)
    page = found[:limit]
    more = len(found) > limit
    return TaskPage(page, Cursor(page[-1].created_at, page[-1].id) if more else None)


def conditions(filters: TaskFilter) -> tuple[list[sql.Composable], list[Any]]:
    """`filters` as SQL conditions on `tasks k` (joined to `repositories r`) and their values."""
    where: list[sql.Composable] = [sql.SQL("true")]
    params: list[Any] = []
    for column, wanted in (("k.status", filters.statuses), ("k.kind", filters.kinds)):
        if wanted:
            where.append(sql.SQL("{} = ANY(%s)").format(sql.SQL(column)))
            params.append(list(wanted))
    if filters.repository is not None:
        where.append(sql.SQL("lower({}) = lower(%s)").format(REPOSITORY))
        params.append(filters.repository)
    if filters.repositories is not None:
        where.append(sql.SQL("lower({}) = ANY(%s)").format(REPOSITORY))
        params.append([name.lower() for name in filters.repositories])
    if filters.requested_by is not None:
        where.append(sql.SQL("lower(k.subject ->> 'requested_by') = lower(%s)"))
        params.append(filters.requested_by)
    if filters.since is not None:
        where.append(sql.SQL("k.created_at >= %s"))
        params.append(filters.since)
    if filters.until is not None:
        where.append(sql.SQL("k.created_at < %s"))
        params.append(filters.until)
    return where, params
