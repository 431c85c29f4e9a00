"""Pull requests: reading one and its files, opening, editing, asking for review."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from githubkit_schemas.latest.models import DiffEntry

from github_app.rest.session import RepoSession


@dataclass(frozen=True)
class PullFile:
    """A file a pull request changes; `previous` is a renamed file's old path."""

    path: str
    previous: str | None
    patch: str


@dataclass(frozen=True)
class PullInfo:
    number: int
    title: str
    body: str
    state: str
    url: str
    head_ref: str
    head_sha: str
    head_repo: str | None
    base_ref: str


@dataclass(frozen=True)
class PullLink:
    """A pull request just opened or edited: its number and its page."""

    number: int
    url: str


class PullsApi(RepoSession):
    def pull(self, number: int) -> PullInfo:
        found = self._gh.rest.pulls.get(self.owner, self.repo, number).parsed_data
        head_repo = found.head.repo.full_name if found.head.repo else None
        return PullInfo(
            number=found.number,
            title=found.title,
            body=found.body or "",
            state=found.state,
            url=found.html_url,
            head_ref=found.head.ref,
            head_sha=found.head.sha,
            head_repo=head_repo,
            base_ref=found.base.ref,
        )

    def pull_files(self, number: int) -> Iterator[PullFile]:
        for item in self._paginate(DiffEntry, self._gh.rest.pulls.list_files, pull_number=number):
            yield PullFile(item.filename, item.previous_filename or None, item.patch or "")

    def open_pull_numbers(self, head: str, base: str) -> list[int]:
        """Open pull requests from this repository's branch `head` into `base`. One page: GitHub
        allows one open pull request per head and base."""
        found = self._gh.rest.pulls.list(
            self.owner, self.repo, state="open", head=f"{self.owner}:{head}", base=base
        ).parsed_data
        return [pull.number for pull in found]

    def create_pull(self, *, head: str, base: str, title: str, body: str, draft: bool) -> PullLink:
        made = self._gh.rest.pulls.create(
            self.owner, self.repo, head=head, base=base, title=title, body=body, draft=draft
        ).parsed_data
        return PullLink(made.number, made.html_url)

    def update_pull(self, number: int, *, title: str, body: str) -> PullLink:
        made = self._gh.rest.pulls.update(
            self.owner, self.repo, number, title=title, body=body
        ).parsed_data
        return PullLink(made.number, made.html_url)

    def request_reviewers(self, number: int, logins: Sequence[str]) -> None:
        """Ask `logins` to review (GitHub answers 422 for the pull request's own author)."""
        self._gh.rest.pulls.request_reviewers(self.owner, self.repo, number, reviewers=list(logins))
