"""Issue endpoints: issues, comments, reactions and labels.

See https://docs.github.com/en/rest/issues and https://docs.github.com/en/rest/reactions
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, request

from simulator import shapes_issues
from simulator.api import (
    choice_arg,
    field,
    json_body,
    respond,
    respond_page,
    time_arg,
    unprocessable,
)
from simulator.lookups import comment_of, issue_of
from simulator.routes_labels import ensure_label, label_names
from simulator.routes_pulls import announce
from simulator.routing import acting_bot, current_repo, route, site, world
from simulator.shapes import iso
from simulator.state import Comment, Issue, Reaction

bp = Blueprint("issues", __name__)
READ = ("issues", "read")
WRITE = ("issues", "write")


def _issue_filter() -> Callable[[Issue], bool]:
    """The query's filters (state, since, labels, creator, assignee) as one predicate."""
    state = choice_arg("state", ("open", "closed", "all"), "open")
    since = time_arg("since")
    labels = {n.strip().lower() for n in request.args.get("labels", "").split(",") if n.strip()}
    creator = request.args.get("creator", "").lower()
    assignee = request.args.get("assignee", "").lower()

    def assigned(issue: Issue) -> bool:
        logins = {a.login.lower() for a in issue.assignees}
        return {"": True, "*": bool(logins), "none": not logins}.get(assignee, assignee in logins)

    return lambda issue: (
        state in ("all", issue.state)
        and (since is None or issue.updated_at >= since)
        and labels <= {n.lower() for n in issue.labels}
        and creator in ("", issue.user.login.lower())
        and assigned(issue)
    )


@route(bp, "GET", "/repos/<owner>/<repo>/issues", "issues/list-for-repo", permission=READ)
def list_issues(owner: str, repo: str) -> Response:
    """Issues and pull requests alike, as GitHub lists them (a pull has `pull_request`)."""
    found = current_repo()
    sort = choice_arg("sort", ("created", "updated", "comments"), "created")
    newest_first = choice_arg("direction", ("asc", "desc"), "desc") == "desc"
    picked = list(filter(_issue_filter(), found.issues.values()))
    comments = Counter(c.issue_number for c in found.comments.values())
    keys: dict[str, Callable[[Issue], tuple[Any, int]]] = {
        "created": lambda i: (i.created_at, i.number),
        "updated": lambda i: (i.updated_at, i.number),
        "comments": lambda i: (comments[i.number], i.number),
    }
    picked.sort(key=keys[sort], reverse=newest_first)
    return respond_page([shapes_issues.issue(site(), found, i) for i in picked])


@route(bp, "GET", "/repos/<owner>/<repo>/issues/<int:issue_number>", "issues/get", permission=READ)
def get_issue(owner: str, repo: str, issue_number: int) -> Response:
    found = current_repo()
    return respond(shapes_issues.issue(site(), found, issue_of(found, issue_number)))


@route(
    bp,
    "PATCH",
    "/repos/<owner>/<repo>/issues/<int:issue_number>",
    "issues/update",
    permission=WRITE,
)
def update_issue(owner: str, repo: str, issue_number: int) -> Response:
    found, body = current_repo(), json_body()
    issue = issue_of(found, issue_number)
    issue.title = field(body, "title", str, required=False) or issue.title
    if "body" in body:
        issue.body = field(body, "body", str, required=False)
    state = field(body, "state", str, required=False)
    if state is not None:
        if state not in ("open", "closed"):
            raise unprocessable(
                "Validation Failed", [{"resource": "Issue", "field": "state", "code": "invalid"}]
            )
        changed = state != issue.state
        issue.state = state
        issue.closed_at = world().now() if state == "closed" else None
        issue.closed_by = acting_bot() if state == "closed" else None
        issue.state_reason = field(body, "state_reason", str, required=False) or (
            "completed" if state == "closed" else "reopened"
        )
    if "labels" in body:
        issue.labels = [ensure_label(found, name).name for name in label_names(body["labels"])]
    issue.updated_at = world().now()
    if issue.pull is not None and state is not None and changed:
        # closing or reopening a pull request through the issues API: GitHub sends the
        # `pull_request` event, as for the pulls API
        announce(found, issue, "closed" if state == "closed" else "reopened")
    return respond(shapes_issues.issue(site(), found, issue))


