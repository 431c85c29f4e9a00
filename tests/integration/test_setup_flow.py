"""First start over real HTTP: the App registered from app.yml through the manifest flow
against the GitHub simulator, stored sealed, and then used by the web process and the worker."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import psycopg
import pytest
from redis import Redis

from core.secrets_at_rest import new_key
from core.settings import Settings
from jobs.runtime import context
from morningai.embedded import DatabaseUrls
from simulator import GitHubSimulator
from simulator.state import App
from tests.fakes.http import WebhookSender, serve_wsgi
from tests.fakes.npm_fixtures import webhook_example
from tests.support.simulated import OWNER, REPO, SECRET
from web import create_app

Conn = psycopg.Connection[tuple[Any, ...]]


@pytest.fixture(autouse=True)
def no_registered_app(owner_conn: Conn) -> Iterator[None]:
    """The registration is one row per database: each test starts and ends without it."""
    owner_conn.execute("DELETE FROM app_registration")
    yield
    owner_conn.execute("DELETE FROM app_registration")


@pytest.fixture
def fresh(database: DatabaseUrls, redis_url: str, sim: GitHubSimulator) -> Settings:
    """A first start: no App in the environment, the simulator as github.com."""
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=database.app,
        redis_url=redis_url,
        github_api_url=sim.url,
        github_url=sim.url,
        morningai_secret_key=new_key(),
    )


@dataclass
class Web:
    url: str
    http: httpx.Client


@pytest.fixture
def web(fresh: Settings, redis: Redis) -> Iterator[Web]:
    app = create_app(fresh)
    with serve_wsgi(app) as url, httpx.Client(base_url=url, timeout=30.0) as http:
        yield Web(url, http)
    app.extensions["morningai"].close()


def start(web: Web, **params: str) -> dict[str, Any]:
    answer = web.http.get("/api/setup/manifest", params={"url": web.url, **params})
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def click_create(started: dict[str, Any]) -> str:
    """The browser posts the manifest to GitHub's new-App page, the person clicks "Create",
    and GitHub sends the browser back: the URL it lands on."""
    answer = httpx.post(
        started["post_url"], data={"manifest": json.dumps(started["manifest"])}, timeout=30.0
    )
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]


def register(web: Web, sim: GitHubSimulator) -> tuple[httpx.Response, App]:
    back = click_create(start(web, name="MorningAI Acme"))
    done = web.http.get(back)
    [made] = sim.world.manifest_apps.values()
    return done, made


def stored_row(owner_conn: Conn) -> tuple[Any, ...] | None:
    return owner_conn.execute("SELECT * FROM app_registration").fetchone()


def test_register_then_webhooks_and_tokens_use_the_new_app(
    web: Web,
    sim: GitHubSimulator,
    fresh: Settings,
    owner_conn: Conn,
    redis: Redis,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    status = web.http.get("/api/setup/status").json()
    assert status == {
        "configured": False,
        "missing": [
            "GITHUB_APP_ID",
            "GITHUB_PRIVATE_KEY or GITHUB_PRIVATE_KEY_PATH",
            "GITHUB_WEBHOOK_SECRET",
        ],
        "install_url": None,
    }
    started = start(web, name="MorningAI Acme")
    assert started["post_url"] == f"{sim.url}/settings/apps/new?state={started['state']}"
    assert started["manifest"]["redirect_url"] == f"{web.url}/setup/complete"
    assert started["manifest"]["hook_attributes"]["url"] == f"{web.url}/api/github/webhooks"

    back = click_create(started)
    assert back.startswith(f"{web.url}/setup/complete?code=")
    done = web.http.get(back)
    [made] = sim.world.manifest_apps.values()
    assert done.status_code == 302
    assert done.headers["location"] == f"{sim.url}/apps/{made.slug}/installations/new"
    assert made.slug == "morningai-acme"

    row = stored_row(owner_conn)
    assert row is not None
    secrets = [made.private_key_pem, made.webhook_secret, made.client_secret]
    stored = b"".join(
        bytes(v) if isinstance(v, bytes | memoryview) else str(v).encode() for v in row
    )
    for secret in secrets:
        assert secret is not None
        assert secret.encode() not in stored
    assert b"PRIVATE KEY" not in stored
    assert row[1] == made.id
    assert row[2] == made.slug
    assert row[4] == made.client_id
    assert row[8] == "morningai-admin"  # the first person to finish setup

    status = web.http.get("/api/setup/status").json()
    assert status == {
        "configured": True,
        "missing": [],
        "install_url": f"{sim.url}/apps/{made.slug}/installations/new",
    }

    # no restart: the web process checks deliveries with the new webhook secret at once
    assert made.webhook_secret is not None
    new = WebhookSender(web.url, made.webhook_secret.encode())
    old = WebhookSender(web.url, SECRET.encode())
    try:
        assert new.post("ping", webhook_example("ping")).status_code == 202
        assert old.post("ping", webhook_example("ping")).status_code == 401
    finally:
        new.close()
        old.close()

    # the worker mints installation tokens with the new App's key
    installation = sim.add_installation(OWNER)
    sim.create_repo(OWNER, REPO, installation_id=installation, files={"README.md": "# hi\n"})
    number = sim.add_issue(OWNER, REPO, "Hello", "Body", user="alice")
    ctx = context.build(fresh)
    try:
        with ctx.repo(installation, f"{OWNER}/{REPO}") as client:
            assert client.issue(number).title == "Hello"
        assert ctx.settings.github_app_id == str(made.id)
    finally:
        ctx.close()
    assert any(
        ex.path.endswith(f"/app/installations/{installation}/access_tokens") and ex.status == 201
        for ex in sim.requests
    )

    logged = caplog.text + "".join(repr(r.args) for r in caplog.records)
    assert f"GitHub App {made.slug}" in logged  # the capture works
    for secret in secrets:
        assert secret is not None
        middle = len(secret) // 2
        assert secret not in logged
        assert secret[middle : middle + 16] not in logged  # nor a piece of it
    for answer in (done, web.http.get("/api/setup/status")):
        for secret in secrets:
            assert secret is not None
            assert secret not in answer.text


def test_wrong_missing_or_reused_state_is_400_and_stores_nothing(
    web: Web, sim: GitHubSimulator, owner_conn: Conn
) -> None:
    back = click_create(start(web))
    code = httpx.URL(back).params["code"]
    assert web.http.get("/setup/complete", params={"code": code}).status_code == 400
    answer = web.http.get("/setup/complete", params={"code": code, "state": "forged"})
    assert answer.status_code == 400
    assert stored_row(owner_conn) is None
    assert sim.world.manifest_apps == {}  # the code was never exchanged
    assert web.http.get(back).status_code == 302
    again = web.http.get(back)
    assert again.status_code == 400
    assert len(sim.world.manifest_apps) == 1


@pytest.mark.parametrize("code", ["", "../../app/installations", "abc/../x", "a b"])
def test_a_malformed_code_is_400_and_never_reaches_github(
    web: Web, sim: GitHubSimulator, owner_conn: Conn, code: str
) -> None:
    state = start(web)["state"]
    answer = web.http.get("/setup/complete", params={"code": code, "state": state})
    assert answer.status_code == 400
    assert not [ex for ex in sim.requests if "conversions" in ex.path or "/app/" in ex.path]
    assert stored_row(owner_conn) is None


def test_a_state_from_another_start_does_not_open_this_code(
    web: Web, sim: GitHubSimulator, owner_conn: Conn
) -> None:
    first = start(web)
    second = click_create(start(web, name="Other"))
    back = click_create(first)
    assert web.http.get(back).status_code == 302
    used = httpx.URL(back).params["state"]
    code = httpx.URL(second).params["code"]
    answer = web.http.get("/setup/complete", params={"code": code, "state": used})
    assert answer.status_code == 400
    assert len(sim.world.manifest_apps) == 1  # the second code was never exchanged


def test_setup_cannot_run_twice(web: Web, sim: GitHubSimulator, owner_conn: Conn) -> None:
    first = click_create(start(web))
    second = click_create(start(web))  # a second tab, started before the first finished
    assert web.http.get(first).status_code == 302
    answer = web.http.get("/api/setup/manifest", params={"url": web.url})
    assert answer.status_code == 409
    assert web.http.get(second).status_code == 409
    [row] = owner_conn.execute("SELECT app_id FROM app_registration").fetchall()
    assert row[0] == min(sim.world.manifest_apps)


def test_environment_settings_win(
    fresh: Settings, sim: GitHubSimulator, owner_conn: Conn, redis: Redis
) -> None:
    # a registered App in the database, and an App in the environment
    web_fresh = create_app(fresh)
    with serve_wsgi(web_fresh) as url:
        back = click_create(start(Web(url, httpx.Client(base_url=url))))
        assert httpx.get(back).status_code == 302
    web_fresh.extensions["morningai"].close()
    env = fresh.model_copy(
        update={
            "github_app_id": str(sim.app_id),
            "github_private_key": sim.private_key_pem,
            "github_webhook_secret": SECRET,
        }
    )
    env = Settings(**{**env.model_dump(), "_env_file": None})  # validated again
    app = create_app(env)
    with serve_wsgi(app) as url:
        assert httpx.get(url + "/api/setup/manifest", params={"url": url}).status_code == 409
        sender = WebhookSender(url, SECRET.encode())
        assert sender.post("ping", webhook_example("ping")).status_code == 202
        [made] = sim.world.manifest_apps.values()
        assert made.webhook_secret is not None
        stored = WebhookSender(url, made.webhook_secret.encode())
        assert stored.post("ping", webhook_example("ping")).status_code == 401
        sender.close()
        stored.close()
    app.extensions["morningai"].close()
    ctx = context.build(env)
    try:
        assert ctx.github_settings().github_app_id == str(sim.app_id)
    finally:
        ctx.close()


def test_a_setting_in_the_environment_wins_over_the_stored_one(
    fresh: Settings, sim: GitHubSimulator, redis: Redis
) -> None:
    # only the webhook secret is set: the App's id and key come from setup
    settings = Settings(
        **{**fresh.model_dump(), "github_webhook_secret": SECRET, "_env_file": None}
    )
    app = create_app(settings)
    with serve_wsgi(app) as url:
        back = click_create(start(Web(url, httpx.Client(base_url=url))))
        assert httpx.get(back).status_code == 302
        [made] = sim.world.manifest_apps.values()
        assert made.webhook_secret is not None
        chosen = WebhookSender(url, SECRET.encode())
        stored = WebhookSender(url, made.webhook_secret.encode())
        assert chosen.post("ping", webhook_example("ping")).status_code == 202
        assert stored.post("ping", webhook_example("ping")).status_code == 401
        chosen.close()
        stored.close()
    app.extensions["morningai"].close()
    ctx = context.build(settings)
    try:
        effective = ctx.github_settings()
        assert effective.github_app_id == str(made.id)
        assert effective.github_webhook_secret is not None
        assert effective.github_webhook_secret.get_secret_value() == SECRET
    finally:
        ctx.close()


def test_a_stored_app_another_key_cannot_open_is_reported_not_served(
    fresh: Settings, web: Web, sim: GitHubSimulator
) -> None:
    assert web.http.get(click_create(start(web))).status_code == 302
    other = Settings(**{**fresh.model_dump(), "morningai_secret_key": new_key(), "_env_file": None})
    app = create_app(other)
    with serve_wsgi(app) as url:
        status = httpx.get(url + "/api/setup/status").json()
        again = httpx.get(url + "/api/setup/manifest", params={"url": url})
        [made] = sim.world.manifest_apps.values()
        assert made.webhook_secret is not None
        sender = WebhookSender(url, made.webhook_secret.encode())
        delivery = sender.post("ping", webhook_example("ping"))
        sender.close()
    app.extensions["morningai"].close()
    assert status["configured"] is False
    assert "MORNINGAI_SECRET_KEY" in status["missing"]
    assert again.status_code == 409  # still registered: setup does not run again
    assert delivery.status_code == 503


def test_no_secret_key_means_no_setup(
    database: DatabaseUrls, redis_url: str, sim: GitHubSimulator, owner_conn: Conn
) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=database.app, redis_url=redis_url, github_url=sim.url
    )
    app = create_app(settings)
    with serve_wsgi(app) as url:
        status = httpx.get(url + "/api/setup/status").json()
        answer = httpx.get(url + "/api/setup/manifest", params={"url": url})
    app.extensions["morningai"].close()
    assert "MORNINGAI_SECRET_KEY" in status["missing"]
    assert answer.status_code == 503
    assert "MORNINGAI_SECRET_KEY" in answer.json()["error"]


def test_manifest_for_an_organisation_and_the_detected_url(web: Web, sim: GitHubSimulator) -> None:
    answer = web.http.get("/api/setup/manifest", params={"org": "acme-inc"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["post_url"].startswith(f"{sim.url}/organizations/acme-inc/settings/apps/new?state=")
    assert body["manifest"]["url"] == web.url  # detected from the request
    back = click_create(body)
    assert web.http.get(back).status_code == 302
    [made] = sim.world.manifest_apps.values()
    assert made.owner.login == "acme-inc"
    bad = web.http.get("/api/setup/manifest", params={"url": "ftp://x"})
    assert bad.status_code == 409  # an App exists now: refused before anything else
