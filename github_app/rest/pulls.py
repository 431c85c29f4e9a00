"""Pull requests: reading one and its files, opening, editing, asking for review."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from githubkit_schemas.latest.models import DiffEntry, PullRequestReviewComment, ReviewComment

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
class ReviewNote:
    """A review comment on a pull request's diff: where it points (`line` on the head, or the
    `original_line` it was made on) and what it says (untrusted text)."""

    id: int
    path: str
    line: int | None
    diff_hunk: str
    body: str
    author: str
    in_reply_to: int | None


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

    def review_notes(self, number: int, review_id: int) -> Iterator[ReviewNote]:
        """Every comment of one review, paged as GitHub pages them."""
        for item in self._paginate(
            ReviewComment,
            self._gh.rest.pulls.list_comments_for_review,
            pull_number=number,
            review_id=review_id,
        ):
            yield _note(item)

    def review_note(self, comment_id: int) -> ReviewNote:
        """One review comment by its id (a comment made outside a review)."""
        return _note(
            self._gh.rest.pulls.get_review_comment(self.owner, self.repo, comment_id).parsed_data
        )

    def reply_to_review_note(self, number: int, comment_id: int, body: str) -> int:
        """Answer in a review comment's thread (name the thread's first comment: GitHub
        refuses replies to replies); the reply's id."""
        made = self._gh.rest.pulls.create_reply_for_review_comment(
            self.owner, self.repo, number, comment_id, body=body
        ).parsed_data
        return made.id


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _note(item: ReviewComment | PullRequestReviewComment) -> ReviewNote:
    return ReviewNote(
        id=item.id,
        path=item.path,
        line=_int(item.line) or _int(item.original_line),
        diff_hunk=item.diff_hunk,
        body=item.body,
        author=item.user.login if item.user else "ghost",
        in_reply_to=_int(item.in_reply_to_id),
    )
