"""Where FAQ documents go: `docs/faq/<slug>.md` plus the index, committed to a pull request's
own branch, to a branch of ours with its pull request, or posted as a comment."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from agents.faq.index import merge_index
from github_app.client import PullInfo, RepoClient
from github_app.publish import (
    FileChange,
    PullRequestRef,
    branch_sha,
    commit,
    open_pull_number,
    open_pull_request,
    point_branch,
)
from jobs.runtime.errors import PermanentError

DOCS_DIR = "docs/faq"
INDEX_PATH = f"{DOCS_DIR}/README.md"
# GitHub refuses comment bodies over 65,536 characters
MAX_COMMENT_CHARS = 65_000


@dataclass(frozen=True)
class Document:
    slug: str
    title: str
    summary: str
    markdown: str

    @property
    def path(self) -> str:
        return f"{DOCS_DIR}/{self.slug}.md"


def changes_for(client: RepoClient, ref: str, docs: Sequence[Document]) -> list[FileChange]:
    """The documents and the index that lists them, on top of what `ref` already has."""
    index = client.file_text(INDEX_PATH, ref)
    for doc in docs:
        index = merge_index(index, doc.slug, doc.title, doc.summary)
    changes = [FileChange(doc.path, doc.markdown) for doc in docs]
    if index is not None:
        changes.append(FileChange(INDEX_PATH, index))
    return changes


def unchanged(client: RepoClient, ref: str, changes: Sequence[FileChange]) -> bool:
    return all(client.file_text(c.path, ref) == c.content for c in changes)


def is_fork(client: RepoClient, pull: PullInfo) -> bool:
    """A pull request from another repository (or a deleted fork): not ours to push to."""
    return pull.head_repo is None or pull.head_repo.lower() != client.full_name.lower()


def push_to_pull(
    client: RepoClient, pull: PullInfo, docs: Sequence[Document], message: str
) -> str | None:
    """Commit `docs` on top of the pull request's head branch (never forcing it); return the
    new head, or None when the branch already had exactly these files."""
    for _ in range(3):
        head = branch_sha(client, pull.head_ref)
        if head is None:
            raise PermanentError(f"the branch `{pull.head_ref}` of #{pull.number} is gone")
        changes = changes_for(client, head, docs)
        if unchanged(client, head, changes):
            return None
        sha = commit(client, head, changes, message)
        if client.fast_forward(pull.head_ref, sha):
            return sha
        # someone pushed meanwhile (not a fast-forward any more): commit again on top
    raise PermanentError(f"`{pull.head_ref}` kept moving while the FAQ was being committed")


def open_docs_pull(
    client: RepoClient,
    *,
    branch: str,
    base: str,
    docs: Sequence[Document],
    title: str,
    body: str,
    message: str,
) -> PullRequestRef:
    """Commit `docs` on a branch of ours and open (or update) its pull request.

    While the branch's pull request is open, the commit goes on top of it, so documents it
    already proposes stay; otherwise the branch is cut again from `base`.
    """
    open_pull = open_pull_number(client, branch, base) is not None
    parent = branch_sha(client, branch) if open_pull else None
    parent = parent or branch_sha(client, base)
    if parent is None:
        raise PermanentError(f"the base branch `{base}` does not exist")
    sha = commit(client, parent, changes_for(client, parent, docs), message)
    point_branch(client, branch, sha)
    return open_pull_request(client, head=branch, base=base, title=title, body=body, draft=False)


def as_comment(markdown: str, note: str = "") -> str:
    """A document as a comment body, cut to GitHub's limit with a visible note if it must be."""
    body = f"{note}\n\n{markdown}" if note else markdown
    if len(body) <= MAX_COMMENT_CHARS:
        return body
    return body[: MAX_COMMENT_CHARS - 80].rstrip() + "\n\n…(cut to fit GitHub's comment limit)"
