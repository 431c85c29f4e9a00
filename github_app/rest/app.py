"""GitHub as the App itself (JWT) sees it: the /app endpoints and installation look-ups; and
the manifest conversion that creates the App."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Self

from githubkit import AppAuthStrategy, GitHub, UnauthAuthStrategy

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


@dataclass(frozen=True)
class ManifestConversion:
    """What GitHub hands back once for an App registered from a manifest. Holds secrets:
    its repr names the App only."""

    app_id: int
    slug: str
    html_url: str
    client_id: str
    client_secret: str = field(repr=False)
    webhook_secret: str = field(repr=False)
    pem: str = field(repr=False)
    owner_login: str | None
    owner_id: int | None


class ManifestApi:
    """The one App endpoint that needs no credentials (the one-hour code is the credential)."""

    def __init__(self, gh: GitHub[UnauthAuthStrategy]) -> None:
        self._gh = gh

    def convert(self, code: str) -> ManifestConversion:
        """`POST /app-manifests/{code}/conversions`: the new App's id, key and secrets.
        https://docs.github.com/en/rest/apps/apps#create-a-github-app-from-a-manifest"""
        with self._gh:
            found = self._gh.rest.apps.create_from_manifest(code).parsed_data
        owner = found.owner
        login = getattr(owner, "login", None) or getattr(owner, "slug", None)
        return ManifestConversion(
            app_id=found.id,
            slug=found.slug if isinstance(found.slug, str) else str(found.id),
            html_url=found.html_url,
            client_id=found.client_id,
            client_secret=found.client_secret,
            webhook_secret=found.webhook_secret or "",
            pem=found.pem,
            owner_login=login if isinstance(login, str) else None,
            owner_id=getattr(owner, "id", None),
        )
