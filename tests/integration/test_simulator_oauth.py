"""The simulator's GitHub App user authorization: the authorize page, the PKCE-checked code
exchange, rotating refresh tokens, and what a user's token reaches (checked against GitHub's
OpenAPI description by the github_sim fixture)."""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from simulator import GitHubSimulator

pytestmark = pytest.mark.integration

CALLBACK = "https://morningai.example/auth/callback"


def challenge_of(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize(sim: GitHubSimulator, client_id: str, verifier: str, state: str = "st") -> str:
    """The browser's trip to the authorize page; returns the code GitHub sends back."""
    answer = httpx.get(
        f"{sim.url}/login/oauth/authorize",
        params={
            "client_id": client_id,
            "redirect_uri": CALLBACK,
            "state": state,
            "code_challenge": challenge_of(verifier),
            "code_challenge_method": "S256",
        },
    )
    assert answer.status_code == 302
    target = urlsplit(answer.headers["location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == CALLBACK
    query = parse_qs(target.query)
    assert query["state"] == [state]
    return query["code"][0]


def token_call(sim: GitHubSimulator, **form: str) -> dict[str, object]:
    answer = httpx.post(
        f"{sim.url}/login/oauth/access_token", data=form, headers={"Accept": "application/json"}
    )
    assert answer.status_code == 200  # GitHub refuses with 200 and an `error` field
    body: dict[str, object] = answer.json()
    return body


def exchange(sim: GitHubSimulator, code: str, verifier: str) -> dict[str, object]:
    client_id, secret = sim.oauth_client()
    return token_call(
        sim,
        client_id=client_id,
        client_secret=secret,
        code=code,
        redirect_uri=CALLBACK,
        code_verifier=verifier,
    )


def user_get(sim: GitHubSimulator, token: object, path: str) -> httpx.Response:
    return httpx.get(f"{sim.url}{path}", headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def world(github_sim: GitHubSimulator) -> tuple[GitHubSimulator, int, int, int]:
    """alice: write on org-a/one (of installation a), owner of her own installation;
    installation c (org-c) has nothing of hers."""
    sim = github_sim
    a = sim.add_installation("org-a")
    sim.create_repo("org-a", "one", installation_id=a, private=True)
    sim.create_repo("org-a", "two", installation_id=a, private=True)
    sim.set_permission("org-a", "one", "alice", "write")
    own = sim.add_installation("alice", "User")
    sim.create_repo("alice", "mine", installation_id=own)
    c = sim.add_installation("org-c")
    sim.create_repo("org-c", "secret", installation_id=c, private=True)
    sim.approve_as("alice")
    return sim, a, own, c


def test_round_trip_reaches_only_the_users_installations(
    world: tuple[GitHubSimulator, int, int, int],
) -> None:
    sim, a, own, c = world
    verifier = secrets.token_urlsafe(48)
    body = exchange(sim, authorize(sim, sim.oauth_client()[0], verifier), verifier)
    assert str(body["access_token"]).startswith("ghu_")
    assert str(body["refresh_token"]).startswith("ghr_")
    assert (body["expires_in"], body["scope"], body["token_type"]) == (28800, "", "bearer")
    token = body["access_token"]
    assert user_get(sim, token, "/user").json()["login"] == "alice"
    found = user_get(sim, token, "/user/installations").json()
    assert sorted(i["id"] for i in found["installations"]) == sorted([a, own])
    repos = user_get(sim, token, f"/user/installations/{a}/repositories").json()
    assert [r["full_name"] for r in repos["repositories"]] == ["org-a/one"]
    assert user_get(sim, token, f"/user/installations/{c}/repositories").status_code == 404
    assert user_get(sim, "ghu_nonsense", "/user").status_code == 401


def test_code_is_single_use_and_bound_to_the_pkce_verifier(
    world: tuple[GitHubSimulator, int, int, int],
) -> None:
    sim = world[0]
    verifier = secrets.token_urlsafe(48)
    code = authorize(sim, sim.oauth_client()[0], verifier)
    wrong = exchange(sim, code, secrets.token_urlsafe(48))
    assert wrong["error"] == "bad_verification_code"
    assert "access_token" not in wrong
    # the refused attempt used the code up, as GitHub does
    assert exchange(sim, code, verifier)["error"] == "bad_verification_code"


def test_wrong_client_secret_is_refused(world: tuple[GitHubSimulator, int, int, int]) -> None:
    sim = world[0]
    client_id, _ = sim.oauth_client()
    verifier = secrets.token_urlsafe(48)
    code = authorize(sim, client_id, verifier)
    body = token_call(
        sim,
        client_id=client_id,
        client_secret="not-the-secret",
        code=code,
        redirect_uri=CALLBACK,
        code_verifier=verifier,
    )
    assert body["error"] == "incorrect_client_credentials"


def test_refresh_rotates_both_tokens(world: tuple[GitHubSimulator, int, int, int]) -> None:
    sim = world[0]
    client_id, secret = sim.oauth_client()
    verifier = secrets.token_urlsafe(48)
    first = exchange(sim, authorize(sim, client_id, verifier), verifier)
    sim.advance_clock(timedelta(hours=8, seconds=1))
    assert user_get(sim, first["access_token"], "/user").status_code == 401
    refresh = {"client_id": client_id, "client_secret": secret, "grant_type": "refresh_token"}
    second = token_call(sim, **refresh, refresh_token=str(first["refresh_token"]))
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    assert user_get(sim, second["access_token"], "/user").status_code == 200
    again = token_call(sim, **refresh, refresh_token=str(first["refresh_token"]))
    assert again["error"] == "bad_refresh_token"
    third = token_call(sim, **refresh, refresh_token=str(second["refresh_token"]))
    assert user_get(sim, second["access_token"], "/user").status_code == 401
    assert user_get(sim, third["access_token"], "/user").status_code == 200


def test_authorize_needs_a_known_client_and_an_approving_user(
    github_sim: GitHubSimulator,
) -> None:
    params = {"client_id": github_sim.oauth_client()[0], "redirect_uri": CALLBACK}
    url = f"{github_sim.url}/login/oauth/authorize"
    assert httpx.get(url, params=params).status_code == 403  # nobody approves yet
    assert httpx.get(url, params={**params, "client_id": "Iv1.nobody"}).status_code == 404
    github_sim.approve_as("bob")
    assert (
        httpx.get(
            url, params={**params, "code_challenge_method": "plain", "code_challenge": "x"}
        ).status_code
        == 400
    )
