"""Pull request endpoints. A pull is an issue with a `Pull` attached (shared numbering).

See https://docs.github.com/en/rest/pulls
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from simulator import pull_events, pulls, shapes, shapes_git, shapes_issues
from simulator.api import ApiError, field, json_body, not_found, paginate, respond, respond_page
from simulator.merging import MergeRequest, merge
from simulator.pulls import Refused, refresh
from simulator.routing import acting_bot, backend, current_repo, route, site, world
from simulator.shapes import JSON, Site
from simulator.state import Issue, Pull, Repo

bp = Blueprint("pulls", __name__)
READ = ("pull_requests", "read")
WRITE = ("pull_requests", "write")


def _invalid(field_name: str, code: str = "invalid", message: str | None = None) -> ApiError:
    item = {"resource": "PullRequest", "field": field_name, "code": code}
    if message:
        item["message"] = message
    return ApiError(422, "Validation Failed", [item])


def _branch_sha(repo: Repo, ref: str, field_name: str) -> str:
    sha = repo.git.resolve(f"refs/heads/{ref}")
    if sha is None:
        raise _invalid(field_name)
    return sha


def refused(exc: Refused) -> ApiError:
    """GitHub's answer to a refused change (a 422 lists the offending field)."""
    if exc.field is None:
        return ApiError(exc.status, exc.message)
    return _invalid(exc.field, exc.code, exc.message if exc.code == "custom" else None)


def pull_of(repo: Repo, number: int) -> tuple[Issue, Pull]:
    issue = repo.issues.get(number)
    if issue is None or issue.pull is None:
        raise not_found()
    return issue, refresh(repo, issue)


def pull_json(at: Site, repo: Repo, issue: Issue, pull: Pull) -> JSON:
    """The full `pull-request` object, with stats from the merge base to the head."""
    base = repo.git.merge_base(pull.base_sha, pull.head_sha) or pull.base_sha
    changes = repo.git.diff(base, pull.head_sha)
    stats = {
        "commits": repo.git.count_commits(base, pull.head_sha),
        "additions": sum(c.additions for c in changes),
        "deletions": sum(c.deletions for c in changes),
        "changed_files": len(changes),
    }
    if pull.merged_at:  # GitHub computes mergeability in the background; merged: null
        return shapes_issues.pull_full(at, repo, issue, stats, mergeable=None, rebaseable=None)
    mergeable = repo.git.merge_tree(pull.base_sha, pull.head_sha) is not None
    # the simulator rebases by fast-forward only (see simulator/merging.py)
    rebaseable = mergeable and repo.git.is_ancestor(pull.base_sha, pull.head_sha)
    return shapes_issues.pull_full(
        at, repo, issue, stats, mergeable=mergeable, rebaseable=rebaseable
    )


def announce(repo: Repo, issue: Issue, action: str) -> None:
    """The signed `pull_request` `action` delivery (closed, reopened) for a change made through
    the REST API by the calling App's bot, as GitHub sends it to the installed App."""
    pull_events.announce(
        backend(),
        repo,
        action=action,
        by=acting_bot(),
        pull=lambda: pull_json(site(), repo, issue, refresh(repo, issue)),
    )


def _head_repo(repo: Repo, head: str) -> tuple[Repo, str]:
    """The repository and branch `head` ("branch" or "owner:branch") names."""
    owner, sep, branch = head.partition(":")
    if not sep or owner.lower() == repo.owner.login.lower():
        return repo, branch if sep else head
    fork = world().repo(owner, repo.name)
    if fork is None:
        raise _invalid("head")
    return fork, branch


@route(bp, "POST", "/repos/<owner>/<repo>/pulls", "pulls/create", permission=WRITE)
def create_pull(owner: str, repo: str) -> Response:
    body, found = json_body(), current_repo()
    source, head = _head_repo(found, field(body, "head", str))
    refs = (head, field(body, "base", str))
    text = (field(body, "title", str), field(body, "body", str, required=False))
    draft = bool(field(body, "draft", bool, required=False))
    modify = field(body, "maintainer_can_modify", bool, required=False) is not False
    try:
        issue = pulls.open_pull(world(), found, source, refs, text, user=acting_bot(),
                                draft=draft, maintainer_can_modify=modify)  # fmt: skip
    except Refused as exc:
        raise refused(exc) from exc
    return respond(pull_json(site(), found, issue, refresh(found, issue)), 201)


def _matches(repo: Repo, issue: Issue) -> bool:
    pull = issue.pull
    if pull is None:
        return False
    state = request.args.get("state", "open")
    head = request.args.get("head")
    base = request.args.get("base")
    return (
        state in ("all", issue.state)
        and (head is None or pulls.head_label(repo, pull).lower() == head.lower())
        and (base is None or pull.base_ref == base)
    )


@route(bp, "GET", "/repos/<owner>/<repo>/pulls", "pulls/list", permission=READ)
def list_pulls(owner: str, repo: str) -> Response:
    found = current_repo()
    picked = [i for i in found.issues.values() if _matches(found, i)]
    newest_first = request.args.get("direction", "desc") == "desc"
    key = "updated_at" if request.args.get("sort") == "updated" else "created_at"
    picked.sort(key=lambda i: (getattr(i, key), i.number), reverse=newest_first)
    for issue in picked:
        refresh(found, issue)
    return respond_page([shapes_issues.pull_simple(site(), found, i) for i in picked])


