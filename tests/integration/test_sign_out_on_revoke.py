"""A `github_app_authorization` revoked delivery ends every session of that user (and only
theirs), and is recorded like any delivery."""

from __future__ import annotations

from typing import Any

import httpx
import psycopg
import pytest

from simulator import GitHubSimulator
from tests.fakes.http import WebhookSender
from tests.support.sign_in import Web, approve, back_path, sessions
from tests.support.simulated import SECRET

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("no_sessions")]
Conn = psycopg.Connection[tuple[Any, ...]]


def signed_in(url: str, sim: GitHubSimulator, login: str) -> Web:
    """A browser of its own (cookie jar) signed in as `login`."""
    web = Web(url, httpx.Client(base_url=url, timeout=30.0))
    sim.approve_as(login)
    target = web.http.get("/login").headers["location"]
    assert web.http.get(back_path(approve(target))).status_code == 302
    assert web.http.get("/api/me").status_code == 200
    return web


def test_revocation_ends_every_session_of_that_user(
    sign_in_app: str, sim: GitHubSimulator, owner_conn: Conn
) -> None:
    phone, laptop, other = (signed_in(sign_in_app, sim, who) for who in ("alice", "alice", "bob"))
    alice = sim.world.account("alice")
    sender = WebhookSender(sign_in_app, SECRET.encode())
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
