"""Pull request reviews: submitting one with its comments on the diff, and replying in a
thread; each change announced as GitHub announces it (`pull_request_review` submitted, one
`pull_request_review_comment` created a comment) to an App that subscribes.

https://docs.github.com/en/rest/pulls/reviews#create-a-review-for-a-pull-request
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from simulator import shapes_issues, shapes_reviews
from simulator.pulls import Refused, refresh
from simulator.shapes import JSON, Site, node_id, repository, user
from simulator.state import Account, Issue, Repo, Review, ReviewComment, World

# the REST API's `event` → the review's state (no event: a pending review, not modelled)
STATES = {"APPROVE": "APPROVED", "REQUEST_CHANGES": "CHANGES_REQUESTED", "COMMENT": "COMMENTED"}


@dataclass(frozen=True)
class Draft:
    """One comment of a review being submitted: on `line` of `path` in the head commit."""

    path: str
    line: int
    body: str


def diff_hunk(patch: str, line: int) -> str:
    """GitHub's `diff_hunk`: the patch's hunk holding new-side `line`, from its header to
    that line (the whole patch when the line is not in it)."""
    lines, start, new = patch.splitlines(), 0, 0
    for i, text in enumerate(lines):
        if text.startswith("@@"):
            start, new = i, int(text.split("+")[1].split(",")[0].split(" ")[0]) - 1
            continue
        if not text.startswith("-"):
            new += 1
        if new == line and not text.startswith("-"):
            return "\n".join(lines[start : i + 1])
    return patch.rstrip("\n")


def _patch_of(repo: Repo, issue: Issue, path: str) -> str | None:
    pull = refresh(repo, issue)
    base = repo.git.merge_base(pull.base_sha, pull.head_sha) or pull.base_sha
    for change in repo.git.diff(base, pull.head_sha):
        if change.path == path:
            return repo.git.patch(base, pull.head_sha, change)
    return None


def submit(
    world: World, repo: Repo, issue: Issue, by: Account, ask: tuple[str, str, Sequence[Draft]]
) -> Review:
    """Submit a review (`event`, `body`, comments) on the pull request `issue` as `by`."""
    event, body, drafts = ask
    if event not in STATES:
        raise Refused(422, "Unprocessable Entity", "event", "invalid")
    if event != "APPROVE" and not body and not drafts:
        raise Refused(422, "Unprocessable Entity", "body", "missing_field")
    pull = refresh(repo, issue)
    made = Review(
        world.next_id(), issue.number, by, body, STATES[event], pull.head_sha, world.now()
    )
    for draft in drafts:
        patch = _patch_of(repo, issue, draft.path)
        if patch is None:
            raise Refused(422, "Unprocessable Entity", "path", "invalid")
        comment = ReviewComment(
            world.next_id(), issue.number, made.id, by, draft.body, draft.path, draft.line,
            diff_hunk(patch, draft.line), pull.head_sha, made.submitted_at,
        )  # fmt: skip
        repo.review_comments[comment.id] = comment
    repo.reviews[made.id] = made
    return made


def reply(world: World, repo: Repo, to: ReviewComment, by: Account, body: str) -> ReviewComment:
    """A reply in `to`'s thread: a review of its own holding one comment, as on GitHub."""
    root = repo.review_comments.get(to.in_reply_to or to.id, to)
    made = Review(world.next_id(), to.pull_number, by, "", "COMMENTED", to.commit_id, world.now())
    repo.reviews[made.id] = made
    comment = ReviewComment(
        world.next_id(), to.pull_number, made.id, by, body, root.path, root.line,
        root.diff_hunk, root.commit_id, made.submitted_at, in_reply_to=root.id,
    )  # fmt: skip
    repo.review_comments[comment.id] = comment
    return comment


def comments_of(repo: Repo, review_id: int) -> list[ReviewComment]:
    found = [c for c in repo.review_comments.values() if c.review_id == review_id]
    return sorted(found, key=lambda c: c.id)


def deliveries(
    site: Site, repo: Repo, issue: Issue, review: Review, installation_id: int
) -> list[tuple[str, dict[str, Any]]]:
    """What GitHub sends for a submitted review: one `pull_request_review_comment` `created` a
    comment, then the `pull_request_review` `submitted` (the review's state in lower case)."""
    common: dict[str, Any] = {
        "pull_request": shapes_issues.pull_simple(site, repo, issue),
        "repository": repository(site, repo),
        "installation": {
            "id": installation_id,
            "node_id": node_id("IntegrationInstallation", installation_id),
        },
        "sender": user(site, review.user),
    }
    sent: list[tuple[str, dict[str, Any]]] = [
        (
            "pull_request_review_comment",
            {
                "action": "created",
                "comment": shapes_reviews.review_comment(site, repo, c),
                **common,
            },
        )
        for c in comments_of(repo, review.id)
    ]
    described: JSON = shapes_reviews.review(site, repo, review)
    described["state"] = review.state.lower()
    sent.append(("pull_request_review", {"action": "submitted", "review": described, **common}))
    return sent
