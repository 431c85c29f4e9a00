"""The simulator pages the listings the product reads as GitHub does (`per_page` at most 100,
the other pages named by the `Link` header), records when each request arrived, and runs an
action when a request arrives (to revoke tokens mid-task)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from githubkit import AppInstallationAuthStrategy, GitHub
from githubkit.exception import RequestFailed

from simulator import GitHubSimulator

pytestmark = pytest.mark.integration

OWNER, REPO = "octo-org", "hello"


@pytest.fixture
def inst(github_sim: GitHubSimulator) -> int:
    found = github_sim.add_installation(OWNER)
    github_sim.create_repo(OWNER, REPO, installation_id=found)
    return found


@pytest.fixture
def gh(github_sim: GitHubSimulator, inst: int) -> Iterator[GitHub[Any]]:
    strategy = AppInstallationAuthStrategy(github_sim.app_id, github_sim.private_key_pem, inst)
    with GitHub(strategy, base_url=github_sim.url, auto_retry=False) as found:
        yield found


def test_a_page_holds_at_most_one_hundred_and_links_the_rest(
    github_sim: GitHubSimulator, gh: GitHub[Any]
) -> None:
    number = github_sim.add_issue(OWNER, REPO, "Chatty", "")
    for n in range(150):
        github_sim.add_comment(OWNER, REPO, number, f"comment {n}")

    first = gh.rest.issues.list_comments(OWNER, REPO, number, per_page=500)
    assert [c.body for c in first.parsed_data] == [f"comment {n}" for n in range(100)]
    link = first.headers["link"]
    assert 'page=2>; rel="next"' in link
    assert 'page=2>; rel="last"' in link
    assert "per_page=500" in link  # the other parameters are kept

    second = gh.rest.issues.list_comments(OWNER, REPO, number, per_page=500, page=2)
    assert [c.body for c in second.parsed_data] == [f"comment {n}" for n in range(100, 150)]
    assert 'rel="next"' not in second.headers["link"]
    assert 'page=1>; rel="prev"' in second.headers["link"]


def test_the_closed_issue_listing_pages_past_one_hundred(
    github_sim: GitHubSimulator, gh: GitHub[Any]
) -> None:
    for n in range(120):
        github_sim.close_issue(
            OWNER, REPO, github_sim.add_issue(OWNER, REPO, f"Idea {n}", ""), "completed"
        )
    found = list(
        gh.rest.paginate(
            gh.rest.issues.list_for_repo,
            owner=OWNER,
            repo=REPO,
            state="closed",
            sort="updated",
            direction="asc",
            per_page=100,
        )
    )
    assert sorted(i.title for i in found) == sorted(f"Idea {n}" for n in range(120))
    served = [ex for ex in github_sim.requests if ex.path == f"/repos/{OWNER}/{REPO}/issues"]
    assert [len(ex.response_json) for ex in served] == [100, 20]
    assert served[1].query["state"] == ["closed"]


def test_each_request_is_stamped_with_when_it_arrived(
    github_sim: GitHubSimulator, gh: GitHub[Any]
) -> None:
    before = time.monotonic()
    gh.rest.repos.get(OWNER, REPO)
    time.sleep(0.2)
    gh.rest.repos.get(OWNER, REPO)
    after = time.monotonic()
    times = [ex.arrived_at for ex in github_sim.requests]
    assert times == sorted(times)
    assert before <= times[0]
    assert times[-1] <= after
    assert times[-1] - times[-2] >= 0.2


def test_an_action_runs_when_a_matching_request_arrives_before_it_is_authenticated(
    github_sim: GitHubSimulator, gh: GitHub[Any], inst: int
) -> None:
    gh.rest.repos.get(OWNER, REPO)  # a token is minted and cached
    revoked: list[int] = []
    github_sim.on_request(
        "GET", rf"^/repos/{OWNER}/{REPO}$", lambda: revoked.append(github_sim.revoke_tokens(inst))
    )
    with pytest.raises(RequestFailed) as refused:
        gh.rest.repos.get(OWNER, REPO)
    assert refused.value.response.status_code == 401
    assert refused.value.response.raw_response.json()["message"] == "Bad credentials"
    assert revoked == [1]
    with pytest.raises(RequestFailed):  # the token stays revoked; the action ran once
        gh.rest.repos.get(OWNER, REPO)
    assert revoked == [1]
