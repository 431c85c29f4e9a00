"""One installation's session on one repository, and the one way a listing is paged."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Self, TypeVar

from githubkit import AppInstallationAuthStrategy, GitHub
from githubkit.response import Response

T = TypeVar("T")
PAGE_SIZE = 100  # GitHub's largest page


class RepoSession:
    """The githubkit client (built by `github_app.auth`: narrowed token, in-place retry policy)
    and the repository it acts on. The concern classes beside this one add the REST calls."""

    def __init__(self, gh: GitHub[AppInstallationAuthStrategy], full_name: str) -> None:
        self._gh = gh
        self.full_name = full_name
        self.owner, self.repo = full_name.split("/", 1)

    def __enter__(self) -> Self:
        # one HTTP client (and TLS set-up) for the whole job instead of one per call
        self._gh.__enter__()  # type: ignore[no-untyped-call]
        return self

    def __exit__(self, *exc: object) -> None:
        self._gh.__exit__(*exc)  # type: ignore[arg-type]

    def _paginate(
        self, item: type[T], request: Callable[..., Response[Any, Any]], **params: Any
    ) -> Iterator[T]:
        """Every `item` of one of this repository's listings, PAGE_SIZE a page, lazily: githubkit
        follows the `Link: <…>; rel="next"` header GitHub sends, so stopping early stops paging.
        https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api

        `item` is the model githubkit parses each element into; it is named here because
        githubkit's listing methods hide their element type from mypy (a method called `list`
        shadows the builtin in their annotations)."""
        listing = self._gh.rest.paginate(
            request, owner=self.owner, repo=self.repo, per_page=PAGE_SIZE, **params
        )
        for found in listing:
            if not isinstance(found, item):
                raise TypeError(f"a listing gave {type(found).__name__}, not {item.__name__}")
            yield found
