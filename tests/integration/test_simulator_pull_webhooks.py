"""The simulator's REST routes that merge, close and reopen a pull request send the signed
`pull_request` delivery GitHub sends (merged: `closed` with `merged: true`), to the App
installed on the repository, whichever API made the change — and avatars have a route."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from simulator import GitHubSimulator
from tests.fakes.http import serve_wsgi

pytestmark = pytest.mark.integration
OWNER, REPO, SECRET = "octo-org", "hello", "pull-hook-secret"


@dataclass
class Heard:
    """What the App's hook received: (X-GitHub-Event, signature, raw body) per delivery."""

    url: str
    got: list[tuple[str, str, bytes]]

    def pull_events(self) -> list[dict[str, Any]]:
        found = []
        for event, signed, body in self.got:
            expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            assert hmac.compare_digest(signed, expected), "a delivery is not signed"
            if event == "pull_request":
                found.append(json.loads(body))
        return found


@pytest.fixture
def hook() -> Iterator[Heard]:
    got: list[tuple[str, str, bytes]] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        size = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(size)
        got.append(
            (
                environ.get("HTTP_X_GITHUB_EVENT", ""),
                environ.get("HTTP_X_HUB_SIGNATURE_256", ""),
                body,
            )
        )
        start_response("202 Accepted", [("Content-Type", "text/plain")])
        return [b"ok"]

    with serve_wsgi(app) as url:
        yield Heard(url + "/hook", got)


@pytest.fixture
def api(github_sim: GitHubSimulator, hook: Heard) -> Iterator[httpx.Client]:
    """A manifest App whose hook is `hook`, installed on OWNER/REPO: a client with its
    installation token."""
    sim = github_sim
    code = sim.manifest_code(
        {
            "name": "Followed",
            "url": "http://127.0.0.1:9/",
            "hook_attributes": {"url": hook.url},
            "redirect_url": "http://127.0.0.1:9/done",
        }
    )
    made = httpx.post(f"{sim.url}/app-manifests/{code}/conversions").json()
    app = sim.manifest_app(made["id"])
    app.webhook_secret = SECRET
    sim.create_repo(OWNER, REPO, files={"README.md": "# hi\n"})
    owner = sim.world.account(OWNER)
    installed = httpx.post(
        f"{sim.url}/apps/{app.slug}/installations",
        data={"target_id": str(owner.id), "repository_selection": "all"},
    )
    assert installed.status_code == 302
    [inst] = [i for i, found in sim.world.installations.items() if found.app_id == app.id]
    from githubkit import AppAuthStrategy, GitHub

    as_app = GitHub(AppAuthStrategy(str(made["id"]), made["pem"]), base_url=sim.url)
    token = as_app.rest.apps.create_installation_access_token(inst).parsed_data.token
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json"}
    with httpx.Client(base_url=sim.url, headers=headers) as client:
        yield client


def open_pull(sim: GitHubSimulator, branch: str) -> int:
    sim.push(OWNER, REPO, branch, {"README.md": f"# {branch}\n"}, start="main")
    return sim.open_pull(OWNER, REPO, head_ref=branch, title=f"Change {branch}")


def test_rest_merge_close_and_reopen_send_signed_pull_request_deliveries(
    github_sim: GitHubSimulator, api: httpx.Client, hook: Heard
) -> None:
    sim = github_sim
    first, second, third = (open_pull(sim, f"b{n}") for n in (1, 2, 3))
    before = len(sim.deliveries())  # the installation's
    hook.got.clear()

    pulls = f"/repos/{OWNER}/{REPO}/pulls"
    issues = f"/repos/{OWNER}/{REPO}/issues"
    assert api.patch(f"{pulls}/{first}", json={"state": "closed"}).status_code == 200
    assert api.patch(f"{pulls}/{first}", json={"state": "closed"}).status_code == 200  # no change
    assert api.patch(f"{pulls}/{first}", json={"state": "open"}).status_code == 200
    assert api.patch(f"{issues}/{second}", json={"state": "closed"}).status_code == 200
    assert api.patch(f"{issues}/{second}", json={"state": "open"}).status_code == 200
    assert api.patch(f"{issues}/{second}", json={"title": "Renamed"}).status_code == 200
    merged = api.put(f"{pulls}/{third}/merge", json={"merge_method": "squash"})
    assert merged.status_code == 200, merged.text
    refused = api.put(f"{pulls}/{third}/merge", json={})
    assert refused.status_code == 405  # already merged: nothing more is sent

    delivered = sim.deliveries()[before:]
    assert [(d.event, d.action, d.status) for d in delivered] == [
        ("pull_request", action, 202)
        for action in ("closed", "reopened", "closed", "reopened", "closed")
    ]
    events = hook.pull_events()
    seen = [(e["action"], e["number"], e["pull_request"]["merged"]) for e in events]
    assert seen == [
        ("closed", first, False),
        ("reopened", first, False),
        ("closed", second, False),
        ("reopened", second, False),
        ("closed", third, True),
    ]
    last = events[-1]
    assert last["pull_request"]["merge_commit_sha"] == merged.json()["sha"]
    assert last["pull_request"]["state"] == "closed"
    assert last["sender"]["login"] == "followed[bot]"
    assert last["installation"]["id"] == sim.world.repo(OWNER, REPO).installation_id  # type: ignore[union-attr]


def test_every_account_avatar_url_answers_an_image(github_sim: GitHubSimulator) -> None:
    sim = github_sim
    token = sim.user_token("alice")
    me = httpx.get(f"{sim.url}/user", headers={"Authorization": f"Bearer {token}"}).json()
    avatar = httpx.get(me["avatar_url"])
    assert avatar.status_code == 200
    assert avatar.headers["content-type"].startswith("image/svg+xml")
    assert avatar.text.startswith("<svg")
    assert ">A</text>" in avatar.text  # alice's initial
    assert httpx.get(f"{sim.url}/avatars/u/999999999").status_code == 404
