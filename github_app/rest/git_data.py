"""Git data: refs, commits, trees and blobs, for committing without a checkout.
https://docs.github.com/en/rest/guides/using-the-rest-api-to-interact-with-your-git-database"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from githubkit_schemas.latest.types import ReposOwnerRepoGitTreesPostBodyPropTreeItemsType

from github_app.rest.errors import RequestFailed, message_of, unless_missing
from github_app.rest.session import RepoSession


@dataclass(frozen=True)
class TreeEntry:
    """A file of a new tree: its blob, or None to delete the path from the base tree."""

    path: str
    blob: str | None
    executable: bool = False


class GitDataApi(RepoSession):
    def branch_head(self, branch: str) -> str | None:
        """The commit `branch` points at, or None when there is no such branch."""
        ref = unless_missing(
            lambda: self._gh.rest.git.get_ref(self.owner, self.repo, f"heads/{branch}")
        )
        return ref.parsed_data.object_.sha if ref is not None else None

    def commit_tree(self, sha: str) -> str:
        """The tree of commit `sha`."""
        return self._gh.rest.git.get_commit(self.owner, self.repo, sha).parsed_data.tree.sha

    def create_blob(self, content: str) -> str:
        return self._gh.rest.git.create_blob(
            self.owner, self.repo, content=content, encoding="utf-8"
        ).parsed_data.sha

    def create_tree(self, base_tree: str, entries: Sequence[TreeEntry]) -> str:
        """A tree that is `base_tree` with `entries` written over it."""
        items: list[ReposOwnerRepoGitTreesPostBodyPropTreeItemsType] = []
        for entry in entries:
            mode: Literal["100755", "100644"] = "100755" if entry.executable else "100644"
            items.append({"path": entry.path, "mode": mode, "type": "blob", "sha": entry.blob})
        return self._gh.rest.git.create_tree(
            self.owner, self.repo, tree=items, base_tree=base_tree
        ).parsed_data.sha

    def create_commit(self, message: str, tree: str, parents: Sequence[str]) -> str:
        return self._gh.rest.git.create_commit(
            self.owner, self.repo, message=message, tree=tree, parents=list(parents)
        ).parsed_data.sha

    def create_branch(self, branch: str, sha: str) -> None:
        self._gh.rest.git.create_ref(self.owner, self.repo, ref=f"refs/heads/{branch}", sha=sha)

    def force_branch(self, branch: str, sha: str) -> None:
        """Move `branch` to `sha` whatever it pointed at."""
        self._gh.rest.git.update_ref(self.owner, self.repo, f"heads/{branch}", sha=sha, force=True)

    def fast_forward(self, branch: str, sha: str) -> bool:
        """Move `branch` to `sha` if `sha` descends from its head; False when GitHub refuses
        because it does not (someone pushed meanwhile). Other refusals (a protected branch)
        raise RequestFailed."""
        try:
            self._gh.rest.git.update_ref(
                self.owner, self.repo, f"heads/{branch}", sha=sha, force=False
            )
        except RequestFailed as exc:
            if exc.response.status_code == 422 and _not_fast_forward(exc):
                return False
            raise
        return True


def _not_fast_forward(exc: RequestFailed) -> bool:
    # GitHub's words for it: 422 {"message": "Update is not a fast forward"}
    return "not a fast forward" in message_of(exc).lower()
