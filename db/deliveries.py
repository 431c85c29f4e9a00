"""Queries on `webhook_deliveries`: every delivery GitHub sent us, and what became of it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg

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


def record(scope: TenantScope, d: DeliveryRecord) -> bool:
    """Record a delivery for the scope's tenant. False when the id was recorded before:
    the unique index sees every tenant's rows even though RLS hides them."""
    cur = scope.conn.execute(
        "INSERT INTO webhook_deliveries (delivery_id, tenant_id, event, action, installation_id,"
        " repository, sender, outcome, detail) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
        " ON CONFLICT (delivery_id) DO NOTHING",
        (
            d.delivery_id,
            scope.tenant_id,
            d.event,
            d.action,
            d.installation_id,
            d.repository,
            d.sender,
            d.outcome,
            d.detail,
        ),
    )
    return cur.rowcount == 1


def record_unattributed(conn: psycopg.Connection[Any], d: DeliveryRecord) -> bool:
    """Record a delivery no tenant can be named for (malformed body, no installation)."""
    row = conn.execute(
        "SELECT app_record_unattributed_delivery(%s, %s, %s, %s, %s)",
        (d.delivery_id, d.event, d.action, d.outcome, d.detail),
    ).fetchone()
    return bool(row and row[0])


def set_outcome(scope: TenantScope, delivery_id: str, outcome: str, detail: str) -> None:
    scope.conn.execute(
        "UPDATE webhook_deliveries SET outcome = %s, detail = %s WHERE delivery_id = %s",
        (outcome, detail, delivery_id),
    )


def link_task(scope: TenantScope, delivery_id: str, task_id: int) -> None:
    scope.conn.execute(
        "UPDATE webhook_deliveries SET task_id = %s WHERE delivery_id = %s",
        (task_id, delivery_id),
    )


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
