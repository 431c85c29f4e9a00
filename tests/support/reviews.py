"""Pull request reviews through the simulator: the contract test's exercise of the review
routes, and the review deliveries the flows post to the app."""

from __future__ import annotations

from typing import Any

from githubkit import GitHub

REVIEW_OPERATIONS = {
    "pulls/create-review",
    "pulls/list-comments-for-review",
    "pulls/get-review-comment",
    "pulls/create-reply-for-review-comment",
}


def exercise_reviews(gh: GitHub[Any], owner: str, repo: str, number: int, path: str) -> None:
    """A review with two comments on `path` of pull request `number`, its comments read a
    page at a time, one of them read alone and answered in its thread."""
    pulls = gh.rest.pulls
    review = pulls.create_review(
        owner,
        repo,
        number,
        event="REQUEST_CHANGES",
        body="Two things",
        comments=[
            {"path": path, "line": 1, "body": "One"},
            {"path": path, "line": 1, "body": "Two"},
        ],
    ).parsed_data
    assert (review.state, review.body) == ("CHANGES_REQUESTED", "Two things")
    first = pulls.list_comments_for_review(owner, repo, number, review.id, per_page=1)
    assert 'rel="next"' in first.headers.get("link", "")
    listed = list(
        gh.rest.paginate(
            pulls.list_comments_for_review,
            owner=owner,
            repo=repo,
            pull_number=number,
            review_id=review.id,
            per_page=1,
        )
    )
    assert [c.body for c in listed] == ["One", "Two"]
    assert all(c.diff_hunk.startswith("@@") and c.path == path for c in listed)
    one = pulls.get_review_comment(owner, repo, listed[0].id).parsed_data
    assert (one.body, one.pull_request_review_id) == ("One", review.id)
    reply = pulls.create_reply_for_review_comment(
        owner, repo, number, one.id, body="Done"
    ).parsed_data
    assert (reply.in_reply_to_id, reply.path) == (one.id, path)
