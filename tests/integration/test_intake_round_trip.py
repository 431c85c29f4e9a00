"""The webhook intake costs one PostgreSQL round trip, and a dead pooled connection is retried.

Round trips are counted by time: the app reaches PostgreSQL through a proxy of this module's
own that holds every byte PostgreSQL sends for DELAY seconds, so each round trip costs at least
DELAY, whatever else is slow on a shared machine (which adds far less than DELAY). The intake
(app_webhook_intake as its own transaction in autocommit; no liveness check on the checkout)
must take one DELAY; a labeled issue's whole request too (the intake notes the task enqueued
itself; its RQ enqueue after the commit is one Redis round trip, counted by the commands sent).
A pool check before a checkout, or a statement sent apart, adds one and fails these tests.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from queue import Queue
from typing import Any

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from redis import Redis
from redis.connection import Connection as RedisConnection
from redis.exceptions import ConnectionError as RedisConnectionError
from rq import Queue as RqQueue

from db.pool import Database
from github_app import events, intake
from github_app.routing import route
from jobs.runtime.queues import enqueue_task, job_id
from jobs.runtime.reconciler import reconcile
from morningai.embedded import DatabaseUrls
from tests.fakes.http import WebhookSender, compact, serve_wsgi
from tests.fakes.npm_fixtures import webhook_example
from tests.support.webhooks import SECRET, labeled_issue, make_settings
from web import create_app
from web import webhooks as receiver

pytestmark = pytest.mark.usefixtures("clean_db")
DELAY = 0.25  # seconds each answer from PostgreSQL is held; far above a loaded machine's noise
Conn = psycopg.Connection[tuple[Any, ...]]
RETRIED = "morningai-intake-retry-test"  # the application_name of the pool whose backend dies
# A whole App, as in production: with none, the receiver looks in the database for one
# registered at /setup on every request (a checked connection and a query of its own).
# No GitHub call is made on these paths, so the key is never read.
WHOLE_APP = {"github_app_id": "1", "github_private_key": "unused on the webhook path"}


class DelayProxy:
    """TCP on loopback → PostgreSQL's socket; what PostgreSQL sends reaches the client DELAY
    seconds later (in order), what the client sends goes straight on."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.closing = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closing:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            server.connect(self.target)
            held: Queue[tuple[float, bytes]] = Queue()
            threading.Thread(target=self._pump, args=(client, server, None), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, held), daemon=True).start()
            threading.Thread(target=self._release, args=(held, client), daemon=True).start()

    def _pump(
        self, src: socket.socket, dst: socket.socket, held: Queue[tuple[float, bytes]] | None
    ) -> None:
        try:
            while data := src.recv(65536):
                if held is None:
                    dst.sendall(data)
                else:
                    held.put((time.monotonic() + DELAY, data))
        except OSError:
            pass
        if held is not None:
            held.put((0.0, b""))
        else:
            src.close()
            dst.close()

    @staticmethod
    def _release(held: Queue[tuple[float, bytes]], dst: socket.socket) -> None:
        while True:
            due, data = held.get()
            if not data:
                dst.close()
                return
            time.sleep(max(0.0, due - time.monotonic()))
            try:
                dst.sendall(data)
            except OSError:
                return

    def url(self, conninfo: str) -> str:
        return make_conninfo(conninfo, host="127.0.0.1", port=str(self.port))

    def close(self) -> None:
        self.closing = True
        self.listener.close()


@pytest.fixture
def proxy(database: DatabaseUrls) -> Iterator[DelayProxy]:
    params = conninfo_to_dict(database.app)
    socket_path = Path(str(params["host"])) / f".s.PGSQL.{params.get('port') or 5432}"
    slow = DelayProxy(str(socket_path))
    yield slow
    slow.close()


@pytest.fixture
def slow_db(database: DatabaseUrls, proxy: DelayProxy) -> Iterator[Database]:
    db = Database(proxy.url(database.app), min_size=1, max_size=1, timeout=30).open(wait=True)
    yield db
    db.close()


def envelope(event: str, payload: dict[str, Any]) -> events.Envelope:
    return events.parse(str(uuid.uuid4()), event, compact(payload))


def round_trips(seconds: float) -> int:
    return int(seconds / DELAY)


