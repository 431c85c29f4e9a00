"""JSON builders for pull request reviews and review comments, REST and webhook alike.

https://docs.github.com/en/rest/pulls/reviews · https://docs.github.com/en/rest/pulls/comments
"""

from __future__ import annotations

from simulator.shapes import JSON, Site, iso, node_id, user
from simulator.shapes_issues import association
from simulator.state import Repo, Review, ReviewComment


def review(site: Site, repo: Repo, item: Review) -> JSON:
    """The `pull-request-review` schema (a webhook's `review` spells `state` in lower case)."""
    api = f"{site.api}/repos/{repo.full_name}"
    html = f"{site.html}/{repo.full_name}/pull/{item.pull_number}#pullrequestreview-{item.id}"
    return {
        "id": item.id,
        "node_id": node_id("PullRequestReview", item.id),
        "user": user(site, item.user),
        "body": item.body,
        "state": item.state,
        "html_url": html,
        "pull_request_url": f"{api}/pulls/{item.pull_number}",
        "_links": {
            "html": {"href": html},
            "pull_request": {"href": f"{api}/pulls/{item.pull_number}"},
        },
        "submitted_at": iso(item.submitted_at),
        "commit_id": item.commit_id,
        "author_association": association(site, repo, item.user),
    }


def review_comment(site: Site, repo: Repo, item: ReviewComment) -> JSON:
    """The `pull-request-review-comment` schema (also what a review's comment list holds)."""
    api = f"{site.api}/repos/{repo.full_name}"
    url = f"{api}/pulls/comments/{item.id}"
    html = f"{site.html}/{repo.full_name}/pull/{item.pull_number}#discussion_r{item.id}"
    pull_url = f"{api}/pulls/{item.pull_number}"
    found: JSON = {
        "url": url,
        "pull_request_review_id": item.review_id,
        "id": item.id,
        "node_id": node_id("PullRequestReviewComment", item.id),
        "diff_hunk": item.diff_hunk,
        "path": item.path,
        "position": item.line,
        "original_position": item.line,
        "commit_id": item.commit_id,
        "original_commit_id": item.commit_id,
        "user": user(site, item.user),
        "body": item.body,
        "created_at": iso(item.created_at),
        "updated_at": iso(item.created_at),
        "html_url": html,
        "pull_request_url": pull_url,
        "author_association": association(site, repo, item.user),
        "_links": {
            "self": {"href": url},
            "html": {"href": html},
            "pull_request": {"href": pull_url},
        },
        "line": item.line,
        "original_line": item.line,
        "side": "RIGHT",
        "start_line": None,
        "original_start_line": None,
        "start_side": None,
        "subject_type": "line",
    }
    if item.in_reply_to is not None:
        found["in_reply_to_id"] = item.in_reply_to
    return found
