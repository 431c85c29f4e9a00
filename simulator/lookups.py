"""Finding what a URL names in a repository, or answering 404 the way GitHub does."""

from __future__ import annotations

from simulator.api import ApiError, not_found
from simulator.state import Comment, Issue, Repo


def issue_of(repo: Repo, number: int) -> Issue:
    issue = repo.issues.get(number)
    if issue is None:
        raise not_found()
    return issue


def comment_of(repo: Repo, comment_id: int) -> Comment:
    comment = repo.comments.get(comment_id)
    if comment is None:
        raise not_found()
    return comment


def commit_for(repo: Repo, ref: str | None) -> str:
    """The commit `ref` names (default branch when empty); 404 as GitHub when there is none."""
    ref = ref or repo.default_branch
    sha = repo.git.resolve_commit(ref)
    if sha is None:
        raise ApiError(404, f"No commit found for the ref {ref}")
    return sha