@route(
    bp,
    "GET",
    "/repos/<owner>/<repo>/issues/<int:issue_number>/comments",
    "issues/list-comments",
    permission=READ,
)
def list_comments(owner: str, repo: str, issue_number: int) -> Response:
    found = current_repo()
    issue_of(found, issue_number)
    since = request.args.get("since")
    picked = [
        c
        for c in found.comments.values()
        if c.issue_number == issue_number and (since is None or (iso(c.updated_at) or "") >= since)
    ]
    return respond_page([shapes_issues.comment(site(), found, c) for c in picked])


@route(
    bp,
    "POST",
    "/repos/<owner>/<repo>/issues/<int:issue_number>/comments",
    "issues/create-comment",
    permission=WRITE,
)
def create_comment(owner: str, repo: str, issue_number: int) -> Response:
    found = current_repo()
    issue = issue_of(found, issue_number)
    text = field(json_body(), "body", str)
    now = world().now()
    comment = Comment(world().next_id(), issue.number, text, acting_bot(), now, now)
    found.comments[comment.id] = comment
    issue.updated_at = now
    shaped = shapes_issues.comment(site(), found, comment)
    return respond(shaped, 201, {"Location": shaped["url"]})


@route(
    bp,
    "GET",
    "/repos/<owner>/<repo>/issues/comments/<int:comment_id>",
    "issues/get-comment",
    permission=READ,
)
def get_comment(owner: str, repo: str, comment_id: int) -> Response:
    found = current_repo()
    return respond(shapes_issues.comment(site(), found, comment_of(found, comment_id)))


@route(
    bp,
    "PATCH",
    "/repos/<owner>/<repo>/issues/comments/<int:comment_id>",
    "issues/update-comment",
    permission=WRITE,
)
def update_comment(owner: str, repo: str, comment_id: int) -> Response:
    found = current_repo()
    comment = comment_of(found, comment_id)
    text = field(json_body(), "body", str)
    comment.history.append(comment.body)
    comment.body, comment.updated_at = text, world().now()
    return respond(shapes_issues.comment(site(), found, comment))


@route(
    bp,
    "DELETE",
    "/repos/<owner>/<repo>/issues/comments/<int:comment_id>",
    "issues/delete-comment",
    permission=WRITE,
)
def delete_comment(owner: str, repo: str, comment_id: int) -> Response:
    found = current_repo()
    del found.comments[comment_of(found, comment_id).id]
    return respond(None, 204)


def _react(reactions: list[Reaction]) -> Response:
    content = field(json_body(), "content", str)
    if content not in shapes_issues.REACTIONS:
        raise unprocessable(
            "Validation Failed", [{"resource": "Reaction", "field": "content", "code": "invalid"}]
        )
    bot = acting_bot()
    for existing in reactions:
        if existing.content == content and existing.user.id == bot.id:
            return respond(shapes_issues.reaction(site(), existing), 200)
    created = Reaction(world().next_id(), content, bot, world().now())
    reactions.append(created)
    return respond(shapes_issues.reaction(site(), created), 201)


def _list_reactions(reactions: list[Reaction]) -> Response:
    content = request.args.get("content")
    return respond_page(
        [
            shapes_issues.reaction(site(), r)
            for r in reactions
            if content is None or r.content == content
        ]
    )


@route(
    bp,
    "POST",
    "/repos/<owner>/<repo>/issues/<int:issue_number>/reactions",
    "reactions/create-for-issue",
    permission=WRITE,
)
def react_to_issue(owner: str, repo: str, issue_number: int) -> Response:
    return _react(issue_of(current_repo(), issue_number).reactions)


@route(
    bp,
    "GET",
    "/repos/<owner>/<repo>/issues/<int:issue_number>/reactions",
    "reactions/list-for-issue",
    permission=READ,
)
def list_issue_reactions(owner: str, repo: str, issue_number: int) -> Response:
    return _list_reactions(issue_of(current_repo(), issue_number).reactions)


@route(
    bp,
    "POST",
    "/repos/<owner>/<repo>/issues/comments/<int:comment_id>/reactions",
    "reactions/create-for-issue-comment",
    permission=WRITE,
)
def react_to_comment(owner: str, repo: str, comment_id: int) -> Response:
    return _react(comment_of(current_repo(), comment_id).reactions)


@route(
    bp,
    "GET",
    "/repos/<owner>/<repo>/issues/comments/<int:comment_id>/reactions",
    "reactions/list-for-issue-comment",
    permission=READ,
)
def list_comment_reactions(owner: str, repo: str, comment_id: int) -> Response:
    return _list_reactions(comment_of(current_repo(), comment_id).reactions)
