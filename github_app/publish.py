"""Commit a change through the Git Data API and open (or update) its pull request.

blobs → tree on the base tree → commit with the base as parent → branch → pull request.
Every step is safe to repeat: a rerun of the same task moves the same branch and edits the
same pull request instead of opening another. The REST calls are RepoClient's.
https://docs.github.com/en/rest/guides/using-the-rest-api-to-interact-with-your-git-database
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from github_app.client import RepoClient, RequestFailed, TreeEntry


@dataclass(frozen=True)
class FileChange:
    """New content of a file (None deletes it)."""

    path: str
    content: str | None
    executable: bool = False


@dataclass(frozen=True)
class PullRequestRef:
    number: int
    url: str
    created: bool


def branch_sha(client: RepoClient, branch: str) -> str | None:
    """The commit a branch points at, or None when the branch does not exist."""
    return client.branch_head(branch)


def default_branch(client: RepoClient) -> str:
    return client.default_branch()


def commit(client: RepoClient, base_sha: str, changes: Sequence[FileChange], message: str) -> str:
    """Create a commit of `changes` on top of `base_sha`; return its sha (no ref moves)."""
    base_tree = client.commit_tree(base_sha)
    entries = [
        TreeEntry(
            change.path,
            client.create_blob(change.content) if change.content is not None else None,
            change.executable,
        )
        for change in changes
    ]
    tree = client.create_tree(base_tree, entries)
    return client.create_commit(message, tree, [base_sha])


def point_branch(client: RepoClient, branch: str, sha: str) -> None:
    """Create `branch` at `sha`, or force it there: the branch is ours alone."""
    if client.branch_head(branch) is None:
        client.create_branch(branch, sha)
    else:
        client.force_branch(branch, sha)


def open_pull_number(client: RepoClient, head: str, base: str) -> int | None:
    """The open pull request from this repository's branch `head` into `base`, if any."""
    found = client.open_pull_numbers(head, base)
    return found[0] if found else None


def open_pull_request(
    client: RepoClient, *, head: str, base: str, title: str, body: str, draft: bool
) -> PullRequestRef:
    """Open the pull request for `head`, or update the open one a previous run made."""
    existing = open_pull_number(client, head, base)
    if existing is not None:
        pr = client.update_pull(existing, title=title, body=body)
        return PullRequestRef(pr.number, pr.url, created=False)
    pr = client.create_pull(head=head, base=base, title=title, body=body, draft=draft)
    return PullRequestRef(pr.number, pr.url, created=True)


def request_review(client: RepoClient, number: int, login: str) -> None:
    """Ask `login` to review; GitHub refuses the PR's own author, which is fine to skip."""
    try:
        client.request_reviewers(number, [login])
    except RequestFailed as exc:
        if exc.response.status_code != 422:
            raise


def download_tarball(client: RepoClient, ref: str) -> bytes:
    """The gzip tarball of `ref` (GitHub redirects to codeload; the client follows)."""
    return client.tarball(ref)