def timed_apply(db: Database, env: events.Envelope) -> tuple[intake.Outcome, int]:
    intent = route(env, trigger_label="morningai")
    started = time.monotonic()
    outcome = intake.apply(db, env, intent)
    return outcome, round_trips(time.monotonic() - started)


def test_a_labeled_issue_is_recorded_and_its_task_created_in_one_round_trip(
    slow_db: Database, owner_conn: Conn
) -> None:
    first, _ = timed_apply(slow_db, envelope("issues", labeled_issue()))  # tenant is new here
    again = labeled_issue()
    again["issue"]["number"] += 1
    outcome, trips = timed_apply(slow_db, envelope("issues", again))

    assert (first.outcome, outcome.outcome) == ("accepted", "accepted")
    assert outcome.task is not None
    assert trips == 1
    linked = owner_conn.execute(
        "SELECT count(*) FROM webhook_deliveries d JOIN tasks k ON k.id = d.task_id"
    ).fetchone()
    assert linked == (2,)


def test_an_ignored_delivery_and_a_duplicate_are_one_round_trip_each(slow_db: Database) -> None:
    star = webhook_example("star", "created")
    star["installation"] = {"id": 4242}
    env = envelope("star", star)
    ignored, trips = timed_apply(slow_db, env)
    duplicate, duplicate_trips = timed_apply(slow_db, env)

    assert (ignored.outcome, trips) == ("ignored", 1)
    assert (duplicate.outcome, duplicate_trips) == ("duplicate", 1)


def test_a_labeled_issue_request_costs_one_round_trip_its_task_noted_enqueued(
    database: DatabaseUrls, redis_url: str, redis: Redis, proxy: DelayProxy, owner_conn: Conn
) -> None:
    settings = make_settings(database, redis_url, database_url=proxy.url(database.app), **WHOLE_APP)
    app = create_app(settings)
    with serve_wsgi(app) as url:
        sender = WebhookSender(url, SECRET.encode())
        sender.post("issues", labeled_issue())  # the pool connects, the tenant is created
        payload = labeled_issue()
        payload["issue"]["number"] += 1
        started = time.monotonic()
        response = sender.post("issues", payload)
        trips = round_trips(time.monotonic() - started)
        sender.close()
    app.extensions["morningai"].close()

    assert response.status_code == 202
    assert trips == 1
    assert owner_conn.execute(
        "SELECT count(*) FROM tasks WHERE enqueued_at IS NOT NULL"
    ).fetchone() == (2,)


# --- a dead pooled connection -------------------------------------------------------------


@pytest.fixture
def served_one_connection(
    database: DatabaseUrls, redis_url: str, redis: Redis
) -> Iterator[tuple[WebhookSender, Database]]:
    """The web app with a pool of exactly one connection, so the dead one is the one it gets."""
    app = create_app(make_settings(database, redis_url, **WHOLE_APP))
    services = app.extensions["morningai"]
    url = make_conninfo(database.app, application_name=RETRIED)
    services._db = Database(url, min_size=1, max_size=1, timeout=10).open(wait=True)
    with serve_wsgi(app) as url:
        sender = WebhookSender(url, SECRET.encode())
        yield sender, services._db
        sender.close()
    services.close()


def kill_app_backends(database: DatabaseUrls) -> int:
    """What a PostgreSQL restart does to a pooled connection, without the restart (and
    without touching the session's other pools)."""
    with psycopg.connect(database.admin, autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = %s AND datname = current_database()",
            (RETRIED,),
        ).fetchall()
    return len(rows)


def stored(owner_conn: Conn, delivery: str) -> tuple[Any, ...] | None:
    return owner_conn.execute(
        "SELECT d.outcome, k.id IS NOT NULL, k.enqueued_at IS NOT NULL FROM webhook_deliveries d"
        " LEFT JOIN tasks k ON k.id = d.task_id WHERE d.delivery_id = %s",
        (delivery,),
    ).fetchone()


