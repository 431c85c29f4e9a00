"""After sign-in, over real HTTP: GET /api/me lists exactly the installations GitHub says the
user reaches (and which are MorningAI tenants); an expired user token is refreshed (rotating
both); a refused refresh ends the session; POST /api/logout needs the CSRF header."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import httpx
import psycopg
import pytest
from redis import Redis

from db import tenants
from simulator import GitHubSimulator
from tests.support.sign_in import Web, sessions, sign_in

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("no_sessions")]
Conn = psycopg.Connection[tuple[Any, ...]]


@pytest.fixture
def reach(sim: GitHubSimulator, owner_conn: Conn) -> dict[str, int]:
    """alice: write on reach-a/one; owner of her own installation; nothing on reach-c."""
    a = sim.add_installation("reach-a")
    sim.create_repo("reach-a", "one", installation_id=a, private=True)
    sim.set_permission("reach-a", "one", "alice", "write")
    own = sim.add_installation("alice", "User")
    sim.create_repo("alice", "mine", installation_id=own)
    c = sim.add_installation("reach-c")
    sim.create_repo("reach-c", "secret", installation_id=c, private=True)
    tenants.upsert_installation(
        owner_conn,
        installation_id=a,
        account_login="reach-a",
        account_id=None,
        account_type="Organization",
        status="active",
    )
    return {"a": a, "own": own, "c": c}


def test_me_lists_exactly_the_reachable_installations(
    web: Web, sim: GitHubSimulator, reach: dict[str, int]
) -> None:
    assert web.http.get("/api/me").status_code == 401
    sign_in(web, sim)
    me = web.http.get("/api/me")
    assert me.status_code == 200, me.text
    body = me.json()
    assert body["user"]["login"] == "alice"
    assert body["user"]["avatar_url"]
    found = sorted((i["id"], i["account"], i["tenant"]) for i in body["installations"])
    assert found == sorted([(reach["a"], "reach-a", True), (reach["own"], "alice", False)])


def test_an_expired_token_is_refreshed_and_the_old_refresh_token_dies(
    web: Web,
    sim: GitHubSimulator,
    reach: dict[str, int],
    owner_conn: Conn,
    redis: Redis,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    sign_in(web, sim)
    [old_refresh] = [t for t, g in sim.world.refresh_tokens.items() if g.login == "alice"]
    [before] = sessions(owner_conn)
    sim.advance_clock(timedelta(hours=8, seconds=5))  # GitHub's clock: the ghu_ token expired
    for key in redis.scan_iter("morningai:viewer:reach:*"):
        redis.delete(key)
    me = web.http.get("/api/me")
    assert me.status_code == 200, me.text
    [after] = sessions(owner_conn)
    assert after[3] != before[3]  # access token sealed anew
    assert after[4] != before[4]  # refresh token rotated
    client_id, secret = sim.oauth_client()
    refused = httpx.post(
        f"{sim.url}/login/oauth/access_token",
        data={
            "client_id": client_id,
            "client_secret": secret,
            "grant_type": "refresh_token",
            "refresh_token": old_refresh,
        },
        headers={"Accept": "application/json"},
    ).json()
    assert refused["error"] == "bad_refresh_token"
    logged = caplog.text + "".join(repr(r.args) for r in caplog.records)
    every = [*sim.world.user_tokens, *sim.world.refresh_tokens, old_refresh]
    assert [t for t in every if t in logged] == []


def test_a_refused_refresh_ends_the_session(
    web: Web, sim: GitHubSimulator, reach: dict[str, int], owner_conn: Conn, redis: Redis
) -> None:
    sign_in(web, sim)
    sim.world.refresh_tokens.clear()  # GitHub no longer knows the refresh token
    sim.advance_clock(timedelta(hours=8, seconds=5))
    for key in redis.scan_iter("morningai:viewer:reach:*"):
        redis.delete(key)
    assert web.http.get("/api/me").status_code == 401
    assert sessions(owner_conn) == []


def test_logout_needs_the_csrf_header(
    web: Web, sim: GitHubSimulator, reach: dict[str, int], owner_conn: Conn
) -> None:
    sign_in(web, sim)
    token = web.http.get("/api/me").json()["csrf_token"]
    assert web.http.post("/api/logout").status_code == 403
    assert web.http.post("/api/logout", headers={"X-MorningAI-CSRF": "x" * 64}).status_code == 403
    assert len(sessions(owner_conn)) == 1
    out = web.http.post("/api/logout", headers={"X-MorningAI-CSRF": token})
    assert out.status_code == 204
    assert sessions(owner_conn) == []
    assert web.http.get("/api/me").status_code == 401


def test_requests_at_once_after_expiry_refresh_once_and_stay_signed_in(
    web: Web, sim: GitHubSimulator, reach: dict[str, int], owner_conn: Conn, redis: Redis
) -> None:
    """The page asks for several things at once; with the user token expired each would
    refresh, and GitHub refuses every refresh token but the newest: one refresh, shared."""
    sign_in(web, sim)
    sim.advance_clock(timedelta(hours=8, seconds=5))
    for key in redis.scan_iter("morningai:viewer:reach:*"):
        redis.delete(key)
    cookies = dict(web.http.cookies)

    def ask(_: int) -> int:
        with httpx.Client(base_url=web.url, cookies=cookies, timeout=30.0) as http:
            return http.get("/api/me").status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(ask, range(6)))
    assert answers == [200] * 6
    assert len(sessions(owner_conn)) == 1  # still signed in
    alices = [g for g in sim.world.refresh_tokens.values() if g.login == "alice"]
    assert len(alices) == 1  # rotated once: one live refresh token
