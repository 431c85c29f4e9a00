"""The simulator's install page over real HTTP: installing the App registered by the manifest
flow creates the installation on GitHub's side and delivers a signed `installation` `created`
to MorningAI's hook URL, which verifies it and records the tenant and its repositories.
Also: a browser (Accept: text/html) sees the new-App and authorize pages before they act."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
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
from tests.fakes.http import serve_wsgi
from tests.support.simulated import OWNER, REPO
from web import create_app

pytestmark = pytest.mark.integration
Conn = psycopg.Connection[tuple[Any, ...]]
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.fixture(autouse=True)
def nothing_registered(owner_conn: Conn, clean_db: None) -> Iterator[None]:
    owner_conn.execute("DELETE FROM app_registration")
    yield
    owner_conn.execute("DELETE FROM app_registration")


@pytest.fixture
def fresh(database: DatabaseUrls, redis_url: str, sim: GitHubSimulator) -> Settings:
    """A first start: no App configured, the simulator as github.com."""
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=database.app,
        redis_url=redis_url,
        github_api_url=sim.url,
        github_url=sim.url,
        morningai_secret_key=new_key(),
    )


@pytest.fixture
def morningai(fresh: Settings, redis: Redis) -> Iterator[str]:
    """MorningAI over HTTP on `fresh` settings."""
    app = create_app(fresh)
    with serve_wsgi(app) as url:
        yield url
    app.extensions["morningai"].close()


def register(url: str, sim: GitHubSimulator) -> App:
    """The manifest flow as the setup page drives it; the App GitHub made."""
    with httpx.Client(base_url=url, timeout=30.0) as http:
        started = http.get("/api/setup/manifest", params={"url": url}).json()
        back = httpx.post(started["post_url"], data={"manifest": json.dumps(started["manifest"])})
        assert http.get(back.headers["location"]).status_code == 302
    [made] = sim.world.manifest_apps.values()
    return made


def install(sim: GitHubSimulator, app: App, target_id: int, **form: Any) -> httpx.Response:
    """The install page's form, posted as the browser does."""
    return httpx.post(
        f"{sim.url}/apps/{app.slug}/installations", data={"target_id": str(target_id), **form}
    )


def test_installing_delivers_a_signed_created_that_makes_the_tenant(
    morningai: str, fresh: Settings, sim: GitHubSimulator, owner_conn: Conn
) -> None:
    app = register(morningai, sim)
    repo = sim.create_repo(OWNER, REPO, files={"README.md": "# hi\n"})
    sim.create_repo(OWNER, "other")  # offered, not chosen
    assert repo.installation_id is None

    choose = httpx.get(f"{sim.url}/apps/{app.slug}/installations/new")
    assert choose.status_code == 200
    link = f"/apps/{app.slug}/installations/new/permissions?target_id={repo.owner.id}"
    assert f'href="{link}"' in choose.text
    page = httpx.get(sim.url + link)
    assert page.status_code == 200
    offered = re.findall(r'name="repository_ids" value="(\d+)"', page.text)
    assert len(offered) == 2
    assert str(repo.id) in offered

    done = install(
        sim, app, repo.owner.id, repository_selection="selected", repository_ids=str(repo.id)
    )
    assert done.status_code == 302
    [inst_id] = [i for i, inst in sim.world.installations.items() if inst.app_id == app.id]
    assert done.headers["location"] == (
        f"{sim.url}/organizations/{OWNER}/settings/installations/{inst_id}"
    )
    landed = httpx.get(done.headers["location"])
    assert f'href="{morningai}"' in landed.text  # back to the App's homepage
    assert f"{OWNER}/{REPO}" in landed.text

    [delivery] = sim.deliveries()
    assert delivery.url == f"{morningai}/api/github/webhooks"
    assert (delivery.event, delivery.action, delivery.status) == ("installation", "created", 202)
    assert delivery.payload["installation"]["app_id"] == app.id
    assert [r["full_name"] for r in delivery.payload["repositories"]] == [f"{OWNER}/{REPO}"]

    tenant = owner_conn.execute(
        "SELECT id, account_login, account_type, status FROM tenants WHERE installation_id = %s",
        (inst_id,),
    ).fetchone()
    assert tenant is not None
    assert tenant[1:] == (OWNER, "Organization", "active")
    repos = owner_conn.execute(
        "SELECT github_id, full_name, active FROM repositories WHERE tenant_id = %s", (tenant[0],)
    ).fetchall()
    assert repos == [(repo.id, f"{OWNER}/{REPO}", True)]
    recorded = owner_conn.execute(
        "SELECT event, action, outcome FROM webhook_deliveries WHERE delivery_id = %s",
        (delivery.id,),
    ).fetchall()
    assert recorded == [("installation", "created", "accepted")]

    # the installation is the new App's: the worker mints its token with the stored key
    number = sim.add_issue(OWNER, REPO, "Hello", "Body", user="alice")
    ctx = context.build(fresh)
    try:
        with ctx.repo(inst_id, f"{OWNER}/{REPO}") as client:
            assert client.issue(number).title == "Hello"
    finally:
        ctx.close()


