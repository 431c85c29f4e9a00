"""`.morningai/run.json`: the embedded services `make run` started, so that the command line in
a second terminal finds them with nothing set. Written by `morningai run` (mode 0600), removed
when it stops; read only for settings the environment (or .env) leaves unset."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict
from redis.exceptions import RedisError

from core.settings import Settings
from jobs.runtime.setup_checks import where
from morningai.errors import CliError
from morningai.preflight import reach_postgres, reach_redis

STATE_FILE = Path(".morningai") / "run.json"
KEYS = ("DATABASE_URL", "DATABASE_MIGRATION_URL", "REDIS_URL")


def write_state(path: Path, urls: dict[str, str]) -> None:
    """The URLs of the services `morningai run` embedded (never a URL a person gave it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an older file keeps its mode otherwise
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump({"pid": os.getpid(), **{k: v for k, v in urls.items() if k in KEYS}}, out)


def remove_state(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def _server(url: str) -> str:
    """host:port of a PostgreSQL URL or conninfo string (a socket directory for embedded)."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.Error:
        return "an unparseable address"
    return f"{parts.get('host') or 'localhost'}:{parts.get('port') or 5432}"


def adopt_run_state(settings: Settings, state: Path = STATE_FILE) -> bool:
    """Fill DATABASE_URL / REDIS_URL (and the migration URL) that are unset from `state`,
    after checking its servers answer; False when there is no file or nothing to fill."""
    wanted = {
        "DATABASE_URL": settings.database_url,
        "DATABASE_MIGRATION_URL": settings.database_migration_url or settings.database_url,
        "REDIS_URL": settings.redis_url,
    }
    if all(wanted.values()) or not state.is_file():
        return False
    urls = {k: v for k, v in json.loads(state.read_text(encoding="utf-8")).items() if k in KEYS}
    fill = {k: v for k, v in urls.items() if isinstance(v, str) and not wanted[k]}
    try:
        if "DATABASE_URL" in fill:
            reach_postgres(fill["DATABASE_URL"])
        if "REDIS_URL" in fill:
            reach_redis(fill["REDIS_URL"])
    except (psycopg.Error, RedisError) as exc:
        named = (
            f"PostgreSQL at {_server(fill['DATABASE_URL'])}"
            if isinstance(exc, psycopg.Error)
            else f"Redis at {where(fill['REDIS_URL'])}"
        )
        raise CliError(
            f"`make run` is not running: {state} names {named}, which does not answer.\n"
            "Start `make run` in this directory, or set DATABASE_URL and REDIS_URL."
        ) from exc
    os.environ.update(fill)
    return bool(fill)
