"""The only module that calls the GitHub REST API: small verbs the jobs need, one repository."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from githubkit import AppInstallationAuthStrategy, GitHub
from githubkit.exception import RequestFailed
from redis import Redis

from core.settings import Settings
from github_app.auth import installation_client

Reaction = Literal["+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes"]
WRITE_PERMISSIONS = frozenset({"admin", "maintain", "write"})


@dataclass(frozen=True)
class Comment:
    id: int
    body: str


@dataclass(frozen=True)
class IssueInfo:
    number: int
    title: str
    body: str
    state: str
    locked: bool
    is_pull_request: bool


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


class RepoClient:
    """GitHub as one installation sees one repository."""

    def __init__(self, gh: GitHub[AppInstallationAuthStrategy], full_name: str) -> None:
        self.gh = gh
        self.full_name = full_name
        self.owner, self.repo = full_name.split("/", 1)

    def __enter__(self) -> RepoClient:
        # one HTTP client (and TLS set-up) for the whole job instead of one per call
        self.gh.__enter__()  # type: ignore[no-untyped-call]
        return self

    def __exit__(self, *exc: object) -> None:
        self.gh.__exit__(*exc)  # type: ignore[arg-type]

    def react(self, number: int, content: Reaction) -> None:
        self.gh.rest.reactions.create_for_issue(self.owner, self.repo, number, content=content)

    def comments(self, number: int) -> Iterator[Comment]:
        for item in self.gh.rest.paginate(  # type: ignore[var-annotated]
            self.gh.rest.issues.list_comments,
            owner=self.owner,
            repo=self.repo,
            issue_number=number,
            per_page=100,
        ):
            yield Comment(item.id, item.body or "")

    def create_comment(self, number: int, body: str) -> Comment:
        made = self.gh.rest.issues.create_comment(
            self.owner, self.repo, number, body=body
        ).parsed_data
        return Comment(made.id, made.body or "")

    def update_comment(self, comment_id: int, body: str) -> Comment:
        made = self.gh.rest.issues.update_comment(
            self.owner, self.repo, comment_id, body=body
        ).parsed_data
        return Comment(made.id, made.body or "")

    def issue(self, number: int) -> IssueInfo:
        found = self.gh.rest.issues.get(self.owner, self.repo, number).parsed_data
        return IssueInfo(
            number=found.number,
            title=found.title,
            body=found.body or "",
            state=found.state,
            locked=bool(found.locked),
            is_pull_request=bool(found.pull_request),
        )

    def pull(self, number: int) -> PullInfo:
        found = self.gh.rest.pulls.get(self.owner, self.repo, number).parsed_data
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
        for item in self.gh.rest.paginate(  # type: ignore[var-annotated]
            self.gh.rest.pulls.list_files,
            owner=self.owner,
            repo=self.repo,
            pull_number=number,
            per_page=100,
        ):
            yield PullFile(item.filename, item.previous_filename or None, item.patch or "")

    def file_text(self, path: str, ref: str) -> str | None:
        """A file's text at `ref`, or None when it does not exist there."""
        try:
            found = self.gh.rest.repos.get_content(
                self.owner,
                self.repo,
                path,
                ref=ref,
                headers={"Accept": "application/vnd.github.raw+json"},
            )
        except RequestFailed as exc:
            if exc.response.status_code == 404:
                return None
            raise
        return found.text

    def permission(self, username: str) -> str:
        """The user's permission on the repository; 'none' for strangers."""
        try:
            found = self.gh.rest.repos.get_collaborator_permission_level(
                self.owner, self.repo, username
            ).parsed_data
        except RequestFailed as exc:
            if exc.response.status_code == 404:
                return "none"
            raise
        return found.permission


def repo_client(
    settings: Settings, redis: Redis, installation_id: int, full_name: str
) -> RepoClient:
    return RepoClient(installation_client(settings, redis, installation_id, full_name), full_name)
