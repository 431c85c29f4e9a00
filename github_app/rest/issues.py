"""Issues, their comments and reactions — pull requests are issues here too."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from githubkit.response import Response
from githubkit_schemas.latest.models import Issue, IssueComment

from github_app.rest.session import PAGE_SIZE, RepoSession

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
    assignees: tuple[str, ...] = ()  # logins


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
            assignees=tuple(a.login for a in found.assignees or ()),
        )

    def cross_referencing_pulls(self, number: int) -> frozenset[int]:
        """Pull requests of this repository that the issue's timeline says mention it
        (`cross-referenced` events), whatever their state; every page of the timeline.
        https://docs.github.com/en/rest/issues/timeline

        Read as plain JSON: the timeline is a union of some thirty event shapes, and only the
        cross-references' `source.issue` matters here."""
        listing = self._gh.rest.paginate(
            self._gh.rest.issues.list_events_for_timeline,
            _json_list,
            owner=self.owner,
            repo=self.repo,
            issue_number=number,
            per_page=PAGE_SIZE,
        )
        return frozenset(n for n in map(self._referencing_pull, listing) if n is not None)

    def _referencing_pull(self, event: Any) -> int | None:
        if not isinstance(event, dict) or event.get("event") != "cross-referenced":
            return None
        source = event.get("source")
        issue = source.get("issue") if isinstance(source, dict) else None
        if not isinstance(issue, dict) or not issue.get("pull_request"):
            return None
        where, number = issue.get("repository_url"), issue.get("number")  # …/repos/owner/name
        same = isinstance(where, str) and where.lower().endswith(f"/repos/{self.full_name}".lower())
        return number if same and isinstance(number, int) else None

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


def _json_list(response: Response[Any]) -> list[Any]:
    data = response.json()
    return data if isinstance(data, list) else []
