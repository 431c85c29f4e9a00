"""The GitHub client's own behaviour against the simulator: listings paged past GitHub's 100 a
page through the one pagination helper, the fast-forward-only ref update (and the FAQ push that
relies on it), and the App-level installation look-up."""

from __future__ import annotations

from typing import Any

import pytest
from redis import Redis

from core.settings import Settings
from github_app.client import RepoClient, RequestFailed, app_client, repo_client
from github_app.publish import FileChange, commit
from jobs.faq.docs import Document, push_to_pull
from simulator import GitHubSimulator
from tests.support.simulated import OWNER, REPO

PROTECTED = {"message": "Protected branch update failed for refs/heads/feature."}
NOT_FAST_FORWARD = {"message": "Update is not a fast forward"}


@pytest.fixture
def client(settings: Settings, redis: Redis, installed: dict[str, Any]) -> RepoClient:
    return repo_client(settings, redis, installed["installation"], f"{OWNER}/{REPO}")


def listing_pages(sim: GitHubSimulator, path: str) -> list[dict[str, list[str]]]:
    """The query of every GET of `path` the client made, in order."""
    return [ex.query for ex in sim.requests if ex.method == "GET" and ex.path == path]


def test_closed_issues_follow_the_link_header_past_one_hundred(
    sim: GitHubSimulator, client: RepoClient, installed: dict[str, Any]
) -> None:
    numbers = [sim.add_issue(OWNER, REPO, f"Question {n}", "why?") for n in range(130)]
    for number in numbers:
        sim.close_issue(OWNER, REPO, number, "completed")
    sim.close_issue(OWNER, REPO, installed["number"], "not_planned")

    found = list(client.closed_issues(None))

    assert sorted(i.number for i in found) == sorted([*numbers, installed["number"]])
    assert [i.updated_at for i in found] == sorted(i.updated_at for i in found)
    [rude] = [i for i in found if i.number == installed["number"]]
    assert (rude.state_reason, rude.is_pull_request, rude.merged) == ("not_planned", False, False)
    pages = listing_pages(sim, f"/repos/{OWNER}/{REPO}/issues")
    assert len(pages) == 2
    assert pages[0]["per_page"] == ["100"]
    assert "page" not in pages[0]
    assert pages[1]["page"] == ["2"]  # the URL GitHub's `Link: rel="next"` named
    assert pages[1]["state"] == ["closed"]
    assert pages[1]["direction"] == ["asc"]


def test_a_listing_stops_paging_when_its_reader_stops(
    sim: GitHubSimulator, client: RepoClient, installed: dict[str, Any]
) -> None:
    for n in range(105):
        sim.add_comment(OWNER, REPO, installed["number"], f"comment {n}")

    first = next(iter(client.comments(installed["number"])))
    assert first.body == "comment 0"
    path = f"/repos/{OWNER}/{REPO}/issues/{installed['number']}/comments"
    assert len(listing_pages(sim, path)) == 1
    assert [c.body for c in client.comments(installed["number"])][-1] == "comment 104"
    assert len(listing_pages(sim, path)) == 3


def test_fast_forward_moves_a_branch_and_refuses_one_that_moved_meanwhile(
    sim: GitHubSimulator, client: RepoClient
) -> None:
    head = sim.push(OWNER, REPO, "feature", {"notes.md": "one\n"}, start="main")
    ours = commit(client, head, [FileChange("faq.md", "# FAQ\n")], "FAQ")
    assert client.fast_forward("feature", ours) is True
    assert client.branch_head("feature") == ours

    theirs = sim.push(OWNER, REPO, "feature", {"notes.md": "two\n"})
    stale = commit(client, ours, [FileChange("faq.md", "# FAQ v2\n")], "FAQ v2")
    assert client.fast_forward("feature", stale) is False
    assert client.branch_head("feature") == theirs  # their push kept, nothing forced


def test_fast_forward_raises_other_refusals(sim: GitHubSimulator, client: RepoClient) -> None:
    head = sim.push(OWNER, REPO, "feature", {"notes.md": "one\n"}, start="main")
    ours = commit(client, head, [FileChange("faq.md", "# FAQ\n")], "FAQ")
    sim.inject_fault("PATCH", r"/git/refs/heads/feature$", 422, body=PROTECTED)
    with pytest.raises(RequestFailed) as refused:
        client.fast_forward("feature", ours)
    assert refused.value.response.status_code == 422
    assert client.branch_head("feature") == head


def _faq_push(client: RepoClient, sim: GitHubSimulator) -> tuple[str, str | None]:
    head = sim.push(OWNER, REPO, "feature", {"notes.md": "one\n"}, start="main")
    number = sim.open_pull(OWNER, REPO, head_ref="feature", title="Notes")
    doc = Document("notes", "Notes", "About the notes.", "# Notes FAQ\n")
    return head, push_to_pull(client, client.pull(number), [doc], "docs(faq): notes")


def test_faq_push_commits_again_when_the_branch_was_not_a_fast_forward(
    sim: GitHubSimulator, client: RepoClient
) -> None:
    sim.inject_fault("PATCH", r"/git/refs/heads/feature$", 422, body=NOT_FAST_FORWARD)
    head, sha = _faq_push(client, sim)
    assert sha is not None
    assert client.branch_head("feature") == sha
    assert client.file_text("docs/faq/notes.md", sha) == "# Notes FAQ\n"
    patches = [ex for ex in sim.requests if ex.method == "PATCH" and "/git/refs/" in ex.path]
    assert [(ex.status, ex.request_json["force"]) for ex in patches] == [
        (422, False),
        (200, False),
    ]
    assert head != sha


def test_faq_push_lets_a_protected_branch_refusal_through(
    sim: GitHubSimulator, client: RepoClient
) -> None:
    sim.inject_fault("PATCH", r"/git/refs/heads/feature$", 422, body=PROTECTED)
    with pytest.raises(RequestFailed):  # the FAQ task posts the document as a comment instead
        _faq_push(client, sim)
    patches = [ex for ex in sim.requests if ex.method == "PATCH" and "/git/refs/" in ex.path]
    assert len(patches) == 1


def test_app_client_finds_a_repository_installation(
    settings: Settings, redis: Redis, installed: dict[str, Any]
) -> None:
    with app_client(settings, redis) as app:
        assert app.installation_id(OWNER, REPO) == installed["installation"]
        assert app.installation_id(OWNER, "elsewhere") is None


def test_a_pull_requests_files_follow_the_link_header_past_one_hundred(
    sim: GitHubSimulator, client: RepoClient
) -> None:
    """The FAQ of a big pull request reads every changed file, not the first page's 100."""
    files = {f"docs/page_{n:03}.md": f"# Page {n}\n" for n in range(130)}
    sim.push(OWNER, REPO, "big", files, start="main")
    number = sim.open_pull(OWNER, REPO, head_ref="big", title="Many pages")

    found = list(client.pull_files(number))

    assert sorted(f.path for f in found) == sorted(files)
    assert all(f.patch.startswith("@@") for f in found)
    pages = listing_pages(sim, f"/repos/{OWNER}/{REPO}/pulls/{number}/files")
    assert len(pages) == 2
    assert pages[1]["page"] == ["2"]
