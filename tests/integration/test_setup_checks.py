"""`GET /api/setup/checks` over real HTTP — `morningai doctor`'s checks that need no model
client, on the setup page: every check named, a broken setting ✗ with its fix, no secret in
the answer, public before an App exists and afterwards for an admin of one of its installations
only (404 to anyone else); the workers' sandbox as the last one to start reported it in Redis
("off" until one did) — and the App's check counting installations through
`GET /app/installations` (the simulator's, paged as GitHub pages it)."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt
import psycopg
import pytest
from redis import Redis

from core.secrets_at_rest import new_key
from core.settings import Settings
from jobs.runtime import worker
from jobs.runtime.sandbox_checks import SANDBOX_KEY, SANDBOX_TTL, check_workers_sandbox
from jobs.runtime.setup_checks import check_app
from morningai.embedded import DatabaseUrls
from simulator import GitHubSimulator
from tests.fakes.http import serve_wsgi
from tests.support.sign_in import Web, settings_for, sign_in
from tests.support.simulated import SECRET
from web import create_app
from web.spa import BUILD_DIR

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("no_sessions")]
Conn = psycopg.Connection[tuple[Any, ...]]
NAMES = [
    "settings",
    "PostgreSQL",
    "migrations",
    "Redis and workers",
    "GitHub App",
    "webhook secret",
    "web app",
    "sandbox",
]


@pytest.fixture(autouse=True)
def no_registered_app(owner_conn: Conn) -> Iterator[None]:
    owner_conn.execute("DELETE FROM app_registration")
    yield
    owner_conn.execute("DELETE FROM app_registration")


def served(settings: Settings, build: Path, redis: Redis) -> Iterator[Web]:
    app = create_app(settings)
    app.config[BUILD_DIR] = str(build)
    with serve_wsgi(app) as url, httpx.Client(base_url=url, timeout=30.0) as http:
        yield Web(url, http)
    app.extensions["morningai"].close()


@pytest.fixture
def fresh(
    database: DatabaseUrls, redis_url: str, sim: GitHubSimulator, redis: Redis, tmp_path: Path
) -> Iterator[tuple[Web, Settings]]:
    """A first start: no App anywhere, no webhook secret, no web build."""
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=database.app,
        redis_url=redis_url,
        github_api_url=sim.url,
        github_url=sim.url,
        morningai_secret_key=new_key(),
    )
    for made in served(settings, tmp_path / "no-build", redis):
        yield made, settings


@pytest.fixture
def configured(
    database: DatabaseUrls, redis_url: str, sim: GitHubSimulator, redis: Redis, tmp_path: Path
) -> Iterator[Web]:
    """The App in the environment (sign-in set up), a web build."""
    build = tmp_path / "dist"
    build.mkdir()
    (build / "index.html").write_text("<!doctype html>")
    settings = settings_for(
        database,
        redis_url,
        sim,
        morningai_insecure_cookies=True,
        database_migration_url=database.owner,
    )
    yield from served(settings, build, redis)


def secrets_of(settings: Settings, database: DatabaseUrls) -> list[str]:
    found = [SECRET, "PRIVATE KEY"]
    for value in (settings.morningai_secret_key, settings.github_private_key):
        if value is not None:
            found.append(value.get_secret_value())
    for url in (database.app, database.owner):
        password = urlsplit(url).password
        if password:
            found.append(password)
    return found


def test_before_an_app_every_check_is_public_and_a_broken_one_names_its_fix(
    fresh: tuple[Web, Settings], database: DatabaseUrls
) -> None:
    web, settings = fresh
    answer = web.http.get("/api/setup/checks")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    checks = {c["name"]: c for c in body["checks"]}
    assert [c["name"] for c in body["checks"]] == NAMES
    assert body["passed"] is False
    assert checks["settings"]["ok"] is False
    assert "set them in the environment" in checks["settings"]["fix"]
    assert checks["webhook secret"]["ok"] is False
    assert "Webhook secret" in checks["webhook secret"]["fix"]
    assert checks["web app"]["ok"] is False
    assert "make webapp" in checks["web app"]["fix"]
    assert checks["PostgreSQL"]["ok"] is True
    assert checks["migrations"]["status"] == "off"  # the app role cannot read them
    assert "DATABASE_MIGRATION_URL" in checks["migrations"]["fix"]
    assert checks["sandbox"]["status"] == "off"  # no worker has started
    assert checks["sandbox"]["ok"] is True
    assert checks["sandbox"]["fix"] == (
        "start a worker (`morningai worker` or `make run`): it reports its sandbox when it starts"
    )
    assert all(set(c) == {"name", "ok", "status", "fix"} for c in body["checks"])
    for secret in secrets_of(settings, database):
        assert secret not in answer.text
    assert "://" not in answer.text  # no URL at all, with or without a password


def test_after_an_app_only_an_admin_of_an_installation_sees_them(
    configured: Web, sim: GitHubSimulator, database: DatabaseUrls
) -> None:
    assert configured.http.get("/api/setup/checks").status_code == 404  # signed out
    acme = sim.add_installation("acme")
    sim.create_repo("acme", "widgets", installation_id=acme, private=True)
    sim.set_permission("acme", "widgets", "alice", "write")
    sim.add_installation("carol", "User")  # carol administers her own account
    sign_in(configured, sim, "alice")  # reaches acme, administers nothing
    assert configured.http.get("/api/setup/checks").status_code == 404
    configured.http.cookies.clear()
    sign_in(configured, sim, "carol")
    answer = configured.http.get("/api/setup/checks")
    assert answer.status_code == 200, answer.text
    checks = {c["name"]: c for c in answer.json()["checks"]}
    assert list(checks) == NAMES
    for name in ("settings", "PostgreSQL", "migrations", "GitHub App", "webhook secret", "web app"):
        assert checks[name]["ok"] is True, checks[name]
    assert SECRET not in answer.text
    assert "PRIVATE KEY" not in answer.text


def test_the_sandbox_row_is_what_the_last_worker_to_start_reported(
    fresh: tuple[Web, Settings], database: DatabaseUrls, redis: Redis
) -> None:
    web, settings = fresh
    worker._say_sandbox("auto", redis)  # as `morningai worker` does at start (bubblewrap here)
    stored = json.loads(redis.get(SANDBOX_KEY) or b"null")
    assert (stored["mode"], stored["kind"], stored["host"]) == (
        "auto",
        "bubblewrap",
        socket.gethostname(),
    )
    assert stored["described"].startswith("bubblewrap: no network")
    assert 0 < redis.ttl(SANDBOX_KEY) <= SANDBOX_TTL.total_seconds()
    answer = web.http.get("/api/setup/checks")
    assert answer.status_code == 200, answer.text
    row = {c["name"]: c for c in answer.json()["checks"]}["sandbox"]
    assert row == {"name": "sandbox", "ok": True, "status": "ok", "fix": ""}
    detail = check_workers_sandbox(settings).detail  # doctor-style detail; the page omits it
    assert detail.startswith(f"worker {socket.gethostname()}, {stored['at']}: bubblewrap:")

    worker._say_sandbox("process", redis)  # the last worker to start wins
    answer = web.http.get("/api/setup/checks")
    row = {c["name"]: c for c in answer.json()["checks"]}["sandbox"]
    assert (row["status"], row["ok"]) == ("warn", True)
    assert row["fix"].startswith("unset MORNINGAI_SANDBOX=process")
    for secret in secrets_of(settings, database):
        assert secret not in answer.text
        assert secret not in (redis.get(SANDBOX_KEY) or b"").decode()
    assert "://" not in answer.text


def test_a_broken_report_in_redis_is_no_report_not_an_error(
    fresh: tuple[Web, Settings], redis: Redis
) -> None:
    web, _ = fresh
    redis.set(SANDBOX_KEY, b"{not json")
    answer = web.http.get("/api/setup/checks")
    assert answer.status_code == 200, answer.text
    row = {c["name"]: c for c in answer.json()["checks"]}["sandbox"]
    assert row["status"] == "off"
    assert row["fix"].startswith("start a worker")


def app_settings(sim: GitHubSimulator) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        github_app_id=str(sim.app_id),
        github_private_key=sim.private_key_pem,
        github_api_url=sim.url,
    )


def test_the_app_check_lists_installations_and_says_when_there_are_more(
    sim: GitHubSimulator,
) -> None:
    assert check_app(app_settings(sim)).status == "fail"  # none yet
    for login in ("acme", "beta"):
        sim.add_installation(login)
    two = check_app(app_settings(sim))
    assert two.status == "ok"
    assert two.detail.endswith("JWT accepted, 2 installation(s): acme, beta"), two.detail
    for n in range(99):
        sim.add_installation(f"org{n}")
    many = check_app(app_settings(sim))  # 101: the first page holds 100
    assert "JWT accepted, 100+ installation(s): acme, beta, org0, org1, org2, …" in many.detail


def test_the_simulator_pages_the_app_installations_as_github_does(sim: GitHubSimulator) -> None:
    made = [sim.add_installation(login) for login in ("acme", "beta", "gamma")]
    now = int(time.time())
    token = jwt.encode(
        {"iat": now - 60, "exp": now + 540, "iss": str(sim.app_id)},
        sim.private_key_pem,
        algorithm="RS256",
    )
    headers = {"Authorization": f"Bearer {token}"}
    first = httpx.get(f"{sim.url}/app/installations?per_page=2", headers=headers)
    assert first.status_code == 200
    assert [i["id"] for i in first.json()] == made[:2]
    assert first.json()[0]["account"]["login"] == "acme"
    second = httpx.get(first.links["next"]["url"], headers=headers)
    assert [i["id"] for i in second.json()] == made[2:]
    assert "next" not in second.links
    assert httpx.get(f"{sim.url}/app/installations").status_code == 401  # the App's JWT only
