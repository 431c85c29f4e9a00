"""Pull request endpoints. A pull is an issue with a `Pull` attached (shared numbering).

See https://docs.github.com/en/rest/pulls
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from simulator import shapes, shapes_git, shapes_issues
from simulator.api import ApiError, field, json_body, not_found, paginate, respond, respond_page
from simulator.routing import current_repo, route, site, world
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


def refresh(repo: Repo, pull: Pull) -> Pull:
    """Follow the branches, as GitHub does when they move (deleted branches keep the sha)."""
    pull.head_sha = repo.git.resolve(f"refs/heads/{pull.head_ref}") or pull.head_sha
    pull.base_sha = repo.git.resolve(f"refs/heads/{pull.base_ref}") or pull.base_sha
    return pull


def pull_of(repo: Repo, number: int) -> tuple[Issue, Pull]:
    issue = repo.issues.get(number)
    if issue is None or issue.pull is None:
        raise not_found()
    return issue, refresh(repo, issue.pull)


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
    return shapes_issues.pull_full(at, repo, issue, stats)


def _head_ref(repo: Repo, head: str) -> str:
    owner, sep, branch = head.partition(":")
    if not sep:
        return head
    if owner.lower() != repo.owner.login.lower():
        raise _invalid("head")  # the simulator has no forks
    return branch


def _new_pull(repo: Repo, body: JSON) -> Pull:
    """The pull a create request describes, refused (422) where GitHub refuses it."""
    head = _head_ref(repo, field(body, "head", str))
    base = field(body, "base", str)
    head_sha, base_sha = _branch_sha(repo, head, "head"), _branch_sha(repo, base, "base")
    open_pairs = {(i.pull.head_ref, i.pull.base_ref) for i in repo.issues.values()
                  if i.pull and i.state == "open"}  # fmt: skip
    if (head, base) in open_pairs:
        message = f"A pull request already exists for {repo.owner.login}:{head}."
        raise _invalid("head", "custom", message)
    if repo.git.is_ancestor(head_sha, base_sha):
        raise _invalid("head", "custom", f"No commits between {base} and {head}")
    draft = bool(field(body, "draft", bool, required=False))
    modify = field(body, "maintainer_can_modify", bool, required=False) is not False
    return Pull(head, base, head_sha, base_sha, draft, modify)


@route(bp, "POST", "/repos/<owner>/<repo>/pulls", "pulls/create", permission=WRITE)
def create_pull(owner: str, repo: str) -> Response:
    body, found = json_body(), current_repo()
    pull = _new_pull(found, body)
    title = field(body, "title", str)
    text = field(body, "body", str, required=False)
    now = world().now()
    issue = Issue(found.next_number, world().next_id(), title, text, world().app.bot, now, now,
                  pull=pull)  # fmt: skip
    found.issues[issue.number] = issue
    found.next_number += 1
    return respond(pull_json(site(), found, issue, pull), 201)


def _matches(repo: Repo, issue: Issue) -> bool:
    pull = issue.pull
    if pull is None:
        return False
    state = request.args.get("state", "open")
    head = request.args.get("head")
    base = request.args.get("base")
    return (
        state in ("all", issue.state)
        and (head is None or f"{repo.owner.login}:{pull.head_ref}".lower() == head.lower())
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
        if issue.pull:
            refresh(found, issue.pull)
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
        if state not in ("open", "closed"):
            raise _invalid("state")
        issue.state = state
        issue.closed_at = world().now() if state == "closed" else None
    base = field(body, "base", str, required=False)
    if base is not None:
        pull.base_sha, pull.base_ref = _branch_sha(found, base, "base"), base
    if "maintainer_can_modify" in body:
        pull.maintainer_can_modify = bool(body["maintainer_can_modify"])
    issue.updated_at = world().now()
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
