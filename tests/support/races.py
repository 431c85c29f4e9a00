"""Deliveries raced over real HTTP: many posts released together by a barrier, each on a
connection opened beforehand; the app served in this process or as real gunicorn processes;
and what the race left, read as the database's owner and from Redis (nothing of the intake's
own code, so the checks hold whatever the intake is made of)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
from redis import Redis
from rq import Queue

from github_app.signature import sign
from jobs.runtime.queues import QUEUE_NAMES
from morningai.embedded import DatabaseUrls
from tests.fakes.http import compact
from tests.support.paths import ROOT
from tests.support.webhooks import SECRET

Conn = psycopg.Connection[tuple[Any, ...]]
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
HOOK = "/api/github/webhooks"


@dataclass(frozen=True)
class Post:
    """One delivery to send: to which server, as which event, with which id."""

    url: str  # the server's base URL
    event: str
    delivery: str
    payload: dict[str, Any]


def post(http: httpx.Client, p: Post) -> httpx.Response:
    body = compact(p.payload)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "GitHub-Hookshot/race",
        "X-GitHub-Event": p.event,
        "X-GitHub-Delivery": p.delivery,
        "X-Hub-Signature-256": sign(SECRET.encode(), body),
    }
    return http.post(p.url + HOOK, content=body, headers=headers)


def race(posts: Sequence[Post]) -> list[httpx.Response]:
    """Each post from its own thread on its own keep-alive connection, opened (GET /healthz)
    before the barrier, so the bodies leave together rather than the TCP handshakes."""
    gate = threading.Barrier(len(posts))

    def one(p: Post) -> httpx.Response:
        with httpx.Client(timeout=30) as http:
            assert http.get(p.url + "/healthz").status_code == 200
            gate.wait(20)
            return post(http, p)

    with ThreadPoolExecutor(len(posts)) as pool:
        return list(pool.map(one, posts))


# -- what the race left ------------------------------------------------------------------------


def deliveries(owner: Conn) -> dict[str, tuple[str, str | None, int | None]]:
    """delivery id → (outcome, detail, task id), asserting each id has one row."""
    rows = owner.execute(
        "SELECT delivery_id, outcome, detail, task_id FROM webhook_deliveries"
    ).fetchall()
    ids = [r[0] for r in rows]
    assert len(ids) == len(set(ids)), f"a delivery recorded twice: {sorted(ids)}"
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def tasks_for(owner: Conn, number: int) -> list[tuple[int, str, str]]:
    """(id, status, delivery id) of every task on issue `number`."""
    rows = owner.execute(
        "SELECT id, status, delivery_id FROM tasks WHERE (subject ->> 'number')::bigint = %s"
        " ORDER BY id",
        (number,),
    ).fetchall()
    return [(int(r[0]), str(r[1]), str(r[2])) for r in rows]


def rq_jobs(redis: Redis) -> list[str]:
    """Every job id waiting in any queue, duplicates kept (a job pushed twice shows twice)."""
    return [
        jid.decode() if isinstance(jid, bytes) else str(jid)
        for name in QUEUE_NAMES
        for jid in redis.lrange(Queue(name, connection=redis).key, 0, -1)
    ]


# -- the app as separate processes -----------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(database: DatabaseUrls, redis_url: str, port: int, threads: int) -> dict[str, str]:
    ours = ("DATABASE_", "REDIS_", "GITHUB_", "PROMETHEUS_", "LOG_", "METRICS_", "MORNINGAI_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    env.update(
        DATABASE_URL=database.app,
        REDIS_URL=redis_url,
        GITHUB_WEBHOOK_SECRET=SECRET,
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",
        GUNICORN_THREADS=str(threads),
        LOG_LEVEL="WARNING",
    )
    return env


def _wait_ready(server: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"gunicorn exited:\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"gunicorn did not become ready:\n{log.read_text()[-2000:]}")


@contextmanager
def gunicorn(
    database: DatabaseUrls, redis_url: str, log: Path, *, threads: int = 24
) -> Iterator[str]:
    """`gunicorn -c gunicorn_config.py web.wsgi:app`, one worker process, on its own port."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [GUNICORN, "-c", "gunicorn_config.py", "web.wsgi:app"],
            cwd=ROOT,
            env=_env(database, redis_url, port, threads),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_ready(server, url, log)
            yield url
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)


@contextmanager
def gunicorns(
    database: DatabaseUrls, redis_url: str, logs: Path, count: int = 2
) -> Iterator[list[str]]:
    """`count` app processes on the same PostgreSQL and Redis, started side by side."""
    with ExitStack() as stack:
        urls = [
            stack.enter_context(gunicorn(database, redis_url, logs / f"gunicorn-{i}.log"))
            for i in range(count)
        ]
        yield urls
