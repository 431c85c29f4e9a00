"""Redeliveries of deliveries no tenant is named for — a signed body that does not parse, a ping
— are duplicates like any other: answered 200 "duplicate", recorded once. Mutation testing
(bench/mutation.py, MUTATION_TESTING.md) showed the intake function's MA409 for them removable
with every test green (the redelivery test covered a task-making delivery only)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from redis import Redis

from morningai.embedded import DatabaseUrls
from tests.fakes.http import WebhookSender, serve_wsgi
from tests.fakes.npm_fixtures import webhook_example
from tests.support.webhooks import SECRET, make_settings
from web import create_app

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]
Conn = psycopg.Connection[tuple[Any, ...]]


@pytest.fixture
def sender(database: DatabaseUrls, redis_url: str, redis: Redis) -> Iterator[WebhookSender]:
    app = create_app(make_settings(database, redis_url))
    with serve_wsgi(app) as url:
        client = WebhookSender(url, SECRET.encode())
        yield client
        client.close()
    app.extensions["morningai"].close()


def _rows(owner_conn: Conn, delivery: str) -> list[tuple[Any, ...]]:
    return owner_conn.execute(
        "SELECT outcome FROM webhook_deliveries WHERE delivery_id = %s", (delivery,)
    ).fetchall()


def test_a_redelivered_rejected_delivery_is_a_duplicate(
    sender: WebhookSender, owner_conn: Conn
) -> None:
    payload = webhook_example("installation", "created")
    del payload["installation"]["account"]
    delivery = str(uuid.uuid4())
    assert sender.post("installation", payload, delivery=delivery).status_code == 400
    again = sender.post("installation", payload, delivery=delivery)
    assert (again.status_code, again.json()["outcome"]) == (200, "duplicate")
    assert _rows(owner_conn, delivery) == [("rejected",)]


def test_a_redelivered_ping_is_a_duplicate(sender: WebhookSender, owner_conn: Conn) -> None:
    delivery = str(uuid.uuid4())
    first = sender.post("ping", webhook_example("ping"), delivery=delivery)
    assert first.status_code == 202
    again = sender.post("ping", webhook_example("ping"), delivery=delivery)
    assert (again.status_code, again.json()["outcome"]) == (200, "duplicate")
    assert len(_rows(owner_conn, delivery)) == 1
