"""Queries on `tenants`: one row per GitHub App installation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from db.tenancy import TenantScope


@dataclass(frozen=True)
class TenantRef:
    tenant_id: int
    status: str

    @property
    def accepts_work(self) -> bool:
        return self.status == "active"


def for_installation(conn: psycopg.Connection[Any], installation_id: int) -> TenantRef | None:
    row = conn.execute(
        "SELECT tenant_id, status FROM app_tenant_for_installation(%s)", (installation_id,)
    ).fetchone()
    return TenantRef(row[0], row[1]) if row else None


def upsert_installation(
    conn: psycopg.Connection[Any],
    *,
    installation_id: int,
    account_login: str,
    account_id: int | None,
    account_type: str,
    status: str,
    permissions: dict[str, Any] | None = None,
) -> int:
    row = conn.execute(
        "SELECT app_upsert_installation(%s, %s, %s, %s, %s, %s)",
        (
            installation_id,
            account_login,
            account_id,
            account_type,
            status,
            Jsonb(permissions or {}),
        ),
    ).fetchone()
    assert row is not None
    return int(row[0])


def get(scope: TenantScope) -> dict[str, Any] | None:
    cur = scope.conn.execute(
        "SELECT id, installation_id, account_login, account_type, status FROM tenants"
        " WHERE id = %s",
        (scope.tenant_id,),
    )
    row = cur.fetchone()
    if row is None:
        return None
    names = [d.name for d in cur.description or []]
    return dict(zip(names, row, strict=True))
