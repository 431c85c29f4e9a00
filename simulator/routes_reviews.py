"""Pull request review endpoints: submit a review with comments, list a review's comments
(paged), read one review comment, reply in a thread.

https://docs.github.com/en/rest/pulls/reviews · https://docs.github.com/en/rest/pulls/comments
"""

from __future__ import annotations

from flask import Blueprint, Response

from simulator import reviews, shapes_reviews
from simulator.api import field, json_body, not_found, respond, respond_page
from simulator.pulls import Refused
from simulator.routes_pulls import pull_of, refused
from simulator.routing import acting_bot, backend, current_repo, route, site, world
from simulator.state import Issue, Repo, Review, ReviewComment

bp = Blueprint("reviews", __name__)
READ = ("pull_requests", "read")
WRITE = ("pull_requests", "write")
PULL = "/repos/<owner>/<repo>/pulls/<int:pull_number>"


def announce(repo: Repo, issue: Issue, review: Review) -> None:
    """Send the review's deliveries to the App installed on `repo`, if it has an active hook
    and subscribes to each event (a manifest App: the only kind with a hook URL)."""
    w = world()
    inst = w.installations.get(repo.installation_id or 0)
    app = w.manifest_apps.get(inst.app_id or 0) if inst else None
    if inst is None or app is None or inst.suspended_at is not None:
        return
    if not app.hook_url or not app.webhook_secret:
        return
    for event, payload in reviews.deliveries(site(), repo, issue, review, inst.id):
        if event in inst.events:
            backend().hookshot.send(app.hook_url, app.webhook_secret, event, payload)


def _drafts(raw: object) -> list[reviews.Draft]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(c, dict) for c in raw):
        raise refused(Refused(422, "Unprocessable Entity", "comments", "invalid"))
    return [
        reviews.Draft(field(c, "path", str), field(c, "line", int), field(c, "body", str))
        for c in raw
    ]


@route(bp, "POST", f"{PULL}/reviews", "pulls/create-review", permission=WRITE)
def create_review(owner: str, repo: str, pull_number: int) -> Response:
    found, body = current_repo(), json_body()
    issue, _ = pull_of(found, pull_number)
    event = field(body, "event", str, required=False) or "COMMENT"
    text = field(body, "body", str, required=False) or ""
    try:
        made = reviews.submit(
            world(), found, issue, acting_bot(), (event, text, _drafts(body.get("comments")))
        )
    except Refused as exc:
        raise refused(exc) from exc
    announce(found, issue, made)
    return respond(shapes_reviews.review(site(), found, made))


@route(
    bp,
    "GET",
    f"{PULL}/reviews/<int:review_id>/comments",
    "pulls/list-comments-for-review",
    permission=READ,
)
def list_review_comments(owner: str, repo: str, pull_number: int, review_id: int) -> Response:
    found = current_repo()
    pull_of(found, pull_number)
    review = found.reviews.get(review_id)
    if review is None or review.pull_number != pull_number:
        raise not_found()
    return respond_page(
        [
            shapes_reviews.review_comment(site(), found, c)
            for c in reviews.comments_of(found, review_id)
        ]
    )


def _comment(found: Repo, comment_id: int) -> ReviewComment:
    comment = found.review_comments.get(comment_id)
    if comment is None:
        raise not_found()
    return comment


@route(
    bp,
    "GET",
    "/repos/<owner>/<repo>/pulls/comments/<int:comment_id>",
    "pulls/get-review-comment",
    permission=READ,
)
def get_review_comment(owner: str, repo: str, comment_id: int) -> Response:
    found = current_repo()
    return respond(shapes_reviews.review_comment(site(), found, _comment(found, comment_id)))


@route(
    bp,
    "POST",
    f"{PULL}/comments/<int:comment_id>/replies",
    "pulls/create-reply-for-review-comment",
    permission=WRITE,
)
def create_reply(owner: str, repo: str, pull_number: int, comment_id: int) -> Response:
    found, body = current_repo(), json_body()
    issue, _ = pull_of(found, pull_number)
    to = _comment(found, comment_id)
    if to.pull_number != pull_number:
        raise not_found()
    made = reviews.reply(world(), found, to, acting_bot(), field(body, "body", str))
    announce(found, issue, found.reviews[made.review_id])
    return respond(shapes_reviews.review_comment(site(), found, made), 201)
