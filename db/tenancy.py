"""Tenant-scoped transactions: the one way the app reads and writes tenant-owned rows."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg

from db.pool import Database


@dataclass(frozen=True)
class TenantScope:
    """An open transaction in which row-level security shows one tenant's rows only."""

    conn: psycopg.Connection[Any]
    tenant_id: int


@contextmanager
def tenant_transaction(db: Database, tenant_id: int) -> Iterator[TenantScope]:
    """Open a transaction scoped to `tenant_id`.

    `set_config(..., true)` is transaction-local (`SET LOCAL`): a session-level setting would
    leak to the next user of the pooled connection.
    """
    with db.connection() as conn, conn.transaction():
        yield enter_tenant(conn, tenant_id)


def enter_tenant(conn: psycopg.Connection[Any], tenant_id: int) -> TenantScope:
    """Scope the open transaction of `conn` to `tenant_id` (transaction-local)."""
    conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(int(tenant_id)),))
    return TenantScope(conn, tenant_id)


@contextmanager
def unscoped_transaction(db: Database) -> Iterator[psycopg.Connection[Any]]:
    """A transaction with no tenant: tenant tables show nothing; only the narrow
    SECURITY DEFINER look-ups (tenant by installation, task's tenant) answer."""
    with db.connection() as conn, conn.transaction():
        yield conn
