"""The simulator's unhappy paths answer as GitHub does: 401/403/404/422, faults, pagination."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from githubkit import AppAuthStrategy, AppInstallationAuthStrategy, GitHub, TokenAuthStrategy
from githubkit.exception import PrimaryRateLimitExceeded, RequestFailed

from simulator import GitHubSimulator, OpenAPIContract, shapes_issues
from simulator.auth import new_private_key_pem

pytestmark = pytest.mark.integration

OWNER, REPO = "octo-org", "hello"
Installed = tuple[GitHubSimulator, int]


@pytest.fixture
def installed(github_sim: GitHubSimulator) -> Installed:
    inst = github_sim.add_installation(OWNER)
    github_sim.create_repo(OWNER, REPO, installation_id=inst)
    github_sim.create_repo(OWNER, "other", installation_id=inst)
    return github_sim, inst


def client(sim: GitHubSimulator, inst: int, **narrow: Any) -> GitHub[Any]:
    return GitHub(
        AppInstallationAuthStrategy(sim.app_id, sim.private_key_pem, inst, **narrow),
        base_url=sim.url,
        auto_retry=False,
    )


@pytest.fixture
def gh(installed: Installed) -> Iterator[GitHub[Any]]:
    with client(*installed) as found:
        yield found


def failure(call: Any, *args: Any, **kwargs: Any) -> httpx.Response:
    with pytest.raises(RequestFailed) as info:
        call(*args, **kwargs)
    return info.value.response.raw_response


def assert_error(response: httpx.Response, status: int, message: str) -> None:
    assert response.status_code == status
    body = response.json()
    assert body["message"] == message
    assert body["status"] == str(status)
    assert body["documentation_url"].startswith("https://docs.github.com/")


def app_jwt(sim: GitHubSimulator, key: str | None = None, **claims: Any) -> str:
    now = int(time.time())
    payload = {"iat": now - 60, "exp": now + 540, "iss": str(sim.app_id), **claims}
    return jwt.encode(payload, key or sim.private_key_pem, algorithm="RS256")


def test_unknown_token_is_bad_credentials(installed: Installed) -> None:
    sim, _ = installed
    with GitHub(TokenAuthStrategy("ghs_" + "x" * 36), base_url=sim.url, auto_retry=False) as gh:
        assert_error(failure(gh.rest.repos.get, OWNER, REPO), 401, "Bad credentials")


def test_missing_repository_and_foreign_repository_are_not_found(
    installed: Installed, gh: GitHub[Any]
) -> None:
    sim, _ = installed
    assert_error(failure(gh.rest.repos.get, OWNER, "nope"), 404, "Not Found")
    elsewhere = sim.add_installation("other-org")
    sim.create_repo("other-org", "secret", installation_id=elsewhere, private=True)
    assert_error(failure(gh.rest.repos.get, "other-org", "secret"), 404, "Not Found")
    assert_error(failure(gh.rest.issues.get, OWNER, REPO, 99), 404, "Not Found")


def test_token_narrowed_to_another_repository_cannot_see_this_one(installed: Installed) -> None:
    sim, inst = installed
    with client(sim, inst, repositories=["other"]) as narrowed:
        assert narrowed.rest.repos.get(OWNER, "other").parsed_data.name == "other"
        assert_error(failure(narrowed.rest.repos.get, OWNER, REPO), 404, "Not Found")
    token = next(ex for ex in sim.requests if ex.path.endswith("/access_tokens"))
    assert token.request_json == {"repositories": ["other"]}
    assert token.response_json["repository_selection"] == "selected"


def test_token_cannot_exceed_the_installation(installed: Installed) -> None:
    sim, inst = installed
    with GitHub(
        AppAuthStrategy(sim.app_id, sim.private_key_pem), base_url=sim.url, auto_retry=False
    ) as app:
        create = app.rest.apps.create_installation_access_token
        response = failure(create, inst, repositories=["not-installed"])
        assert response.status_code == 422
        assert failure(create, inst, permissions={"administration": "write"}).status_code == 422
        assert_error(failure(app.rest.apps.get_installation, 424242), 404, "Not Found")


@pytest.mark.parametrize(
    ("claims", "foreign_key"),
    [
        ({}, True),  # signed with some other key
        ({"iss": "1"}, False),  # another app's id
        ({"iat": 0, "exp": 60}, False),  # expired long ago
        ({"exp": int(time.time()) + 3600}, False),  # lives longer than 10 minutes
    ],
)
def test_bad_jwt_is_rejected(
    installed: Installed, claims: dict[str, Any], foreign_key: bool
) -> None:
    sim, inst = installed
    other = new_private_key_pem() if foreign_key else None
    token = app_jwt(sim, other, **claims)
    for method, path in [("GET", "/app"), ("POST", f"/app/installations/{inst}/access_tokens")]:
        response = httpx.request(
            method, sim.url + path, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 401, (claims, path)
        assert response.json()["status"] == "401"


def test_app_routes_need_a_jwt_and_repo_routes_a_token(installed: Installed) -> None:
    sim, _ = installed
    assert_error(httpx.get(sim.url + "/app"), 401, "Requires authentication")
    response = httpx.get(
        sim.url + f"/repos/{OWNER}/{REPO}", headers={"Authorization": f"Bearer {app_jwt(sim)}"}
    )
    assert_error(response, 401, "Bad credentials")


def test_ref_conflicts_are_unprocessable(installed: Installed, gh: GitHub[Any]) -> None:
    sim, _ = installed
    git = gh.rest.git
    main = git.get_ref(OWNER, REPO, "heads/main").parsed_data.object_.sha
    assert_error(
        failure(git.create_ref, OWNER, REPO, ref="refs/heads/main", sha=main),
        422,
        "Reference already exists",
    )
    ahead = sim.push(OWNER, REPO, "main", {"a.txt": "a\n"})
    sideways = sim.push(OWNER, REPO, "side", {"b.txt": "b\n"})  # a new root-less branch
    assert_error(
        failure(git.update_ref, OWNER, REPO, "heads/main", sha=sideways),
        422,
        "Update is not a fast forward",
    )
    forced = git.update_ref(OWNER, REPO, "heads/main", sha=sideways, force=True).parsed_data
    assert forced.object_.sha == sideways != ahead
    assert_error(
        failure(git.delete_ref, OWNER, REPO, "heads/gone"), 422, "Reference does not exist"
    )
    assert_error(failure(git.get_ref, OWNER, REPO, "heads/gone"), 404, "Not Found")


def test_suspended_installation_gets_no_token(installed: Installed, gh: GitHub[Any]) -> None:
    sim, inst = installed
    assert gh.rest.repos.get(OWNER, REPO).status_code == 200
    sim.suspend_installation(inst)
    assert_error(
        failure(gh.rest.repos.get, OWNER, REPO), 403, "This installation has been suspended"
    )
    with GitHub(
        AppAuthStrategy(sim.app_id, sim.private_key_pem), base_url=sim.url, auto_retry=False
    ) as app:
        assert_error(
            failure(app.rest.apps.create_installation_access_token, inst),
            403,
            "This installation has been suspended",
        )


def test_revoked_and_expired_tokens_are_bad_credentials(
    installed: Installed, gh: GitHub[Any]
) -> None:
    sim, inst = installed
    assert gh.rest.repos.get(OWNER, REPO).status_code == 200
    assert sim.revoke_tokens(inst) == 1
    # githubkit keeps using its cached token, as it would against GitHub
    assert_error(failure(gh.rest.repos.get, OWNER, REPO), 401, "Bad credentials")
    with client(sim, inst, repositories=[REPO]) as fresh:
        assert fresh.rest.repos.get(OWNER, REPO).status_code == 200
        sim.advance_clock(timedelta(hours=1, minutes=1))
        assert_error(failure(fresh.rest.repos.get, OWNER, REPO), 401, "Bad credentials")


def test_missing_permission_is_forbidden(github_sim: GitHubSimulator) -> None:
    inst = github_sim.add_installation(OWNER, permissions={"metadata": "read", "issues": "read"})
    github_sim.create_repo(OWNER, REPO, installation_id=inst)
    number = github_sim.add_issue(OWNER, REPO, "Bug")
    with client(github_sim, inst) as gh:
        assert gh.rest.issues.get(OWNER, REPO, number).status_code == 200
        assert_error(
            failure(gh.rest.issues.create_comment, OWNER, REPO, number, body="x"),
            403,
            "Resource not accessible by integration",
        )
        assert_error(
            failure(gh.rest.repos.get_content, OWNER, REPO, "README.md"),
            403,
            "Resource not accessible by integration",
        )


def test_validation_errors_look_like_githubs(installed: Installed, gh: GitHub[Any]) -> None:
    sim, _ = installed
    sim.push(OWNER, REPO, "feature", {"f.txt": "f\n"})
    gh.rest.pulls.create(OWNER, REPO, head="feature", base="main", title="One")
    response = failure(gh.rest.pulls.create, OWNER, REPO, head="feature", base="main", title="Two")
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "resource": "PullRequest",
            "field": "head",
            "code": "custom",
            "message": f"A pull request already exists for {OWNER}:feature.",
        }
    ]
    # issues and pulls share numbers: #1 is the pull request, and takes issue comments
    assert gh.rest.issues.create_comment(OWNER, REPO, 1, body="LGTM").status_code == 201
    assert_error(failure(gh.rest.issues.create_comment, OWNER, REPO, 2, body="x"), 404, "Not Found")
    assert_error(failure(gh.rest.pulls.get, OWNER, REPO, 2), 404, "Not Found")


def test_malformed_requests_are_answered_and_flagged(
    tmp_path: Path,
    openapi_contract: OpenAPIContract,
) -> None:
    with GitHubSimulator(tmp_path) as sim:
        inst = sim.add_installation(OWNER)
        sim.create_repo(OWNER, REPO, installation_id=inst)
        with client(sim, inst) as gh:
            token = gh.rest.repos.get(OWNER, REPO).raw_request.headers["Authorization"]
        headers = {"Authorization": token}
        url = f"{sim.url}/repos/{OWNER}/{REPO}/git/refs"
        missing = httpx.post(url, json={"ref": "refs/heads/x"}, headers=headers)
        assert_error(missing, 422, 'Invalid request.\n\n"sha" wasn\'t supplied.')
        assert_error(
            httpx.post(url, content=b"{nope", headers=headers), 400, "Problems parsing JSON"
        )
        assert_error(httpx.get(sim.url + "/no/such/route", headers=headers), 404, "Not Found")
        problems = sim.contract_violations(openapi_contract)
    # GitHub's description rejects both requests; unknown routes are not API exchanges
    assert len(problems) == 2
    assert "git/create-ref request body: at (root): 'sha' is a required property" in problems[0]
    assert "git/create-ref request: required body missing" in problems[1]


def test_injected_fault_answers_then_clears(installed: Installed, gh: GitHub[Any]) -> None:
    sim, _ = installed
    number = sim.add_issue(OWNER, REPO, "Bug")
    sim.inject_fault("GET", r"^/repos/.+/issues/\d+$", 502, headers={"Retry-After": "1"})
    response = failure(gh.rest.issues.get, OWNER, REPO, number)
    assert (response.status_code, response.headers["retry-after"]) == (502, "1")
    assert gh.rest.issues.get(OWNER, REPO, number).parsed_data.number == number
    injected = [ex.injected for ex in sim.requests if ex.path.endswith(f"/issues/{number}")]
    assert injected == [True, False]


def test_githubkit_retries_through_one_server_error(installed: Installed) -> None:
    sim, inst = installed
    sim.inject_fault("GET", rf"^/repos/{OWNER}/{REPO}$", 503)
    retrying = GitHub(
        AppInstallationAuthStrategy(sim.app_id, sim.private_key_pem, inst), base_url=sim.url
    )
    with retrying:
        assert retrying.rest.repos.get(OWNER, REPO).parsed_data.name == REPO
    assert [ex.status for ex in sim.requests if ex.path == f"/repos/{OWNER}/{REPO}"] == [503, 200]


def test_injected_rate_limit_reads_as_one(installed: Installed, gh: GitHub[Any]) -> None:
    sim, _ = installed
    reset = str(int(time.time()) + 60)
    sim.inject_fault(
        "GET",
        ".*",
        403,
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset},
        body={
            "message": "API rate limit exceeded for installation.",
            "documentation_url": "https://docs.github.com/rest/rate-limit",
        },
    )
    with pytest.raises(PrimaryRateLimitExceeded):
        gh.rest.repos.get(OWNER, REPO)


def test_pagination_follows_link_headers(installed: Installed, gh: GitHub[Any]) -> None:
    sim, _ = installed
    number = sim.add_issue(OWNER, REPO, "Chatty")
    for i in range(5):
        sim.add_comment(OWNER, REPO, number, f"comment {i}", user="alice")
    bodies = [
        c.body
        for c in gh.rest.paginate(
            gh.rest.issues.list_comments, owner=OWNER, repo=REPO, issue_number=number, per_page=2
        )
    ]
    assert bodies == [f"comment {i}" for i in range(5)]
    pages = [ex for ex in sim.requests if ex.path.endswith(f"/issues/{number}/comments")]
    assert [ex.query.get("page", ["1"]) for ex in pages] == [["1"], ["2"], ["3"]]
    link = pages[0].response_headers["link"]
    assert "page=2" in link
    assert 'rel="next"' in link
    assert "page=3" in link
    assert 'rel="last"' in link


def test_every_answer_carries_rate_limit_and_request_id(
    installed: Installed, gh: GitHub[Any]
) -> None:
    sim, _ = installed
    gh.rest.repos.get(OWNER, REPO)
    gh.rest.repos.get(OWNER, REPO)  # revalidated: 304, served from githubkit's cache
    failure(gh.rest.repos.get, OWNER, "nope")
    exchanges = sim.requests
    assert [ex.status for ex in exchanges][-3:] == [200, 304, 404]
    for ex in exchanges:
        headers = ex.response_headers
        assert {
            "x-ratelimit-limit",
            "x-ratelimit-remaining",
            "x-ratelimit-reset",
            "x-ratelimit-resource",
            "x-ratelimit-used",
            "x-github-request-id",
        } <= set(headers)
        assert int(headers["x-ratelimit-reset"]) > datetime.now(UTC).timestamp()
        assert ex.request_headers.get("authorization") in (None, "<redacted>")
    remaining = [int(ex.response_headers["x-ratelimit-remaining"]) for ex in exchanges[-3:]]
    assert remaining == sorted(remaining, reverse=True)
    assert len(set(remaining)) == 3
    assert len({ex.request_id for ex in exchanges}) == len(exchanges)


def test_contract_check_catches_a_broken_shape(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    openapi_contract: OpenAPIContract,
) -> None:
    real = shapes_issues.comment

    def without_user(*args: Any) -> dict[str, Any]:
        return {k: v for k, v in real(*args).items() if k != "user"}

    monkeypatch.setattr(shapes_issues, "comment", without_user)
    with GitHubSimulator(tmp_path) as sim:
        inst = sim.add_installation(OWNER)
        sim.create_repo(OWNER, REPO, installation_id=inst)
        number = sim.add_issue(OWNER, REPO, "Bug")
        with client(sim, inst) as gh:
            response = gh.rest.issues.create_comment(OWNER, REPO, number, body="hi")
            assert response.status_code == 201  # githubkit parses lazily: not yet noticed
        problems = sim.contract_violations(openapi_contract)
    assert len(problems) == 1
    assert "issues/create-comment 201 response" in problems[0]
    assert "'user' is a required property" in problems[0]


def test_client_id_is_an_accepted_jwt_issuer(installed: Installed) -> None:
    sim, _ = installed
    token = app_jwt(sim, iss=sim.world.app.client_id)
    response = httpx.get(sim.url + "/app", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json()["client_id"] == sim.world.app.client_id


def test_raw_download_of_a_private_repo_needs_a_token(
    github_sim: GitHubSimulator,
) -> None:
    inst = github_sim.add_installation(OWNER)
    github_sim.create_repo(OWNER, "secret", installation_id=inst, private=True)
    with client(github_sim, inst) as gh:
        readme = gh.rest.repos.get_content(OWNER, "secret", "README.md").parsed_data
        token = gh.rest.repos.get(OWNER, "secret").raw_request.headers["Authorization"]
    assert not isinstance(readme, list)
    assert readme.download_url is not None
    assert httpx.get(readme.download_url).status_code == 401
    allowed = httpx.get(readme.download_url, headers={"Authorization": token})
    assert allowed.text == "# secret\n"
