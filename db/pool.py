"""The connection pool the app and the workers share; every connection runs as the app role."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.rows import tuple_row
from psycopg_pool import ConnectionPool

APP_ROLE = "morningai_app"
log = logging.getLogger(__name__)


class UnsafeRoleError(RuntimeError):
    """The database role would bypass row-level security."""


def enter_app_role(conn: psycopg.Connection[Any]) -> None:
    """Drop to the app role when connected as its owner (e.g. Render's default user).

    Row-level security only protects tenants if the session role neither owns the tables nor
    bypasses RLS, so a connection that cannot become such a role is refused outright.
    """
    cur = conn.cursor(row_factory=tuple_row)  # whatever rows the connection makes
    user = cur.execute("SELECT current_user").fetchone()
    if user is not None and user[0] != APP_ROLE:
        cur.execute(f"SET ROLE {APP_ROLE}")
    row = cur.execute(
        "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
    ).fetchone()
    if row is None or row[0] or row[1]:
        raise UnsafeRoleError(f"role {APP_ROLE} must be neither superuser nor BYPASSRLS")
    conn.commit()


class Database:
    """A psycopg pool of app-role connections; `scope(tenant_id)` is how code reads and writes."""

    def __init__(self, url: str, *, min_size: int = 1, max_size: int = 10, timeout: float = 5.0):
        self.url = url
        self.pool: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
            url,
            min_size=min_size,
            max_size=max_size,
            timeout=timeout,
            configure=enter_app_role,
            check=ConnectionPool.check_connection,
            open=False,
            name="morningai",
        )

    def open(self, wait: bool = False) -> Database:
        self.pool.open(wait=wait)
        return self

    def close(self) -> None:
        self.pool.close()

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        with self.pool.connection() as conn:
            yield conn

    def ping(self) -> None:
        """Raise if PostgreSQL does not answer within the pool timeout."""
        with self.connection() as conn:
            conn.execute("SELECT 1")
