"""Issues, their comments and reactions — pull requests are issues here too."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from githubkit_schemas.latest.models import Issue, IssueComment

from github_app.rest.session import RepoSession

Reaction = Literal["+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes"]


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
class ClosedIssue:
    """A closed issue or pull request as the repository's issue listing shows it."""

    number: int
    url: str
    title: str
    body: str
    updated_at: datetime
    by_bot: bool  # opened by a bot account
    is_pull_request: bool
    merged: bool  # a pull request that was merged; never true for an issue
    state_reason: str | None  # an issue's: completed, not_planned, duplicate…


class IssuesApi(RepoSession):
    def react(self, number: int, content: Reaction) -> None:
        self._gh.rest.reactions.create_for_issue(self.owner, self.repo, number, content=content)

    def comments(self, number: int) -> Iterator[Comment]:
        for item in self._paginate(
            IssueComment, self._gh.rest.issues.list_comments, issue_number=number
        ):
            yield Comment(item.id, item.body or "")

    def create_comment(self, number: int, body: str) -> Comment:
        made = self._gh.rest.issues.create_comment(
            self.owner, self.repo, number, body=body
        ).parsed_data
        return Comment(made.id, made.body or "")

    def update_comment(self, comment_id: int, body: str) -> Comment:
        made = self._gh.rest.issues.update_comment(
            self.owner, self.repo, comment_id, body=body
        ).parsed_data
        return Comment(made.id, made.body or "")

    def issue(self, number: int) -> IssueInfo:
        found = self._gh.rest.issues.get(self.owner, self.repo, number).parsed_data
        return IssueInfo(
            number=found.number,
            title=found.title,
            body=found.body or "",
            state=found.state,
            locked=bool(found.locked),
            is_pull_request=bool(found.pull_request),
        )

    def closed_issues(self, since: datetime | None) -> Iterator[ClosedIssue]:
        """Closed issues and pull requests updated at or after `since` (GitHub's `since` is
        inclusive), least recently updated first, paged lazily."""
        params: dict[str, Any] = {"state": "closed", "sort": "updated", "direction": "asc"}
        if since is not None:
            params["since"] = since
        for item in self._paginate(Issue, self._gh.rest.issues.list_for_repo, **params):
            pull = item.pull_request or None  # githubkit's UNSET is falsy
            yield ClosedIssue(
                number=item.number,
                url=item.html_url,
                title=item.title,
                body=item.body or "",
                updated_at=item.updated_at,
                by_bot=bool(item.user and item.user.type == "Bot"),
                is_pull_request=pull is not None,
                merged=pull is not None and bool(pull.merged_at),
                state_reason=item.state_reason or None,
            )
