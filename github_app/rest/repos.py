"""The repository itself: its default branch, file contents, archives, collaborators."""

from __future__ import annotations

from github_app.rest.errors import unless_missing
from github_app.rest.session import RepoSession

WRITE_PERMISSIONS = frozenset({"admin", "maintain", "write"})


class ReposApi(RepoSession):
    def default_branch(self) -> str:
        return self._gh.rest.repos.get(self.owner, self.repo).parsed_data.default_branch

    def file_text(self, path: str, ref: str) -> str | None:
        """A file's text at `ref`, or None when it does not exist there."""
        found = unless_missing(
            lambda: self._gh.rest.repos.get_content(
                self.owner,
                self.repo,
                path,
                ref=ref,
                headers={"Accept": "application/vnd.github.raw+json"},
            )
        )
        return found.text if found is not None else None

    def tarball(self, ref: str) -> bytes:
        """The gzip tarball of `ref` (GitHub redirects to codeload; the client follows)."""
        return self._gh.rest.repos.download_tarball_archive(self.owner, self.repo, ref).content

    def permission(self, username: str) -> str:
        """The user's permission on the repository; 'none' for strangers."""
        found = unless_missing(
            lambda: self._gh.rest.repos.get_collaborator_permission_level(
                self.owner, self.repo, username
            )
        )
        return found.parsed_data.permission if found is not None else "none"
