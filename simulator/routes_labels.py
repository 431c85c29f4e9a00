"""Label endpoints: a repo's labels and the labels on an issue or pull request.

See https://docs.github.com/en/rest/issues/labels
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from simulator import shapes_issues
from simulator.api import ApiError, json_value, respond, respond_page, unprocessable
from simulator.lookups import issue_of
from simulator.routing import current_repo, route, site, world
from simulator.state import Label, Repo

bp = Blueprint("labels", __name__)
READ = ("issues", "read")
WRITE = ("issues", "write")
DEFAULT_LABEL_COLOR = "ededed"


def label_names(raw: Any) -> list[str]:
    """Label names from any of the body shapes GitHub accepts for add/set labels."""
    items = raw.get("labels") if isinstance(raw, dict) else raw
    items = [items] if isinstance(items, str) else items
    if not isinstance(items, list) or not items:
        raise unprocessable('Invalid request.\n\n"labels" wasn\'t supplied.')
    names = [i.get("name") if isinstance(i, dict) else i for i in items]
    if not all(isinstance(n, str) and n for n in names):
        raise unprocessable(
            "Validation Failed", [{"resource": "Label", "field": "name", "code": "invalid"}]
        )
    return [str(n) for n in names]


def ensure_label(repo: Repo, name: str) -> Label:
    """GitHub creates a label on first use when adding labels to an issue."""
    key = name.lower()
    if key not in repo.labels:
        repo.labels[key] = Label(world().next_id(), name, DEFAULT_LABEL_COLOR, None)
    return repo.labels[key]


@route(
    bp,
    "POST",
    "/repos/<owner>/<repo>/issues/<int:issue_number>/labels",
    "issues/add-labels",
    permission=WRITE,
)
def add_labels(owner: str, repo: str, issue_number: int) -> Response:
    found = current_repo()
    issue = issue_of(found, issue_number)
    have = {n.lower() for n in issue.labels}
    for name in label_names(json_value()):
        label = ensure_label(found, name)
        if label.name.lower() not in have:
            issue.labels.append(label.name)
            have.add(label.name.lower())
    issue.updated_at = world().now()
    return respond(
        [shapes_issues.label(site(), found, found.labels[n.lower()]) for n in issue.labels]
    )


@route(
    bp,
    "GET",
    "/repos/<owner>/<repo>/issues/<int:issue_number>/labels",
    "issues/list-labels-on-issue",
    permission=READ,
)
def list_issue_labels(owner: str, repo: str, issue_number: int) -> Response:
    found = current_repo()
    issue = issue_of(found, issue_number)
    return respond_page(
        [shapes_issues.label(site(), found, found.labels[n.lower()]) for n in issue.labels]
    )


@route(
    bp,
    "DELETE",
    "/repos/<owner>/<repo>/issues/<int:issue_number>/labels/<path:name>",
    "issues/remove-label",
    permission=WRITE,
)
def remove_label(owner: str, repo: str, issue_number: int, name: str) -> Response:
    found = current_repo()
    issue = issue_of(found, issue_number)
    if name.lower() not in {n.lower() for n in issue.labels}:
        raise ApiError(404, "Label does not exist")
    issue.labels = [n for n in issue.labels if n.lower() != name.lower()]
    return respond(
        [shapes_issues.label(site(), found, found.labels[n.lower()]) for n in issue.labels]
    )


@route(bp, "GET", "/repos/<owner>/<repo>/labels", "issues/list-labels-for-repo", permission=READ)
def list_labels(owner: str, repo: str) -> Response:
    found = current_repo()
    return respond_page(
        [shapes_issues.label(site(), found, label) for label in found.labels.values()]
    )