@route(bp, "GET", "/repos/<owner>/<repo>/pulls/<int:pull_number>", "pulls/get", permission=READ)
def get_pull(owner: str, repo: str, pull_number: int) -> Response:
    found = current_repo()
    issue, pull = pull_of(found, pull_number)
    return respond(pull_json(site(), found, issue, pull))


@route(
    bp, "PATCH", "/repos/<owner>/<repo>/pulls/<int:pull_number>", "pulls/update", permission=WRITE
)
def update_pull(owner: str, repo: str, pull_number: int) -> Response:
    found, body = current_repo(), json_body()
    issue, pull = pull_of(found, pull_number)
    issue.title = field(body, "title", str, required=False) or issue.title
    if "body" in body:
        issue.body = field(body, "body", str, required=False)
    state = field(body, "state", str, required=False)
    if state is not None:
        if state not in ("open", "closed") or (state == "open" and pull.merged_at):
            raise _invalid("state")  # a merged pull cannot be reopened
        changed = state != issue.state
        issue.state = state
        issue.closed_at = world().now() if state == "closed" else None
        issue.closed_by = acting_bot() if state == "closed" else None
    base = field(body, "base", str, required=False)
    if base is not None:
        pull.base_sha, pull.base_ref = _branch_sha(found, base, "base"), base
    if "maintainer_can_modify" in body:
        pull.maintainer_can_modify = bool(body["maintainer_can_modify"])
    issue.updated_at = world().now()
    if state is not None and changed:
        announce(found, issue, "closed" if state == "closed" else "reopened")
    return respond(pull_json(site(), found, issue, pull))


@route(
    bp,
    "POST",
    "/repos/<owner>/<repo>/pulls/<int:pull_number>/requested_reviewers",
    "pulls/request-reviewers",
    permission=WRITE,
)
def request_reviewers(owner: str, repo: str, pull_number: int) -> Response:
    found, body = current_repo(), json_body()
    issue, pull = pull_of(found, pull_number)
    logins = field(body, "reviewers", list, required=False) or []
    if field(body, "team_reviewers", list, required=False):
        raise ApiError(
            422, "Reviews may only be requested from collaborators. The simulator has no teams."
        )
    for login in logins:
        if str(login).lower() == issue.user.login.lower():
            raise ApiError(422, "Review cannot be requested from pull request author.")
        if not world().is_collaborator(found, str(login)):
            raise ApiError(
                422,
                "Reviews may only be requested from collaborators. One or more "
                "of the users or teams you specified is not a collaborator of "
                f"the {found.full_name} repository.",
            )
    known = {a.login.lower() for a in pull.requested_reviewers}
    pull.requested_reviewers += [
        world().account(str(x)) for x in logins if str(x).lower() not in known
    ]
    return respond(shapes_issues.pull_simple(site(), found, issue), 201)


@route(
    bp,
    "GET",
    "/repos/<owner>/<repo>/pulls/<int:pull_number>/requested_reviewers",
    "pulls/list-requested-reviewers",
    permission=READ,
)
def list_requested_reviewers(owner: str, repo: str, pull_number: int) -> Response:
    found = current_repo()
    _, pull = pull_of(found, pull_number)
    return respond(
        {"users": [shapes.user(site(), a) for a in pull.requested_reviewers], "teams": []}
    )


@route(
    bp,
    "GET",
    "/repos/<owner>/<repo>/pulls/<int:pull_number>/files",
    "pulls/list-files",
    permission=READ,
)
def list_files(owner: str, repo: str, pull_number: int) -> Response:
    found = current_repo()
    _, pull = pull_of(found, pull_number)
    base = found.git.merge_base(pull.base_sha, pull.head_sha) or pull.base_sha
    changes, headers = paginate(found.git.diff(base, pull.head_sha))
    return respond(
        [
            shapes_git.diff_entry(
                site(), found, c, pull.head_sha, found.git.patch(base, pull.head_sha, c)
            )
            for c in changes
        ],
        200,
        headers,
    )


@route(
    bp,
    "PUT",
    "/repos/<owner>/<repo>/pulls/<int:pull_number>/merge",
    "pulls/merge",
    permission=("contents", "write"),
)
def merge_pull(owner: str, repo: str, pull_number: int) -> Response:
    found, body = current_repo(), json_body()
    issue, _ = pull_of(found, pull_number)
    ask = MergeRequest(
        field(body, "merge_method", str, required=False) or "merge",
        field(body, "commit_title", str, required=False),
        field(body, "commit_message", str, required=False),
        field(body, "sha", str, required=False),
    )
    try:
        sha = merge(world(), found, issue, acting_bot(), ask)
    except Refused as exc:
        raise refused(exc) from exc
    announce(found, issue, "closed")  # `merged: true` in the delivery's pull request
    return respond({"sha": sha, "merged": True, "message": "Pull Request successfully merged"})


@route(
    bp,
    "GET",
    "/repos/<owner>/<repo>/pulls/<int:pull_number>/merge",
    "pulls/check-if-merged",
    permission=READ,
)
def check_merged(owner: str, repo: str, pull_number: int) -> Response:
    _, pull = pull_of(current_repo(), pull_number)
    if pull.merged_at is None:
        raise not_found()
    return respond(None, 204)
