"""Queries on `tasks`: the source of truth for every job, whatever Redis holds."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import class_row
from psycopg.types.json import Jsonb

from db.pool import Database, one_round_trip
from db.tenancy import TenantScope

FINAL_STATES = frozenset({"succeeded", "failed", "cancelled"})


@dataclass(frozen=True)
class Task:
    id: int
    tenant_id: int
    repository_id: int | None
    kind: str
    queue: str
    status: str
    subject: dict[str, Any]
    delivery_id: str | None
    trace_id: str
    attempts: int
    max_attempts: int
    error: str | None
    worker: str | None
    created_at: datetime
    enqueued_at: datetime | None
    started_at: datetime | None
    heartbeat_at: datetime | None
    finished_at: datetime | None
    model: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    base_sha: str | None = None
    branch: str | None = None
    pr_number: int | None = None
    pr_url: str | None = None


@dataclass(frozen=True)
class NewTask:
    kind: str
    queue: str
    trace_id: str
    subject: dict[str, Any] = field(default_factory=dict)
    repository_id: int | None = None
    delivery_id: str | None = None
    max_attempts: int = 3


@dataclass(frozen=True)
class ReconcileCandidate:
    task_id: int
    tenant_id: int
    status: str
    queue: str
    kind: str
    attempts: int


_COLUMNS = (
    "id, tenant_id, repository_id, kind, queue, status, subject, delivery_id, trace_id,"
    " attempts, max_attempts, error, worker, created_at, enqueued_at, started_at, heartbeat_at,"
    " finished_at, model, prompt_tokens, completion_tokens, base_sha, branch, pr_number, pr_url"
)
# what a job may record about its results (column names are never taken from input)
RESULT_COLUMNS = frozenset(
    {
        "model",
        "prompt_hash",
        "prompt_tokens",
        "completion_tokens",
        "cost_usd",
        "base_sha",
        "branch",
        "pr_number",
        "pr_url",
        "status_comment_id",
    }
)


def create(scope: TenantScope, new: NewTask) -> Task:
    cur = scope.conn.cursor(row_factory=class_row(Task))
    task = cur.execute(
        "INSERT INTO tasks (tenant_id, repository_id, kind, queue, subject, delivery_id,"
        f" trace_id, max_attempts) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING {_COLUMNS}",
        (
            scope.tenant_id,
            new.repository_id,
            new.kind,
            new.queue,
            Jsonb(new.subject),
            new.delivery_id,
            new.trace_id,
            new.max_attempts,
        ),
    ).fetchone()
    assert task is not None
    return task


def get(scope: TenantScope, task_id: int) -> Task | None:
    cur = scope.conn.cursor(row_factory=class_row(Task))
    return cur.execute(f"SELECT {_COLUMNS} FROM tasks WHERE id = %s", (task_id,)).fetchone()


def tenant_of(conn: psycopg.Connection[Any], task_id: int) -> int | None:
    row = conn.execute("SELECT app_task_tenant(%s)", (task_id,)).fetchone()
    return int(row[0]) if row and row[0] is not None else None


def mark_enqueued(scope: TenantScope, task_id: int) -> None:
    scope.conn.execute(
        "UPDATE tasks SET enqueued_at = now(), updated_at = now() WHERE id = %s", (task_id,)
    )


def clear_enqueued(db: Database, tenant_id: int, task_id: int) -> None:
    """Take back the note that RQ holds the task's job — the webhook intake writes it with the
    task (migration 0012), and the job could not be enqueued after all (Redis down): the task
    then shows as waiting since it was created, until the reconciler enqueues it. One round
    trip (`one_round_trip`); idempotent, so a dead pooled connection is retried once
    (`Database.retrying`)."""

    def clear(conn: psycopg.Connection[Any]) -> None:
        one_round_trip(
            conn,
            ("SELECT set_config('app.tenant_id', %s, true)", (str(int(tenant_id)),)),
            (
                "UPDATE tasks SET enqueued_at = NULL, updated_at = now()"
                " WHERE id = %s AND status = 'queued'",
                (task_id,),
            ),
        )

    db.retrying(clear)


def claim(scope: TenantScope, task_id: int, worker: str, stale_after: timedelta) -> Task | None:
    """Move a queued task (or a running one whose worker went silent) to running.

    The row lock makes two workers holding the same job id agree on one winner.
    """
    cur = scope.conn.cursor(row_factory=class_row(Task))
    return cur.execute(
        "UPDATE tasks SET status = 'running', attempts = attempts + 1, worker = %s,"
        " started_at = now(), heartbeat_at = now(), updated_at = now(), error = NULL"
        " WHERE id = %s AND (status = 'queued' OR (status = 'running'"
        "   AND coalesce(heartbeat_at, started_at) < now() - %s))"
        f" RETURNING {_COLUMNS}",
        (worker, task_id, stale_after),
    ).fetchone()


def heartbeat(scope: TenantScope, task_id: int, worker: str) -> bool:
    cur = scope.conn.execute(
        "UPDATE tasks SET heartbeat_at = now() WHERE id = %s AND status = 'running'"
        " AND worker = %s",
        (task_id, worker),
    )
    return cur.rowcount == 1


def record_results(scope: TenantScope, task_id: int, **columns: object) -> None:
    unknown = set(columns) - RESULT_COLUMNS
    if unknown:
        raise ValueError(f"not result columns: {sorted(unknown)}")
    if not columns:
        return
    assignments = sql.SQL(", ").join(
        sql.SQL("{} = {}").format(sql.Identifier(name), sql.Placeholder(name)) for name in columns
    )
    query = sql.SQL("UPDATE tasks SET {}, updated_at = now() WHERE id = {}").format(
        assignments, sql.Placeholder("task_id")
    )
    scope.conn.execute(query, {**columns, "task_id": task_id})


def finish(scope: TenantScope, task_id: int, status: str, error: str | None = None) -> bool:
    if status not in FINAL_STATES:
        raise ValueError(f"{status!r} is not a final state")
    # a task stopped by someone meanwhile stays cancelled: False tells the caller
    cur = scope.conn.execute(
        "UPDATE tasks SET status = %s, error = %s, finished_at = now(), updated_at = now()"
        " WHERE id = %s AND status IN ('queued', 'running')",
        (status, error, task_id),
    )
    return cur.rowcount == 1


def requeue(scope: TenantScope, task_id: int, error: str) -> None:
    """Back to queued after a transient failure; the reconciler or a retry picks it up."""
    scope.conn.execute(
        "UPDATE tasks SET status = 'queued', error = %s, worker = NULL, enqueued_at = NULL,"
        " updated_at = now() WHERE id = %s AND status = 'running'",
        (error, task_id),
    )


def to_reconcile(
    conn: psycopg.Connection[Any], queued_for: timedelta, stale_after: timedelta
) -> list[ReconcileCandidate]:
    rows = conn.execute(
        "SELECT task_id, tenant_id, status, queue, kind, attempts"
        " FROM app_tasks_to_reconcile(%s, %s)",
        (queued_for, stale_after),
    ).fetchall()
    return [ReconcileCandidate(*row) for row in rows]


def live_for_subject(
    scope: TenantScope, repository_id: int | None, number: int, kinds: tuple[str, ...]
) -> list[Task]:
    """Queued or running tasks of `kinds` on one issue or pull request."""
    cur = scope.conn.cursor(row_factory=class_row(Task))
    return cur.execute(
        f"SELECT {_COLUMNS} FROM tasks WHERE repository_id IS NOT DISTINCT FROM %s"
        " AND subject ->> 'number' = %s AND kind = ANY(%s)"
        " AND status IN ('queued', 'running') ORDER BY id",
        (repository_id, str(number), list(kinds)),
    ).fetchall()


# what became of a pull request (0008_pull_request_state.sql)
def record_pull_request(
    scope: TenantScope,
    task_id: int,
    *,
    number: int,
    url: str,
    opened: bool,
    branch: str | None = None,
) -> None:
    """The task's pull request, open now: `opened` when this task opened it (its opening time
    is then the database's now, like created_at), False when it found it already open."""
    scope.conn.execute(
        "UPDATE tasks SET pr_number = %(number)s, pr_url = %(url)s,"
        " branch = coalesce(%(branch)s, branch), pr_state = 'open', pr_closed_at = NULL,"
        " pr_opened_at = CASE WHEN %(opened)s THEN now()"
        "   WHEN pr_number IS NOT DISTINCT FROM %(number)s THEN pr_opened_at END,"
        " updated_at = now() WHERE id = %(id)s",
        {"number": number, "url": url, "branch": branch, "opened": opened, "id": task_id},
    )
