"""Signing in over real HTTP against the GitHub simulator: settings with the simulator's OAuth
client, the browser's trips to /login and the authorize page, the stored sessions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import psycopg
from pydantic import SecretStr

from core.secrets_at_rest import new_key
from core.settings import Settings
from morningai.embedded import DatabaseUrls
from simulator import GitHubSimulator
from tests.support.simulated import SECRET

Conn = psycopg.Connection[tuple[Any, ...]]


def settings_for(
    database: DatabaseUrls, redis_url: str, sim: GitHubSimulator, **extra: Any
) -> Settings:
    client_id, client_secret = sim.oauth_client()
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=database.app,
        redis_url=redis_url,
        github_api_url=sim.url,
        github_url=sim.url,
        github_app_id=str(sim.app_id),
        github_private_key=SecretStr(sim.private_key_pem),
        github_webhook_secret=SecretStr(SECRET),
        github_client_id=client_id,
        github_client_secret=SecretStr(client_secret),
        morningai_secret_key=new_key(),
        **extra,
    )


@dataclass
class Web:
    url: str
    http: httpx.Client


def start(web: Web) -> tuple[str, dict[str, list[str]]]:
    """GET /login: where it sends the browser (the authorize page) and that URL's query."""
    answer = web.http.get("/login")
    assert answer.status_code == 302, answer.text
    target = answer.headers["location"]
    return target, parse_qs(urlsplit(target).query)


def approve(target: str) -> str:
    """The browser on GitHub's authorize page; the user approves: where GitHub sends it back."""
    answer = httpx.get(target)
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]


def back_path(location: str) -> str:
    parts = urlsplit(location)
    return f"{parts.path}?{parts.query}"


def sessions(owner_conn: Conn) -> list[tuple[Any, ...]]:
    return owner_conn.execute("SELECT * FROM user_sessions").fetchall()


def sign_in(web: Web, sim: GitHubSimulator, login: str = "alice") -> None:
    """Sign `login` in through GitHub's web flow (the simulator approves): `web.http` then
    holds the session cookie."""
    sim.approve_as(login)
    target = web.http.get("/login").headers["location"]
    done = web.http.get(back_path(approve(target)))
    assert done.status_code == 302, done.text


def csrf(web: Web) -> dict[str, str]:
    """The CSRF header of the signed-in session in `web.http`."""
    me = web.http.get("/api/me")
    assert me.status_code == 200, me.text
    return {"X-MorningAI-CSRF": me.json()["csrf_token"]}
