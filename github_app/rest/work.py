"""What people are doing in the repository: its open pull requests, its branches, who pushed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from githubkit_schemas.latest.models import PullRequestSimple, ShortBranch

from github_app.prior_work import OpenPull
from github_app.rest.session import RepoSession


class WorkApi(RepoSession):
    def open_pulls(self) -> Iterator[OpenPull]:
        """Every open pull request of the repository, every page."""
        for item in self._paginate(PullRequestSimple, self._gh.rest.pulls.list, state="open"):
            head_repo = item.head.repo.full_name if item.head.repo else None
            yield OpenPull(
                number=item.number,
                url=item.html_url,
                author=item.user.login if item.user else "",
                head_ref=item.head.ref,
                same_repo=(head_repo or "").lower() == self.full_name.lower(),
                title=item.title,
                body=item.body or "",
            )

    def branch_names(self) -> Iterator[str]:
        """Every branch of the repository, every page."""
        for item in self._paginate(ShortBranch, self._gh.rest.repos.list_branches):
            yield item.name

    def commit_by(self, branch: str, author: str, since: datetime) -> str | None:
        """The page of the newest commit on `branch` by `author` (a login) at or after `since`,
        or None. https://docs.github.com/en/rest/commits/commits#list-commits"""
        found = self._gh.rest.repos.list_commits(
            self.owner, self.repo, sha=branch, author=author, since=since, per_page=1
        ).parsed_data
        return found[0].html_url if found else None
