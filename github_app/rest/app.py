"""GitHub as the App itself (JWT) sees it: the /app endpoints and installation look-ups."""

from __future__ import annotations

from typing import Self

from githubkit import AppAuthStrategy, GitHub

from github_app.rest.errors import unless_missing


class AppClient:
    """The App's own client (built by `github_app.auth`, same retry policy as every client)."""

    def __init__(self, gh: GitHub[AppAuthStrategy]) -> None:
        self._gh = gh

    def __enter__(self) -> Self:
        self._gh.__enter__()  # type: ignore[no-untyped-call]
        return self

    def __exit__(self, *exc: object) -> None:
        self._gh.__exit__(*exc)  # type: ignore[arg-type]

    def installation_id(self, owner: str, repo: str) -> int | None:
        """The id of the installation that covers `owner/repo`, or None when the App is not
        installed on it."""
        found = unless_missing(lambda: self._gh.rest.apps.get_repo_installation(owner, repo))
        return found.parsed_data.id if found is not None else None
