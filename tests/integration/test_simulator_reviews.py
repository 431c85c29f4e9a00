"""The simulator's review routes, driven through githubkit and checked against GitHub's OpenAPI
description, and the review deliveries it builds, shaped like GitHub's own examples."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from githubkit import AppInstallationAuthStrategy, GitHub

from simulator import GitHubSimulator
from tests.fakes.npm_fixtures import webhook_example
from tests.support.reviews import exercise_reviews

pytestmark = pytest.mark.integration
OWNER, REPO = "octo-org", "hello"


@pytest.fixture
def pull(github_sim: GitHubSimulator) -> Iterator[tuple[GitHub[Any], int]]:
    sim = github_sim
    installation = sim.add_installation(OWNER)
    sim.create_repo(OWNER, REPO, installation_id=installation, files={"app.py": "a = 1\n"})
    sim.push(OWNER, REPO, "morningai/issue-1", {"app.py": "a = 2\nb = 3\n"})
    gh = GitHub(
        AppInstallationAuthStrategy(sim.app_id, sim.private_key_pem, installation),
        base_url=sim.url,
        auto_retry=False,
    )
    with gh:
        made = gh.rest.pulls.create(
            OWNER, REPO, head="morningai/issue-1", base="main", title="T", body=""
        ).parsed_data
        yield gh, made.number


def test_review_routes_match_githubs_description(
    github_sim: GitHubSimulator, pull: tuple[GitHub[Any], int]
) -> None:
    gh, number = pull
    exercise_reviews(gh, OWNER, REPO, number, "app.py")
    assert [c["body"] for c in github_sim.review_comments(OWNER, REPO, number)] == [
        "One",
        "Two",
        "Done",
    ]


def test_a_review_is_delivered_as_github_delivers_it(
    github_sim: GitHubSimulator, pull: tuple[GitHub[Any], int]
) -> None:
    _, number = pull
    sent = github_sim.review(
        OWNER,
        REPO,
        number,
        by="alice",
        event="REQUEST_CHANGES",
        body="Please",
        comments=[("app.py", 2, "Why 3?")],
    )
    assert [(event, p["action"]) for event, p in sent] == [
        ("pull_request_review_comment", "created"),
        ("pull_request_review", "submitted"),
    ]
    (_, comment), (_, review) = sent
    for (event, action), payload in (
        (("pull_request_review_comment", "created"), comment),
        (("pull_request_review", "submitted"), review),
    ):
        example = webhook_example(event, action)
        assert set(example) - {"installation"} <= set(payload)
        part = "comment" if "comment" in example else "review"
        assert set(example[part]) <= set(payload[part])
        assert set(example["pull_request"]) <= set(payload["pull_request"])
    assert review["review"]["state"] == "changes_requested"
    assert comment["comment"]["pull_request_review_id"] == review["review"]["id"]
    assert comment["comment"]["diff_hunk"] == "@@ -1 +1,2 @@\n-a = 1\n+a = 2\n+b = 3"
    assert comment["comment"]["line"] == 2
    assert review["pull_request"]["head"]["ref"] == "morningai/issue-1"
    assert review["sender"]["login"] == "alice"
