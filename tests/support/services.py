"""What lets pytest-xdist workers share the test services: one PostgreSQL server started and
provisioned one worker at a time (roles are cluster-wide), and a Redis database each."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

from tests.support.paths import ROOT

LOCK = ROOT / ".morningai" / "test-postgres.lock"


@contextmanager
def postgres_lock() -> Iterator[None]:
    """Hold this while starting the embedded server, or creating or altering roles (provisioning
    a database, its first migration): two workers doing that at once race each other
    (`tuple concurrently updated`, a duplicate role, two initdb runs)."""
    LOCK.parent.mkdir(parents=True, exist_ok=True)
    with LOCK.open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(held, fcntl.LOCK_UN)


def worker_index() -> int | None:
    """This pytest-xdist worker's number (gw0 → 0), None when the run is not distributed."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return int(worker.removeprefix("gw")) if worker else None


def redis_url_for_worker(url: str) -> str:
    """`url` with its database number moved up by the worker's index, so workers sharing one
    Redis server (REDIS_URL) never flush each other's keys."""
    index = worker_index()
    if index is None:
        return url
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{base + index}"))
