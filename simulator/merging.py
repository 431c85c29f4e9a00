"""Merging a pull request into its base branch, in the bare repository, as GitHub does.

`merge` makes a merge commit (two parents, even when a fast-forward was possible, like
GitHub's merge button), `squash` one commit on top of the base, `rebase` a fast-forward when
the head already sits on the base (replaying diverged commits is not modelled).
See https://docs.github.com/en/rest/pulls/pulls#merge-a-pull-request
"""

from __future__ import annotations

from dataclasses import dataclass

from simulator.gitparse import Ident
from simulator.pulls import Refused, head_repo, refresh
from simulator.state import Account, Issue, Pull, Repo, World

METHODS = ("merge", "squash", "rebase")
NOT_MERGEABLE = "Pull Request is not mergeable"


@dataclass(frozen=True)
class MergeRequest:
    """What the caller asks for (PUT /pulls/{n}/merge body); None means GitHub's default."""

    method: str = "merge"
    title: str | None = None
    message: str | None = None
    expected_head: str | None = None  # `sha`: refuse (409) if the head moved


def merge(world: World, repo: Repo, issue: Issue, by: Account, ask: MergeRequest) -> str:
    """Merge `issue`'s pull as `by`; returns the new base commit. Raises Refused (405/409/422)."""
    if ask.method not in METHODS:
        raise Refused(422, f"merge_method must be one of {', '.join(METHODS)}", "merge_method")
    pull = refresh(repo, issue)
    if pull.merged_at is not None or issue.state != "open" or pull.draft:
        raise Refused(405, NOT_MERGEABLE)
    if ask.expected_head is not None and ask.expected_head != pull.head_sha:
        raise Refused(409, "Head branch was modified. Review and try the merge again.")
    base = repo.git.resolve(f"refs/heads/{pull.base_ref}")
    if base is None:
        raise Refused(422, f"base branch {pull.base_ref} does not exist", "base")
    sha = _new_base(world, repo, issue, pull, base=base, by=by, ask=ask)
    repo.git.set_ref(f"refs/heads/{pull.base_ref}", sha, base)
    now = world.now()
    pull.base_sha = base
    pull.merged_at, pull.merged_by, pull.merge_commit_sha = now, by, sha
    issue.state, issue.closed_at, issue.closed_by, issue.updated_at = "closed", now, by, now
    return sha


def _new_base(
    world: World, repo: Repo, issue: Issue, pull: Pull, *, base: str, by: Account, ask: MergeRequest
) -> str:
    """The commit the base branch moves to."""
    if ask.method == "rebase":
        if not repo.git.is_ancestor(base, pull.head_sha):
            raise Refused(405, "This branch can't be rebased")
        return pull.head_sha
    tree = repo.git.merge_tree(base, pull.head_sha)
    if tree is None:
        raise Refused(405, NOT_MERGEABLE)
    parents = [base] if ask.method == "squash" else [base, pull.head_sha]
    author = Ident(by.login, f"{by.id}+{by.login}@users.noreply.github.com", world.now())
    committer = Ident("GitHub", "noreply@github.com", world.now())
    message = _message(repo, issue, pull, base, ask)
    return repo.git.commit_tree(tree, parents, message, author, committer)


def _message(repo: Repo, issue: Issue, pull: Pull, base: str, ask: MergeRequest) -> str:
    """GitHub's default commit message for the method, unless the caller gave one."""
    if ask.method == "squash":
        title = ask.title or f"{issue.title} (#{issue.number})"
        subjects = repo.git.subjects(base, pull.head_sha)
        details = ask.message or "\n\n".join(f"* {s}" for s in subjects)
    else:
        source = head_repo(repo, pull)
        title = ask.title or (
            f"Merge pull request #{issue.number} from {source.owner.login}/{pull.head_ref}"
        )
        details = ask.message or issue.title
    return f"{title}\n\n{details}\n" if details else f"{title}\n"
