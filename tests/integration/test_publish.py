"""Commit, branch and pull request through the Git Data API, against the simulator's git."""

from __future__ import annotations

import io
import tarfile
from typing import Any

import pytest
from redis import Redis

from core.settings import Settings
from github_app.client import repo_client
from github_app.publish import (
    FileChange,
    branch_sha,
    commit,
    default_branch,
    download_tarball,
    open_pull_request,
    point_branch,
    request_review,
)
from simulator import GitHubSimulator
from tests.support.simulated import OWNER, REPO, git


@pytest.fixture
def client(settings: Settings, redis: Redis, installed: dict[str, Any]) -> Any:
    return repo_client(settings, redis, installed["installation"], f"{OWNER}/{REPO}")


def test_commit_branch_and_pull_request_are_idempotent(sim: GitHubSimulator, client: Any) -> None:
    base = default_branch(client)
    base_sha = branch_sha(client, base)
    assert base_sha is not None
    assert branch_sha(client, "morningai/issue-1") is None
    changes = [
        FileChange("app.py", "print('hello, politely')\n"),
        FileChange("docs/notes.md", "# Notes\n"),
        FileChange("README.md", None),
    ]
    sha = commit(client, base_sha, changes, "Greet politely\n\nFixes #1")
    point_branch(client, "morningai/issue-1", sha)
    assert git(sim, "show", "morningai/issue-1:app.py") == "print('hello, politely')\n"
    assert git(sim, "show", "morningai/issue-1:docs/notes.md") == "# Notes\n"
    assert "README.md" not in git(sim, "ls-tree", "-r", "--name-only", "morningai/issue-1")
    assert git(sim, "rev-parse", "morningai/issue-1^").strip() == base_sha

    first = open_pull_request(
        client, head="morningai/issue-1", base=base, title="Greet", body="Fixes #1", draft=False
    )
    assert first.created
    request_review(client, first.number, "alice")

    # a rerun: new commit on the same base, the branch moves, the same PR is edited
    again = commit(client, base_sha, [FileChange("app.py", "print('hi there')\n")], "Again")
    point_branch(client, "morningai/issue-1", again)
    second = open_pull_request(
        client,
        head="morningai/issue-1",
        base=base,
        title="Greet v2",
        body="Fixes #1 (again)",
        draft=False,
    )
    assert (second.number, second.created) == (first.number, False)
    pulls = sim.pulls(OWNER, REPO)
    assert len(pulls) == 1
    assert pulls[0]["title"] == "Greet v2"
    assert pulls[0]["head"]["sha"] == again
    assert [r["login"] for r in pulls[0]["requested_reviewers"]] == ["alice"]


def test_tarball_of_a_commit(client: Any) -> None:
    sha = branch_sha(client, "main")
    assert sha is not None
    data = download_tarball(client, sha)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        names = sorted(m.name.split("/", 1)[1] for m in tar.getmembers() if "/" in m.name)
    assert "README.md" in names
    assert "app.py" in names
