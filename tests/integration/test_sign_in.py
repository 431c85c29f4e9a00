"""Sign in with GitHub over real HTTP: /login → the simulator's authorize page → /auth/callback
→ a server-side session (id hashed, tokens sealed) and an HttpOnly, SameSite=Lax cookie."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import psycopg
import pytest

from morningai.embedded import DatabaseUrls
from simulator import GitHubSimulator
from tests.fakes.http import serve_wsgi
from tests.support.sign_in import Web, approve, back_path, sessions, settings_for, start
from web import create_app

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("no_sessions")]
Conn = psycopg.Connection[tuple[Any, ...]]


def test_sign_in_round_trip_opens_a_sealed_session(
    web: Web, sim: GitHubSimulator, owner_conn: Conn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sim.approve_as("alice")
    target, query = start(web)
    assert target.startswith(f"{sim.url}/login/oauth/authorize?")
    assert query["code_challenge_method"] == ["S256"]
    assert query["redirect_uri"] == [f"{web.url}/auth/callback"]
    done = web.http.get(back_path(approve(target)))
    assert done.status_code == 302, done.text
    assert done.headers["location"] == "/"
    cookie = done.headers["set-cookie"]
    assert cookie.startswith("morningai_session=")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie
    session_id = cookie.split(";")[0].split("=", 1)[1]
    [row] = sessions(owner_conn)
    stored = b"".join(v if isinstance(v, bytes) else str(v).encode() for v in row)
    assert row[2] == "alice"
    assert session_id.encode() not in stored  # only its hash is kept
    tokens = [t for t, g in sim.world.user_tokens.items() if g.login == "alice"]
    tokens += [t for t, g in sim.world.refresh_tokens.items() if g.login == "alice"]
    assert len(tokens) == 2
    logged = caplog.text + "".join(repr(r.args) for r in caplog.records)
    for token in tokens:
        assert token.encode() not in stored
        assert token not in logged
    # the test's own HTTP client (httpcore) logs the Set-Cookie it receives; the service must not
    served = "".join(
        r.getMessage() for r in caplog.records if not r.name.startswith(("httpcore", "httpx"))
    )
    assert session_id not in served


def test_wrong_missing_or_reused_state_is_refused(
    web: Web, sim: GitHubSimulator, owner_conn: Conn
) -> None:
    sim.approve_as("alice")
    target, query = start(web)
    back = back_path(approve(target))
    code = parse_qs(urlsplit(back).query)["code"][0]
    assert (
        web.http.get("/auth/callback", params={"code": code, "state": "forged"}).status_code == 400
    )
    assert web.http.get("/auth/callback", params={"code": code}).status_code == 400
    assert sessions(owner_conn) == []
    assert web.http.get(back).status_code == 302
    # the same state again, with a fresh code GitHub would accept: refused before any exchange
    fresh = parse_qs(urlsplit(approve(target)).query)["code"][0]
    again = web.http.get("/auth/callback", params={"code": fresh, "state": query["state"][0]})
    assert again.status_code == 400
    assert "set-cookie" not in again.headers
    assert len(sessions(owner_conn)) == 1


def test_a_code_for_another_pkce_challenge_is_refused(
    web: Web, sim: GitHubSimulator, owner_conn: Conn
) -> None:
    """A code GitHub issued for someone else's challenge does not open a session here: the
    exchange sends this flow's verifier, and GitHub refuses the mismatch."""
    sim.approve_as("mallory")
    target, query = start(web)
    state = query["state"][0]
    other = target.replace(query["code_challenge"][0], "A" * 43)
    code = parse_qs(urlsplit(approve(other)).query)["code"][0]
    refused = web.http.get("/auth/callback", params={"code": code, "state": state})
    assert refused.status_code == 400
    assert "set-cookie" not in refused.headers
    assert sessions(owner_conn) == []


def test_the_cookie_is_secure_unless_local_http_is_allowed(
    database: DatabaseUrls, redis_url: str, sim: GitHubSimulator
) -> None:
    app = create_app(settings_for(database, redis_url, sim))
    sim.approve_as("alice")
    with serve_wsgi(app) as url, httpx.Client(base_url=url, timeout=30.0) as http:
        target = http.get("/login").headers["location"]
        done = http.get(back_path(approve(target)))
    app.extensions["morningai"].close()
    assert done.status_code == 302
    assert "Secure" in done.headers["set-cookie"]
