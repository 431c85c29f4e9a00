"""A `github_app_authorization` revoked delivery ends every session of that user (and only
theirs), and is recorded like any delivery."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest

from morningai.embedded import DatabaseUrls
from simulator import GitHubSimulator
from tests.fakes.http import WebhookSender, serve_wsgi
from tests.support.sign_in import Web, approve, back_path, sessions, settings_for
from tests.support.simulated import SECRET
from web import create_app

pytestmark = pytest.mark.integration
Conn = psycopg.Connection[tuple[Any, ...]]


@pytest.fixture(autouse=True)
def no_sessions(owner_conn: Conn) -> Iterator[None]:
    owner_conn.execute("DELETE FROM user_sessions")
    yield
    owner_conn.execute("DELETE FROM user_sessions")


@pytest.fixture
def app_url(database: DatabaseUrls, redis_url: str, sim: GitHubSimulator) -> Iterator[str]:
    app = create_app(settings_for(database, redis_url, sim, morningai_insecure_cookies=True))
    with serve_wsgi(app) as url:
        yield url
    app.extensions["morningai"].close()


def signed_in(url: str, sim: GitHubSimulator, login: str) -> Web:
    """A browser of its own (cookie jar) signed in as `login`."""
    web = Web(url, httpx.Client(base_url=url, timeout=30.0))
    sim.approve_as(login)
    target = web.http.get("/login").headers["location"]
    assert web.http.get(back_path(approve(target))).status_code == 302
    assert web.http.get("/api/me").status_code == 200
    return web


def test_revocation_ends_every_session_of_that_user(
    app_url: str, sim: GitHubSimulator, owner_conn: Conn
) -> None:
    phone, laptop, other = (signed_in(app_url, sim, who) for who in ("alice", "alice", "bob"))
    alice = sim.world.account("alice")
    sender = WebhookSender(app_url, SECRET.encode())
    try:
        payload = {
            "action": "revoked",
            "sender": {"login": "alice", "id": alice.id, "type": "User"},
        }
        answer = sender.post("github_app_authorization", payload, delivery="revoke-1")
    finally:
        sender.close()
    assert answer.status_code == 202, answer.text
    assert [row[2] for row in sessions(owner_conn)] == ["bob"]
    assert phone.http.get("/api/me").status_code == 401
    assert laptop.http.get("/api/me").status_code == 401
    assert other.http.get("/api/me").status_code == 200
    recorded = owner_conn.execute(
        "SELECT event, action, outcome FROM webhook_deliveries WHERE delivery_id = 'revoke-1'"
    ).fetchall()
    assert recorded == [("github_app_authorization", "revoked", "accepted")]
    for web in (phone, laptop, other):
        web.http.close()
