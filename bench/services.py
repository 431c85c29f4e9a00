"""The services a benchmark runs against: PostgreSQL with a fresh, migrated database and an
emptied Redis. The embedded ones (under `.morningai/`) unless DATABASE_URL (a superuser URL)
and REDIS_URL are set; either way the benchmark's database is DROPPED and re-created and the
Redis database is FLUSHED."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from redis import Redis

from bench.machine import PROC
from morningai.embedded import (
    DatabaseUrls,
    EmbeddedRedis,
    drop_database,
    provision_database,
    start_postgres,
)
from morningai.schema import migrate_all

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".morningai"


@dataclass(frozen=True)
class Services:
    urls: DatabaseUrls
    redis_url: str
    postgres_dir: Path | None  # the embedded server's data directory, when it is ours


def ensure_fixtures() -> None:
    """GitHub's webhook examples from npm (scripts/fetch_fixtures.sh), once."""
    index = DATA / "fixtures" / "webhooks-examples" / "api.github.com" / "index.json"
    if not index.exists():
        print("fetching GitHub's webhook examples (scripts/fetch_fixtures.sh)", flush=True)
        subprocess.run([str(ROOT / "scripts" / "fetch_fixtures.sh")], cwd=ROOT, check=True)


def provided_database(dbname: str, postgres_dir: str) -> tuple[DatabaseUrls, Path | None]:
    """`dbname` dropped, re-created and migrated (our SQL and LangGraph's tables); the
    embedded server runs from `.morningai/<postgres_dir>` when DATABASE_URL is unset."""
    admin = os.environ.get("DATABASE_URL")
    data_dir = None if admin else DATA / postgres_dir
    if data_dir is not None:
        admin = start_postgres(data_dir)
    assert admin is not None
    drop_database(admin, dbname)
    urls = provision_database(admin, dbname)
    migrate_all(urls.owner)
    return urls, data_dir


@contextmanager
def provided_redis(redis_dir: str) -> Iterator[str]:
    """REDIS_URL, or an embedded server under `.morningai/<redis_dir>` stopped on exit;
    its database flushed first."""
    with ExitStack() as stack:
        redis_url = os.environ.get("REDIS_URL")
        if not redis_url:
            server = EmbeddedRedis(DATA / redis_dir)
            redis_url = server.start()
            stack.callback(server.stop)
        with Redis.from_url(redis_url) as redis:
            redis.flushdb()
        yield redis_url


@contextmanager
def provided_services(
    dbname: str, *, postgres_dir: str = "bench-postgres", redis_dir: str = "bench-redis"
) -> Iterator[Services]:
    urls, data_dir = provided_database(dbname, postgres_dir)
    with provided_redis(redis_dir) as redis_url:
        yield Services(urls, redis_url, data_dir)


def postmaster_pid(services: Services) -> int | None:
    """The embedded PostgreSQL's main process (None when DATABASE_URL named another server)."""
    if services.postgres_dir is None:
        return None
    try:
        return int((services.postgres_dir / "postmaster.pid").read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return None


def redis_pid(services: Services) -> int | None:
    """The local Redis-compatible server listening on the URL's port, if there is one."""
    port = f":{urlsplit(services.redis_url).port}"
    for entry in PROC.iterdir():
        try:
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if entry.name.isdigit() and port in cmdline and ("redis" in cmdline or "valkey" in cmdline):
            return int(entry.name)
    return None


def service_roots(services: Services) -> dict[int, str]:
    """The services' process trees by name, for CPU and memory accounting."""
    roots = {}
    for pid, name in ((postmaster_pid(services), "postgres"), (redis_pid(services), "redis")):
        if pid is not None:
            roots[pid] = name
    return roots