def test_a_delivery_signed_with_another_secret_is_refused(
    morningai: str, sim: GitHubSimulator, owner_conn: Conn
) -> None:
    """The signature is what MorningAI checks: the App's secret changed on GitHub's side
    (as if rotated) makes the same delivery a 401 that records nothing."""
    app = register(morningai, sim)
    sim.create_repo(OWNER, REPO)
    app.webhook_secret = "rotated-on-github-only"
    owner = sim.world.account(OWNER)
    assert install(sim, app, owner.id, repository_selection="all").status_code == 302
    [delivery] = sim.deliveries()
    assert delivery.status == 401
    assert owner_conn.execute("SELECT count(*) FROM tenants").fetchone() == (0,)
    assert owner_conn.execute("SELECT count(*) FROM webhook_deliveries").fetchone() == (0,)


def test_nothing_chosen_is_refused_and_delivers_nothing(sim: GitHubSimulator) -> None:
    code = sim.manifest_code(
        {
            "name": "Other",
            "url": "http://127.0.0.1:9/",
            "hook_attributes": {"url": "http://127.0.0.1:9/hook"},
            "redirect_url": "http://127.0.0.1:9/done",
            "setup_url": "http://127.0.0.1:9/setup?from=github",
        }
    )
    made = httpx.post(f"{sim.url}/app-manifests/{code}/conversions").json()
    app = sim.manifest_app(made["id"])
    repo = sim.create_repo(OWNER, REPO)
    refused = install(sim, app, repo.owner.id, repository_selection="selected")
    assert refused.status_code == 422
    assert 'role="alert"' in refused.text
    assert sim.world.installations == {}
    app.hook_url = None  # an inactive hook: nothing is sent
    done = install(sim, app, repo.owner.id, repository_selection="all")
    [inst_id] = sim.world.installations
    assert done.headers["location"] == (
        f"http://127.0.0.1:9/setup?from=github&installation_id={inst_id}&setup_action=install"
    )
    assert sim.deliveries() == []
    again = install(sim, app, repo.owner.id, repository_selection="all")
    assert again.status_code == 422  # already installed there


def test_a_browser_sees_the_new_app_and_authorize_pages_before_they_act(
    sim: GitHubSimulator,
) -> None:
    manifest = {
        "name": "Paged",
        "url": "http://127.0.0.1:9/",
        "hook_attributes": {"url": "http://127.0.0.1:9/hook"},
        "redirect_url": "http://127.0.0.1:9/done",
    }
    target = f"{sim.url}/settings/apps/new?state=s1"
    page = httpx.post(target, data={"manifest": json.dumps(manifest)}, headers=BROWSER)
    assert page.status_code == 200
    assert "Create GitHub App for morningai-admin" in page.text
    assert sim.world.manifest_codes == {}  # nothing happens before the click
    form = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', page.text))
    assert set(form) == {"manifest", "confirmed"}
    action = re.search(r'<form method="post" action="([^"]+)"', page.text)
    assert action is not None
    assert action.group(1).replace("&amp;", "&") == "/settings/apps/new?state=s1"
    clicked = httpx.post(
        sim.url + "/settings/apps/new?state=s1",
        data={"manifest": manifest_field(page.text), "confirmed": "1"},
        headers=BROWSER,
    )
    assert clicked.status_code == 302
    assert clicked.headers["location"].startswith("http://127.0.0.1:9/done?code=")

    client_id, _ = sim.oauth_client()
    query = {"client_id": client_id, "redirect_uri": "http://127.0.0.1:9/cb", "state": "s2"}
    authorize = f"{sim.url}/login/oauth/authorize"
    assert httpx.get(authorize, params=query, headers=BROWSER).status_code == 403  # nobody in
    sim.approve_as("alice")
    shown = httpx.get(authorize, params=query, headers=BROWSER)
    assert shown.status_code == 200
    assert "Signed in to GitHub as <strong>alice</strong>" in shown.text
    assert sim.world.oauth_codes == {}
    approved = httpx.get(authorize, params={**query, "confirmed": "1"}, headers=BROWSER)
    assert approved.status_code == 302
    assert approved.headers["location"].startswith("http://127.0.0.1:9/cb?code=")


def manifest_field(page: str) -> str:
    found = re.search(r'name="manifest" value="([^"]*)"', page)
    assert found is not None
    return html.unescape(found.group(1))
