"""Every task event on Redis pub/sub, for live views (the dashboard's task page, a tail).

One channel per tenant, so a subscriber can only be given its own installation's events. The
message holds ids, the kind, what happened and the stage — never the issue's text or the
command's instructions: a live view reads those through the tenant-scoped read models.
Pub/sub keeps nothing: `task_events` in PostgreSQL stays the record.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from jobs.runtime.context import JobContext
from jobs.runtime.sinks import TaskEvent

CHANNEL_PREFIX = "morningai:events:tenant:"


def channel(tenant_id: int) -> str:
    return f"{CHANNEL_PREFIX}{int(tenant_id)}"


def message(event: TaskEvent) -> str:
    """The published form of an event — pure."""
    task = event.task
    body: dict[str, object] = {
        "task_id": task.id,
        "trace_id": task.trace_id,
        "kind": task.kind,
        "repository": task.subject.repository,
        "number": task.subject.number,
        "type": event.type,
        "message": event.message,
        "at": datetime.now(UTC).isoformat(timespec="milliseconds"),
    }
    for key in ("stage", "link", "tokens", "cost_usd"):
        value = getattr(event, key)
        if value is not None:
            body[key] = value
    if event.final:
        body["final"] = True
    return json.dumps(body, separators=(",", ":"))


class LiveEvents:
    """Publishes each event to its tenant's channel (one Redis round trip, nobody waits)."""

    def __init__(self, ctx: JobContext) -> None:
        self.redis = ctx.redis

    def emit(self, event: TaskEvent) -> None:
        self.redis.publish(channel(event.task.tenant_id), message(event))

    def close(self) -> None:
        pass
