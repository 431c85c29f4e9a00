"""Queries on `webhook_deliveries`: every delivery GitHub sent us, and what became of it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from db.pool import Database, one_statement
from db.tenancy import TenantScope


@dataclass(frozen=True)
class DeliveryRecord:
    delivery_id: str
    event: str
    action: str | None
    installation_id: int | None
    repository: str | None
    sender: str | None
    outcome: str
    detail: str | None = None


@dataclass(frozen=True)
class CreatedTask:
    task_id: int
    tenant_id: int
    kind: str
    queue: str
    trace_id: str


@dataclass(frozen=True)
class Intake:
    """What `app_webhook_intake` answered: the receiver's answer and the task it created."""

    status: int
    outcome: str
    detail: str
    task: CreatedTask | None


def intake(db: Database, delivery: dict[str, Any], intent: dict[str, Any]) -> Intake:
    """Record a delivery and act on its intent (0011_webhook_intake_in_one_call.sql) in one
    committed transaction and one round trip (`one_statement`: the call is its own
    transaction). A delivery id recorded before is answered 200 "duplicate", and then nothing
    changed.

    Run through `Database.retrying`: a dead pooled connection is retried once on a fresh one.
    Should the first try have committed and lost only its answer, the retry says "duplicate"
    and the task it created is enqueued by the reconciler, not here.
    """

    def call(conn: psycopg.Connection[Any]) -> Intake:
        row = one_statement(
            conn, "SELECT * FROM app_webhook_intake(%s, %s)", (Jsonb(delivery), Jsonb(intent))
        )
        assert row is not None
        status, outcome, detail, *task = row
        return Intake(status, outcome, detail, CreatedTask(*task) if task[0] is not None else None)

    return db.retrying(call)


def record_unattributed(conn: psycopg.Connection[Any], d: DeliveryRecord) -> bool:
    """Record a delivery no tenant can be named for (malformed body, no installation)."""
    row = conn.execute(
        "SELECT app_record_unattributed_delivery(%s, %s, %s, %s, %s)",
        (d.delivery_id, d.event, d.action, d.outcome, d.detail),
    ).fetchone()
    return bool(row and row[0])


def get(scope: TenantScope, delivery_id: str) -> dict[str, Any] | None:
    cur = scope.conn.execute(
        "SELECT delivery_id, tenant_id, event, action, installation_id, repository, sender,"
        " outcome, detail, task_id, received_at FROM webhook_deliveries WHERE delivery_id = %s",
        (delivery_id,),
    )
    row = cur.fetchone()
    if row is None:
        return None
    return dict(zip([c.name for c in cur.description or []], row, strict=True))
