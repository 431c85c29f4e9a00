"""Commit a change through the Git Data API and open (or update) its pull request.

blobs → tree on the base tree → commit with the base as parent → branch → pull request.
Every step is safe to repeat: a rerun of the same task moves the same branch and edits the
same pull request instead of opening another.
https://docs.github.com/en/rest/guides/using-the-rest-api-to-interact-with-your-git-database
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from githubkit.exception import RequestFailed
from githubkit_schemas.latest.types import ReposOwnerRepoGitTreesPostBodyPropTreeItemsType

from github_app.client import RepoClient


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
    try:
        ref = client.gh.rest.git.get_ref(client.owner, client.repo, f"heads/{branch}").parsed_data
    except RequestFailed as exc:
        if exc.response.status_code == 404:
            return None
        raise
    return ref.object_.sha


def default_branch(client: RepoClient) -> str:
    return client.gh.rest.repos.get(client.owner, client.repo).parsed_data.default_branch


def commit(client: RepoClient, base_sha: str, changes: Sequence[FileChange], message: str) -> str:
    """Create a commit of `changes` on top of `base_sha`; return its sha (no ref moves)."""
    git = client.gh.rest.git
    base_tree = git.get_commit(client.owner, client.repo, base_sha).parsed_data.tree.sha
    entries: list[ReposOwnerRepoGitTreesPostBodyPropTreeItemsType] = []
    for change in changes:
        sha = None
        if change.content is not None:
            sha = git.create_blob(
                client.owner, client.repo, content=change.content, encoding="utf-8"
            ).parsed_data.sha
        mode: Literal["100755", "100644"] = "100755" if change.executable else "100644"
        entries.append({"path": change.path, "mode": mode, "type": "blob", "sha": sha})
    tree = git.create_tree(
        client.owner, client.repo, tree=entries, base_tree=base_tree
    ).parsed_data.sha
    made = git.create_commit(
        client.owner, client.repo, message=message, tree=tree, parents=[base_sha]
    )
    return made.parsed_data.sha


def point_branch(client: RepoClient, branch: str, sha: str) -> None:
    """Create `branch` at `sha`, or force it there: the branch is ours alone."""
    git = client.gh.rest.git
    if branch_sha(client, branch) is None:
        git.create_ref(client.owner, client.repo, ref=f"refs/heads/{branch}", sha=sha)
    else:
        git.update_ref(client.owner, client.repo, f"heads/{branch}", sha=sha, force=True)


def open_pull_number(client: RepoClient, head: str, base: str) -> int | None:
    """The open pull request from this repository's branch `head` into `base`, if any."""
    found = client.gh.rest.pulls.list(
        client.owner, client.repo, state="open", head=f"{client.owner}:{head}", base=base
    ).parsed_data
    return found[0].number if found else None


def open_pull_request(
    client: RepoClient, *, head: str, base: str, title: str, body: str, draft: bool
) -> PullRequestRef:
    """Open the pull request for `head`, or update the open one a previous run made."""
    pulls = client.gh.rest.pulls
    existing = open_pull_number(client, head, base)
    if existing is not None:
        pr = pulls.update(client.owner, client.repo, existing, title=title, body=body).parsed_data
        return PullRequestRef(pr.number, pr.html_url, created=False)
    pr = pulls.create(
        client.owner, client.repo, head=head, base=base, title=title, body=body, draft=draft
    ).parsed_data
    return PullRequestRef(pr.number, pr.html_url, created=True)


def request_review(client: RepoClient, number: int, login: str) -> None:
    """Ask `login` to review; GitHub refuses the PR's own author, which is fine to skip."""
    try:
        client.gh.rest.pulls.request_reviewers(client.owner, client.repo, number, reviewers=[login])
    except RequestFailed as exc:
        if exc.response.status_code != 422:
            raise


def download_tarball(client: RepoClient, ref: str) -> bytes:
    """The gzip tarball of `ref` (GitHub redirects to codeload; the client follows)."""
    response = client.gh.rest.repos.download_tarball_archive(client.owner, client.repo, ref)
    return response.content
