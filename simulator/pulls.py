"""Pull request mechanics shared by the REST routes and seeding: opening, following heads.

As on GitHub, every pull pins its head commit in the base repository under
`refs/pull/<number>/head` (fetched from the fork for a cross-repository pull), so the base
repository can serve the head's tree, tarball and diff even though the branch lives elsewhere.
"""

from __future__ import annotations

from simulator.state import Account, Issue, Pull, Repo, World


class Refused(ValueError):
    """A change GitHub refuses: its status and message (a 422 also names the field)."""

    def __init__(
        self, status: int, message: str, field: str | None = None, code: str = "invalid"
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.code = code


def head_repo(repo: Repo, pull: Pull) -> Repo:
    """The repository the head branch lives in: a fork, or the pull's own repository."""
    return pull.head_repo or repo


def head_label(repo: Repo, pull: Pull) -> str:
    return f"{head_repo(repo, pull).owner.login}:{pull.head_ref}"


def network_root(repo: Repo) -> Repo:
    """The repository at the top of a fork chain (GitHub's `source`)."""
    while repo.parent is not None:
        repo = repo.parent
    return repo


def _pin_head(repo: Repo, number: int, source: Repo, branch: str) -> str | None:
    """Point `refs/pull/<number>/head` of `repo` at `branch` of `source`; its sha."""
    ref = f"refs/pull/{number}/head"
    if source is repo:
        sha = repo.git.resolve(f"refs/heads/{branch}")
        if sha is not None:
            repo.git.set_ref(ref, sha)
    elif source.git.resolve(f"refs/heads/{branch}") is not None:
        repo.git.fetch(source.git.path, f"+refs/heads/{branch}:{ref}")
    return repo.git.resolve(ref)


def _propose(repo: Repo, source: Repo, head_ref: str, base_ref: str) -> tuple[str, str]:
    """(head sha, base sha) of the next pull, its head pinned; Refused where GitHub refuses."""
    if network_root(source) is not network_root(repo):
        raise Refused(422, "head is not in this repository's network", "head")
    if source.git.resolve(f"refs/heads/{head_ref}") is None:
        raise Refused(422, f"head branch {head_ref} does not exist", "head")
    base_sha = repo.git.resolve(f"refs/heads/{base_ref}")
    if base_sha is None:
        raise Refused(422, f"base branch {base_ref} does not exist", "base")
    label = f"{source.owner.login}:{head_ref}"
    open_pairs = {(head_label(repo, i.pull), i.pull.base_ref) for i in repo.issues.values()
                  if i.pull and i.state == "open"}  # fmt: skip
    if (label, base_ref) in open_pairs:
        raise Refused(422, f"A pull request already exists for {label}.", "head", "custom")
    number = repo.next_number
    head_sha = _pin_head(repo, number, source, head_ref) or ""
    if repo.git.is_ancestor(head_sha, base_sha):
        repo.git.delete_ref(f"refs/pull/{number}/head")
        shown = head_ref if source is repo else label
        raise Refused(422, f"No commits between {base_ref} and {shown}", "head", "custom")
    return head_sha, base_sha


def open_pull(
    world: World,
    repo: Repo,
    source: Repo,
    refs: tuple[str, str],
    text: tuple[str, str | None],
    *,
    user: Account,
    draft: bool = False,
    maintainer_can_modify: bool = True,
) -> Issue:
    """Open a pull on `repo` from `refs` = (head branch of `source`, base branch of `repo`).

    `text` is (title, body). Raises Refused as GitHub's create endpoint would.
    """
    head_ref, base_ref = refs
    head_sha, base_sha = _propose(repo, source, head_ref, base_ref)
    fork = None if source is repo else source
    pull = Pull(head_ref, base_ref, head_sha, base_sha, draft, maintainer_can_modify,
                head_repo=fork)  # fmt: skip
    now = world.now()
    issue = Issue(repo.next_number, world.next_id(), text[0], text[1], user, now, now, pull=pull)
    repo.issues[issue.number] = issue
    repo.next_number += 1
    return issue


def refresh(repo: Repo, issue: Issue) -> Pull:
    """Follow the branches, as GitHub does when they move (deleted branches keep the sha).

    A merged pull is history: its head and base stay where they were at the merge.
    """
    pull = issue.pull
    if pull is None:
        raise ValueError(f"#{issue.number} is an issue, not a pull request")
    if pull.merged_at is not None:
        return pull
    source = head_repo(repo, pull)
    moved = source.git.resolve(f"refs/heads/{pull.head_ref}")
    if moved is not None and moved != pull.head_sha:
        pull.head_sha = _pin_head(repo, issue.number, source, pull.head_ref) or pull.head_sha
    pull.base_sha = repo.git.resolve(f"refs/heads/{pull.base_ref}") or pull.base_sha
    return pull


def follow_push(world: World, source: Repo, branch: str) -> None:
    """After a push to `branch` of `source`, open pulls from it move (GitHub's synchronize)."""
    now = world.now()
    for repo in world.repos.values():
        for issue in repo.issues.values():
            pull = issue.pull
            if pull is None or issue.state != "open" or pull.head_ref != branch:
                continue
            if head_repo(repo, pull) is source:
                before = pull.head_sha
                if refresh(repo, issue).head_sha != before:
                    issue.updated_at = now
