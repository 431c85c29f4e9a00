"""Redeliveries of deliveries no tenant is named for — a signed body that does not parse, a ping
— are duplicates like any other: answered 200 "duplicate", recorded once; and the intake
function scopes itself to a tenant for its own transaction only, leaving nothing on the pooled
connection. Mutation testing (bench/mutation.py, MUTATION_TESTING.md) showed the MA409 for
unattributed deliveries removable, and the function's set_config(..., true) turnable into a
session-wide setting, or a merge on an installation never seen losing its FAQ staleness check,
with every test green."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from redis import Redis

from db import deliveries
from db.pool import Database
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


@pytest.fixture
def one_connection(database: DatabaseUrls) -> Iterator[Database]:
    """A pool of one connection: every intake reuses it, as a busy web process's pool does."""
    db = Database(database.app, min_size=1, max_size=1).open(wait=True)
    yield db
    db.close()


def _delivery(n: int, event: str) -> dict[str, Any]:
    return {
        "delivery_id": f"scope-{n}",
        "event": event,
        "action": "created",
        "installation_id": 9501,
        "repository": "org9501/app",
        "sender": "alice",
    }


REPO = {"github_id": 95011, "full_name": "org9501/app", "private": False}
INTENTS: list[tuple[str, dict[str, Any]]] = [
    (
        "installation",
        {
            "type": "installation",
            "installation_id": 9501,
            "account_login": "org9501",
            "account_id": 1,
            "account_type": "Organization",
            "status": "active",
            "permissions": {},
            "repositories": [REPO],
        },
    ),
    (
        "installation_repositories",
        {
            "tenant_of": 9501,
            "type": "repositories",
            "installation_id": 9501,
            "account_login": "org9501",
            "added": [REPO],
            "removed": [],
        },
    ),
    (
        "issues",
        {
            "tenant_of": 9501,
            "type": "task",
            "installation_id": 9501,
            "account_login": "org9501",
            "repository": REPO,
            "kind": "code",
            "queue": "default",
            "number": 1,
            "subject": {"repository": "org9501/app", "number": 1, "requested_by": "alice"},
            "trace_id": "t-9501",
        },
    ),
    ("star", {"tenant_of": 9501, "type": "ignore", "reason": "not an event we act on"}),
    (
        "pull_request",
        {
            "tenant_of": 9501,
            "type": "pull_request_state",
            "repository_github_id": 95011,
            "number": 1,
            "state": "closed",
            "at": "2026-12-04T00:00:00+00:00",
            "stale_check": None,
        },
    ),
]


def test_the_intake_leaves_no_tenant_on_its_connection(one_connection: Database) -> None:
    for n, (event, intent) in enumerate(INTENTS):
        done = deliveries.intake(one_connection, _delivery(n, event), intent)
        assert done is not None
        assert done.status == 202, (event, done)
        with one_connection.connection() as conn:
            row = conn.execute("SELECT current_setting('app.tenant_id', true)").fetchone()
        assert row in ((None,), ("",)), f"{event} left app.tenant_id = {row}"


def test_a_merge_on_an_installation_never_seen_still_asks_for_the_staleness_check(
    one_connection: Database,
) -> None:
    repo = {"github_id": 96011, "full_name": "org9601/app", "private": False}
    stale_check = {
        "type": "task",
        "installation_id": 9601,
        "account_login": "org9601",
        "repository": repo,
        "kind": "faq_stale",
        "queue": "low",
        "number": 5,
        "subject": {"repository": "org9601/app", "number": 5, "requested_by": "alice"},
        "trace_id": "t-9601",
    }
    intent = {
        "tenant_of": 9601,
        "type": "pull_request_state",
        "repository_github_id": 96011,
        "number": 5,
        "state": "merged",
        "at": "2026-12-04T00:00:00+00:00",
        "stale_check": stale_check,
    }
    delivery = {**_delivery(9601, "pull_request"), "installation_id": 9601}
    done = deliveries.intake(one_connection, delivery, intent)
    assert done is not None
    assert done.task is not None
    assert (done.status, done.outcome, done.task.kind) == (202, "accepted", "faq_stale")
