"""Queries on `task_events`: the readable timeline of a task."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg.rows import class_row
from psycopg.types.json import Jsonb

from db.tenancy import TenantScope


@dataclass(frozen=True)
class TaskEvent:
    id: int
    task_id: int
    kind: str
    message: str
    data: dict[str, Any]
    created_at: datetime


def add(
    scope: TenantScope, task_id: int, kind: str, message: str, data: dict[str, Any] | None = None
) -> None:
    scope.conn.execute(
        "INSERT INTO task_events (tenant_id, task_id, kind, message, data)"
        " VALUES (%s, %s, %s, %s, %s)",
        (scope.tenant_id, task_id, kind, message, Jsonb(data or {})),
    )


def for_task(scope: TenantScope, task_id: int) -> list[TaskEvent]:
    cur = scope.conn.cursor(row_factory=class_row(TaskEvent))
    return cur.execute(
        "SELECT id, task_id, kind, message, data, created_at FROM task_events"
        " WHERE task_id = %s ORDER BY id",
        (task_id,),
    ).fetchall()


def after(scope: TenantScope, task_id: int, after_id: int, limit: int = 500) -> list[TaskEvent]:
    """The task's events with an id above `after_id`, oldest first, at most `limit` (a live
    view resumes from the last id it sent; ids only grow)."""
    cur = scope.conn.cursor(row_factory=class_row(TaskEvent))
    return cur.execute(
        "SELECT id, task_id, kind, message, data, created_at FROM task_events"
        " WHERE task_id = %s AND id > %s ORDER BY id LIMIT %s",
        (task_id, after_id, limit),
    ).fetchall()
