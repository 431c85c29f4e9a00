"""One task's timeline: the task as people see it, what was asked, and its events in order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from db import task_events
from db.reads.task_list import TaskView, get_task
from db.task_events import TaskEvent
from db.tenancy import TenantScope


@dataclass(frozen=True)
class Timeline:
    task: TaskView
    instructions: str  # the tenant's own words to the app; "" when none were given
    trigger: str | None  # label or command that asked for the task
    events: list[TaskEvent]  # oldest first


def timeline(scope: TenantScope, task_id: int) -> Timeline | None:
    """The task and its events, or None when the scope's tenant has no such task."""
    task = get_task(scope, task_id)
    if task is None:
        return None
    subject = _subject(scope, task_id)
    return Timeline(
        task=task,
        instructions=str(subject.get("instructions") or ""),
        trigger=subject.get("trigger"),
        events=task_events.for_task(scope, task_id),
    )


def _subject(scope: TenantScope, task_id: int) -> dict[str, Any]:
    row = scope.conn.execute("SELECT subject FROM tasks WHERE id = %s", (task_id,)).fetchone()
    return dict(row[0]) if row is not None else {}
