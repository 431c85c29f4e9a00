"""Fault: GitHub (or a proxy in front of the app) sends the same thing many times at once.

Ten concurrent posts over real HTTP, released together by a barrier, against the app served
by a threaded server with its real pool: one delivery row, one task, one RQ job, and every
other answer a clear duplicate or "already queued" — never a 500.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import psycopg
import pytest
from redis import Redis
from rq import Queue

from github_app.signature import sign
from jobs.runtime.queues import QUEUE_NAMES, job_id
from morningai.embedded import DatabaseUrls
from tests.fakes.http import compact, serve_wsgi
from tests.support.webhooks import SECRET, labeled_issue, make_settings
from web import create_app

Conn = psycopg.Connection[tuple[Any, ...]]
COPIES = 10

pytestmark = pytest.mark.usefixtures("clean_db")


@pytest.fixture
def url(database: DatabaseUrls, redis_url: str, redis: Redis) -> Iterator[str]:
    app = create_app(make_settings(database, redis_url))
    with serve_wsgi(app) as served:
        yield served + "/api/github/webhooks"
    app.extensions["morningai"].close()


def post_at_once(url: str, deliveries: list[str], payload: dict[str, Any]) -> list[httpx.Response]:
    """Post `payload` once per delivery id, each from its own thread and connection, all
    released at the same instant."""
    body = compact(payload)
    gate = threading.Barrier(len(deliveries))

    def post(delivery: str) -> httpx.Response:
        headers = {
            "Content-Type": "application/json",
            "X-GitHub-Event": "issues",
            "X-GitHub-Delivery": delivery,
            "X-Hub-Signature-256": sign(SECRET.encode(), body),
        }
        with httpx.Client(timeout=30) as client:
            gate.wait(10)
            return client.post(url, content=body, headers=headers)

    with ThreadPoolExecutor(len(deliveries)) as pool:
        return list(pool.map(post, deliveries))


def jobs(redis: Redis) -> list[str]:
    return [jid for name in QUEUE_NAMES for jid in Queue(name, connection=redis).job_ids]


def test_one_delivery_posted_ten_times_at_once_is_one_task_and_one_job(
    url: str, owner_conn: Conn, redis: Redis
) -> None:
    delivery = str(uuid.uuid4())
    # the installation's first delivery: its tenant is created by whichever post wins
    answers = post_at_once(url, [delivery] * COPIES, labeled_issue())

    outcomes = Counter((a.status_code, a.json()["outcome"]) for a in answers)
    assert outcomes == {(202, "accepted"): 1, (200, "duplicate"): COPIES - 1}, outcomes
    assert owner_conn.execute("SELECT delivery_id, outcome FROM webhook_deliveries").fetchall() == [
        (delivery, "accepted")
    ]
    tasks = owner_conn.execute("SELECT id, delivery_id FROM tasks").fetchall()
    assert [d for _, d in tasks] == [delivery]
    assert owner_conn.execute("SELECT count(*) FROM tenants").fetchone() == (1,)
    assert jobs(redis) == [job_id(tasks[0][0], 0)]


def test_ten_deliveries_for_one_issue_at_once_are_one_task_and_one_job(
    url: str, owner_conn: Conn, redis: Redis
) -> None:
    deliveries = [str(uuid.uuid4()) for _ in range(COPIES)]
    answers = post_at_once(url, deliveries, labeled_issue())

    outcomes = Counter((a.status_code, a.json()["outcome"]) for a in answers)
    assert outcomes == {(202, "accepted"): 1, (202, "ignored"): COPIES - 1}, outcomes
    ignored = [a.json()["detail"] for a in answers if a.json()["outcome"] == "ignored"]
    assert all("already queued or running" in d for d in ignored)
    recorded = owner_conn.execute("SELECT delivery_id FROM webhook_deliveries").fetchall()
    assert sorted(d for (d,) in recorded) == sorted(deliveries)  # each one recorded
    tasks = owner_conn.execute("SELECT id FROM tasks").fetchall()
    assert len(tasks) == 1
    assert jobs(redis) == [job_id(tasks[0][0], 0)]