def test_a_dead_pooled_connection_is_retried_once_on_a_fresh_one(
    database: DatabaseUrls,
    served_one_connection: tuple[WebhookSender, Database],
    owner_conn: Conn,
    caplog: pytest.LogCaptureFixture,
) -> None:
    sender, _ = served_one_connection
    assert sender.post("issues", labeled_issue()).status_code == 202  # the one connection is used
    assert kill_app_backends(database) == 1

    delivery = str(uuid.uuid4())
    payload = labeled_issue()
    payload["issue"]["number"] += 1
    with caplog.at_level(logging.INFO, logger="db.pool"):
        response = sender.post("issues", payload, delivery=delivery)

    assert (response.status_code, response.json()["outcome"]) == (202, "accepted")
    assert stored(owner_conn, delivery) == ("accepted", True, True)
    retries = [r.message for r in caplog.records if r.message.endswith("; retrying once")]
    assert len(retries) == 1


def test_taking_back_the_enqueued_note_on_a_connection_that_died_is_retried_too(
    database: DatabaseUrls,
    served_one_connection: tuple[WebhookSender, Database],
    owner_conn: Conn,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Redis refuses the job right after the intake committed (noting the task enqueued), and
    PostgreSQL drops the connection meanwhile: the note is still taken back, on a fresh one."""
    sender, _ = served_one_connection

    def kill_then_refuse(*args: Any, **kwargs: Any) -> bool:
        kill_app_backends(database)
        raise RedisConnectionError("Redis went away")

    monkeypatch.setattr(receiver, "enqueue_task", kill_then_refuse)
    delivery = str(uuid.uuid4())
    response = sender.post("issues", labeled_issue(), delivery=delivery)

    assert response.status_code == 202
    assert stored(owner_conn, delivery) == ("accepted", True, False)


def test_an_error_on_a_live_connection_is_not_retried(app_db: Database) -> None:
    """Even an OperationalError (a cancelled statement is one): PostgreSQL answered, so the
    work may have done something, and running it again is not this retry's business."""
    calls: list[int] = []

    def cancelled(conn: psycopg.Connection[Any]) -> None:
        calls.append(1)
        with conn.transaction():
            conn.execute("SET LOCAL statement_timeout = 1")
            conn.execute("SELECT pg_sleep(1)")

    with pytest.raises(psycopg.errors.QueryCanceled):
        app_db.retrying(cancelled)
    assert calls == [1]


def test_enqueueing_a_task_is_one_redis_round_trip(
    redis: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """RQ's own enqueue sends two (the queue into the set of queues, then the job); passed a
    pipeline it sends one MULTI/EXEC."""
    enqueue_task(redis, 1, 0, "code", "default", fresh=True)  # RQ caches the server's version
    sends: list[int] = []
    real: Callable[..., None] = RedisConnection.send_packed_command

    def counted(self: RedisConnection, *args: Any, **kwargs: Any) -> None:
        sends.append(1)
        real(self, *args, **kwargs)

    monkeypatch.setattr(RedisConnection, "send_packed_command", counted)
    assert enqueue_task(redis, 2, 0, "code", "default", fresh=True)
    monkeypatch.undo()

    assert len(sends) == 1
    assert sorted(RqQueue("default", connection=redis).job_ids) == ["task-1-1", "task-2-1"]


def test_a_task_noted_enqueued_whose_job_never_reached_rq_is_enqueued_by_the_reconciler(
    served_one_connection: tuple[WebhookSender, Database],
    owner_conn: Conn,
    redis: Redis,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The receiver died between the intake's commit and the enqueue: the task is noted
    enqueued and RQ holds nothing. The reconciler looks at queued tasks whatever their note."""
    sender, db = served_one_connection
    monkeypatch.setattr(receiver, "enqueue_task", lambda *args, **kwargs: True)
    delivery = str(uuid.uuid4())
    assert sender.post("issues", labeled_issue(), delivery=delivery).status_code == 202
    assert stored(owner_conn, delivery) == ("accepted", True, True)
    [(task_id,)] = owner_conn.execute("SELECT id FROM tasks").fetchall()
    assert RqQueue("default", connection=redis).job_ids == []

    assert reconcile(db, redis, queued_for=timedelta(0)) == [task_id]
    assert reconcile(db, redis, queued_for=timedelta(0)) == []  # once
    assert RqQueue("default", connection=redis).job_ids == [job_id(task_id, 0)]
