"""The connection pool the app and the workers share; every connection runs as the app role."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

import psycopg
from psycopg.abc import Params
from psycopg.pq import TransactionStatus
from psycopg.rows import tuple_row
from psycopg_pool import ConnectionPool

APP_ROLE = "morningai_app"
log = logging.getLogger(__name__)
T = TypeVar("T")
# set while a checkout skips the pool's liveness check (Database.retrying): the pool runs its
# `check` callback in the thread that asks for the connection, so a context variable reaches it
_unchecked: ContextVar[bool] = ContextVar("morningai_unchecked_checkout", default=False)


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


def _check_unless_told_not_to(conn: psycopg.Connection[Any]) -> None:
    if not _unchecked.get():
        ConnectionPool.check_connection(conn)


def one_round_trip(
    conn: psycopg.Connection[Any], *statements: tuple[str, Params | None]
) -> list[psycopg.Cursor[Any]]:
    """Run `statements` in one transaction and one round trip: BEGIN, the statements and COMMIT
    go out in one pipeline and are answered together; read the cursors afterwards.

    Not `conn.transaction()` inside `conn.pipeline()`: psycopg syncs and waits on entering and
    leaving a transaction block in a pipeline (and on the BEGIN it sends by itself outside
    autocommit), three or four round trips. So the connection is in autocommit for the
    moment and the block is spelled out. On an error the explicit block is left aborted:
    it is rolled back here (a second round trip, on errors only).
    """
    conn.autocommit = True
    try:
        with conn.pipeline():
            conn.execute("BEGIN")
            cursors = [conn.execute(query, params) for query, params in statements]
            conn.execute("COMMIT")
        return cursors
    except BaseException:
        if not conn.closed and conn.info.transaction_status != TransactionStatus.IDLE:
            conn.rollback()
        raise
    finally:
        if not conn.closed:
            conn.autocommit = False


def one_statement(conn: psycopg.Connection[Any], query: str, params: Params | None) -> Any:
    """Run one statement as its own transaction and return its first row: in autocommit a
    statement is a transaction that commits when it ends, so the extended protocol's one
    exchange (parse, bind, execute, sync) is the whole of it — BEGIN and COMMIT are not sent
    at all, and no pipeline is needed (about half the client CPU of `one_round_trip`).
    A failed statement leaves nothing to roll back."""
    conn.autocommit = True
    try:
        return conn.execute(query, params).fetchone()
    finally:
        if not conn.closed:
            conn.autocommit = False


class Database:
    """A psycopg pool of app-role connections; `scope(tenant_id)` is how code reads and writes."""

    def __init__(self, url: str, *, min_size: int = 1, max_size: int = 10, timeout: float = 5.0):
        self.url = url
        self.timeout = timeout
        self.pool: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
            url,
            min_size=min_size,
            max_size=max_size,
            timeout=timeout,
            configure=enter_app_role,
            check=_check_unless_told_not_to,
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
        """A connection the pool checked just now (one round trip, `SELECT ''`).

        The check is what lets every caller — workers, the dashboard, the reconciler — run any
        block of statements once and trust the connection after PostgreSQL restarted: the
        block cannot be re-run by this context manager, and not every block is safe to run
        twice. The webhook's hot path uses `retrying` instead.
        """
        with self.pool.connection() as conn:
            yield conn

    def retrying(self, work: Callable[[psycopg.Connection[Any]], T]) -> T:
        """Run `work` on a pooled connection without the liveness check; if that connection
        turns out dead (closed by a PostgreSQL restart, an idle timeout, pg_terminate_backend),
        run it once more on a fresh connection of its own (the pool replaces the dead one).

        Only for work that is safe to run twice: one transaction whose effects are all or
        nothing and whose second run, after a first that did commit but lost its answer, is
        harmless (the webhook intake then sees a duplicate; marking a task enqueued is
        idempotent). An error on a live connection is raised, never retried.
        """
        with self._unchecked_connection() as conn:
            try:
                return work(conn)
            except psycopg.OperationalError as exc:
                if not conn.closed:  # PostgreSQL answered: a real error, not a dead socket
                    raise
                log.info("pooled connection was dead (%s); retrying once", type(exc).__name__)
        # not another pooled one: after a restart every idle connection in the pool is dead,
        # and the pool's check loop backs off 1 s, 2 s, … between them (past our timeout)
        with psycopg.connect(self.url, connect_timeout=max(1, round(self.timeout))) as conn:
            enter_app_role(conn)
            return work(conn)

    @contextmanager
    def _unchecked_connection(self) -> Iterator[psycopg.Connection[Any]]:
        """`pool.connection()` minus the check (the pool's context manager, unrolled)."""
        token = _unchecked.set(True)
        try:
            conn = self.pool.getconn()
        finally:
            _unchecked.reset(token)
        try:
            with conn:  # commit or roll back; not closed: the pool owns it
                yield conn
        finally:
            self.pool.putconn(conn)

    def ping(self) -> None:
        """Raise if PostgreSQL does not answer within the pool timeout."""
        with self.connection() as conn:
            conn.execute("SELECT 1")
