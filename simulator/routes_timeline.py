"""What people did around an issue: its timeline (cross-references only), the repository's
branches, and its commits filtered by author and time.

An issue or pull request whose body or comment mentions `#N`, `owner/repo#N` or the issue's URL
cross-references issue N, as on GitHub; the simulator derives those events from the
repository's own issues and comments when asked (mentions from other repositories are not
followed). A commit's author is matched to a login by its `<id>+<login>@users.noreply…` e-mail,
which is how the simulator's pushes sign.

https://docs.github.com/en/rest/issues/timeline · https://docs.github.com/en/rest/branches ·
https://docs.github.com/en/rest/commits/commits#list-commits
"""

from __future__ import annotations

import re
from datetime import datetime

from flask import Blueprint, Response, request

from simulator import shapes, shapes_git, shapes_issues
from simulator.api import ApiError, respond_page, time_arg
from simulator.lookups import issue_of
from simulator.routing import current_repo, route, site, world
from simulator.shapes import JSON, iso
from simulator.state import Account, Issue, Repo

bp = Blueprint("timeline", __name__)
_MENTION = re.compile(r"(?<![\w&/])(?:(?P<repo>[\w.-]+/[\w.-]+))?#(?P<number>\d+)(?!\w)")
_URL = re.compile(r"/(?P<repo>[\w.-]+/[\w.-]+)/(?:issues|pull)/(?P<number>\d+)(?!\w)")


def mentions(text: str | None, repo: Repo, number: int) -> bool:
    """Whether `text` mentions issue `number` of `repo`."""
    for pattern in (_MENTION, _URL):
        for match in pattern.finditer(text or ""):
            named = match.group("repo")
            same = named is None or named.lower() == repo.full_name.lower()
            if same and int(match.group("number")) == number:
                return True
    return False


def _first_mention(repo: Repo, source: Issue, number: int) -> tuple[datetime, Account] | None:
    """When and by whom `source` (its body, then its comments) first mentioned `number`."""
    if mentions(source.body, repo, number):
        return source.created_at, source.user
    said = [
        c
        for c in repo.comments.values()
        if c.issue_number == source.number and mentions(c.body, repo, number)
    ]
    first = min(said, key=lambda c: c.created_at, default=None)
    return (first.created_at, first.user) if first else None


def cross_references(repo: Repo, issue: Issue) -> list[JSON]:
    """The issue's `cross-referenced` timeline events, oldest first."""
    events: list[tuple[datetime, int, JSON]] = []
    for source in repo.issues.values():
        found = _first_mention(repo, source, issue.number) if source is not issue else None
        if found is None:
            continue
        when, actor = found
        event = {
            "event": "cross-referenced",
            "actor": shapes.user(site(), actor),
            "created_at": iso(when),
            "updated_at": iso(when),
            "source": {"type": "issue", "issue": shapes_issues.issue(site(), repo, source)},
        }
        events.append((when, source.number, event))
    return [event for _, _, event in sorted(events, key=lambda e: (e[0], e[1]))]


@route(
    bp,
    "GET",
    "/repos/<owner>/<repo>/issues/<int:issue_number>/timeline",
    "issues/list-events-for-timeline",
    permission=("issues", "read"),
)
def list_timeline(owner: str, repo: str, issue_number: int) -> Response:
    found = current_repo()
    return respond_page(cross_references(found, issue_of(found, issue_number)))


@route(
    bp,
    "GET",
    "/repos/<owner>/<repo>/branches",
    "repos/list-branches",
    permission=("contents", "read"),
)
def list_branches(owner: str, repo: str) -> Response:
    found = current_repo()
    api = f"{site().api}/repos/{found.full_name}"
    heads = [(n.removeprefix("refs/heads/"), sha) for n, sha, _ in found.git.refs()
             if n.startswith("refs/heads/")]  # fmt: skip
    return respond_page(
        [
            {
                "name": name,
                "commit": {"sha": sha, "url": f"{api}/commits/{sha}"},
                "protected": False,
            }
            for name, sha in heads
        ]
    )


def _by(login: str, email: str) -> bool:
    account = world().accounts.get(login.lower())
    return (
        account is not None
        and email.lower() == f"{account.id}+{login}@users.noreply.github.com".lower()
    )


@route(
    bp,
    "GET",
    "/repos/<owner>/<repo>/commits",
    "repos/list-commits",
    permission=("contents", "read"),
)
def list_commits(owner: str, repo: str) -> Response:
    """Newest first from `sha` (default: the default branch), filtered by author and time."""
    found = current_repo()
    start = found.git.resolve_commit(request.args.get("sha") or found.default_branch)
    if start is None:
        raise ApiError(404, "No commit found for SHA: " + (request.args.get("sha") or ""))
    author, since, until = request.args.get("author"), time_arg("since"), time_arg("until")
    shas = found.git.run("rev-list", start).decode().split()
    picked = []
    for info in map(found.git.read_commit, shas):
        when = info.author.date
        if (author is None or _by(author, info.author.email)) and (
            (since is None or when >= since) and (until is None or when <= until)
        ):
            picked.append(shapes_git.commit(site(), found, info))
    return respond_page(picked)
