"""Well-formed deliveries of every event the app handles (and a few it ignores), each shaped
from GitHub's own example (`@octokit/webhooks-examples`, fetched by `make fixtures`) to reach
one path of the receiver, with what the app must make of it unchanged: the outcome it records
and the task kind it creates, if any.

Without the fetched examples (a checkout that never ran `make fixtures`) each kind starts
from a small skeleton written here instead — the fields the app reads, in GitHub's shapes — so
the fuzzing that builds on these still runs."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.fakes.npm_fixtures import webhook_example

TRIGGER_LABEL = "morningai"  # the app's default MORNINGAI_TRIGGER_LABEL
OWNER, NAME = "octo-org", "octo-repo"
REPO_ID = 1_296_269
INSTALLATION = 5_150_001

Payload = dict[str, Any]


@dataclass(frozen=True)
class Kind:
    """One path through the receiver: GitHub's (event, action), shaped by `shape`."""

    name: str
    event: str
    action: str | None
    outcome: str  # what the app answers and records for the unchanged payload
    task: str | None  # the task kind it creates, if any
    shape: Callable[[Payload], None]


# -- skeletons for a checkout without GitHub's examples ---------------------------------------


def _user(login: str = "octocat", uid: int = 583_231, kind: str = "User") -> Payload:
    return {"login": login, "id": uid, "node_id": "MDQ6VXNlcjE=", "type": kind, "site_admin": False}


def _repository() -> Payload:
    return {
        "id": REPO_ID,
        "node_id": "MDEwOlJlcG9zaXRvcnkxMjk2MjY5",
        "name": NAME,
        "full_name": f"{OWNER}/{NAME}",
        "private": False,
        "owner": _user(OWNER, 6_811_672, "Organization"),
        "html_url": f"https://github.com/{OWNER}/{NAME}",
        "url": f"https://api.github.com/repos/{OWNER}/{NAME}",
        "default_branch": "main",
    }


def _issue() -> Payload:
    return {
        "id": 1_347,
        "number": 1_347,
        "title": "Found a bug",
        "body": "I'm having a problem with this.",
        "user": _user(),
        "labels": [],
        "state": "open",
        "locked": False,
        "comments": 0,
        "created_at": "2011-04-22T13:33:48Z",
        "updated_at": "2011-04-22T13:33:48Z",
    }


def _installation() -> Payload:
    return {
        "id": INSTALLATION,
        "account": _user(OWNER, 6_811_672, "Organization"),
        "repository_selection": "selected",
        "app_id": 1,
        "target_type": "Organization",
        "permissions": {"contents": "write", "issues": "write", "metadata": "read"},
        "events": ["issues", "issue_comment", "pull_request"],
    }


def _repo_entry(rid: int, name: str) -> Payload:
    return {
        "id": rid,
        "node_id": "MDEwOlJlcG9zaXRvcnkx",
        "name": name,
        "full_name": f"{OWNER}/{name}",
        "private": False,
    }


def _pull() -> Payload:
    return {
        "id": 279_147_437,
        "number": 2,
        "state": "closed",
        "locked": False,
        "title": "Update the README with new information.",
        "user": _user(),
        "merged": False,
        "merged_at": None,
        "closed_at": "2019-05-15T15:20:56Z",
        "merge_commit_sha": "c4295bd74fb0f4fda03689c3df3f2803b658fd85",
        "merged_by": None,
        "head": {"ref": "changes", "sha": "ec26c3e5", "repo": _repository()},
        "base": {"ref": "main", "sha": "f95f852b", "repo": _repository()},
    }


def _pull_extras(event: str) -> Payload:
    """What a `pull_request`, `pull_request_review` or `…_review_comment` adds to its pull."""
    if event == "pull_request":
        return {"number": 2}
    if event == "pull_request_review":
        return {"review": {"id": 237_895_671, "body": None, "state": "commented", "user": _user()}}
    comment = {"id": 284_312_630, "body": "Maybe you should use more emoji on this line."}
    comment.update(pull_request_review_id=237_895_671, path="README.md", user=_user())
    return {"comment": comment}


def _check(event: str) -> Payload:
    """A completed `check_suite` or `check_run`, listing the pull request whose head it is."""
    sha = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
    end = {"ref": "changes", "sha": sha, "repo": {"id": REPO_ID, "url": "u", "name": NAME}}
    pull = {"id": 279_147_437, "number": 2, "url": "u", "head": end, "base": {**end, "ref": "main"}}
    found: Payload = {"id": 118_578_147, "head_sha": sha, "status": "completed"}
    found.update(conclusion="success", pull_requests=[pull])
    if event == "check_run":
        found.update(name="build", check_suite={"id": 118_578_148, "status": "completed"})
    return found


def _skeleton(event: str, action: str | None) -> Payload:
    if event in ("check_suite", "check_run"):
        found = {event: _check(event), "repository": _repository(), "sender": _user()}
        return {**found, "action": action} if action is not None else found
    return _skeleton_other(event, action)


def _skeleton_other(event: str, action: str | None) -> Payload:
    base: Payload = {"sender": _user()}
    if action is not None:
        base["action"] = action
    if event in ("issues", "issue_comment"):
        base.update(issue=_issue(), repository=_repository())
        if event == "issues" and action == "labeled":
            base["label"] = {"id": 1_362_934_389, "name": "bug", "color": "d73a4a"}
        if event == "issue_comment":
            base["comment"] = {"id": 492_700_400, "body": "You are totally right!", "user": _user()}
    elif event.startswith("pull_request"):
        base.update(_pull_extras(event), pull_request=_pull(), repository=_repository())
    elif event in ("installation", "installation_repositories"):
        base["installation"] = _installation()
        if event == "installation":
            base["repositories"] = [_repo_entry(REPO_ID, NAME)]
        else:
            base.update(
                repository_selection="selected",
                repositories_removed=[],
                repositories_added=[_repo_entry(REPO_ID + 1, "second")],
            )
            if action == "removed":
                base["repositories_removed"] = base.pop("repositories_added")
                base["repositories_added"] = []
    elif event == "ping":
        base.update(zen="Design for failure.", hook_id=30, hook={"type": "App", "active": True})
    elif event in ("star", "push"):
        base["repository"] = _repository()
        if event == "push":
            base.update(ref="refs/heads/main", before="0" * 40, after="1" * 40, commits=[])
    return base


def template(event: str, action: str | None) -> Payload:
    """GitHub's example for (event, action), or the skeleton when none was fetched."""
    try:
        return webhook_example(event, action)
    except FileNotFoundError:
        return copy.deepcopy(_skeleton(event, action))


# -- shapes: each makes a template reach one path -------------------------------------------


def _for_app(payload: Payload) -> None:
    """Every App delivery names its installation; the people in it are users."""
    payload["installation"] = {"id": INSTALLATION, "node_id": "MDIzOkludGVncmF0aW9uNTE1MDAwMQ=="}
    payload["sender"] = {**payload.get("sender", {}), "type": "User"}
    if not payload["sender"].get("login"):
        payload["sender"]["login"] = "octocat"


def _open_issue(payload: Payload) -> None:
    _for_app(payload)
    payload["issue"].update(state="open", locked=False)
    payload["issue"].pop("pull_request", None)


def labeled(label: str) -> Callable[[Payload], None]:
    def shape(payload: Payload) -> None:
        _open_issue(payload)
        payload["label"] = {**payload.get("label", {}), "name": label}

    return shape


def opened_with_label(payload: Payload) -> None:
    _open_issue(payload)
    payload["issue"]["labels"] = [{"id": 1, "name": TRIGGER_LABEL, "color": "ededed"}]


def comment(body: str, *, on_pull: bool = False) -> Callable[[Payload], None]:
    def shape(payload: Payload) -> None:
        _open_issue(payload)
        payload["comment"] = {**payload.get("comment", {}), "body": body}
        if on_pull:
            number = payload["issue"]["number"]
            url = payload["repository"].get("html_url", "https://github.com/o/r")
            payload["issue"]["pull_request"] = {"url": f"{url}/pulls/{number}", "merged_at": None}

    return shape


def pull(action: str, *, merged: bool = False, ours: bool = False) -> Callable[[Payload], None]:
    def shape(payload: Payload) -> None:
        _for_app(payload)
        pr = payload["pull_request"]
        pr.update(state="closed" if action == "closed" else "open", merged=merged)
        pr["merged_at"] = "2019-05-15T15:20:33Z" if merged else None
        pr["closed_at"] = "2019-05-15T15:20:33Z" if action == "closed" else None
        pr["merged_by"] = dict(payload["sender"]) if merged else None
        head = pr.setdefault("head", {})
        head["ref"] = "morningai/issue-1" if ours else "feature"
        head["repo"] = {**payload["repository"]} if ours else {"id": 999, "full_name": "fork/r"}
        payload["number"] = pr["number"]

    return shape


def review(state: str, *, ours: bool = True) -> Callable[[Payload], None]:
    """A submitted review in `state` on an open pull request."""

    def shape(payload: Payload) -> None:
        pull("opened", ours=ours)(payload)
        payload.pop("number", None)
        payload["review"]["state"] = state

    return shape


def review_comment(*, lone: bool) -> Callable[[Payload], None]:
    """A review comment on one of MorningAI's open pull requests: alone, or one of a review."""

    def shape(payload: Payload) -> None:
        pull("opened", ours=True)(payload)
        payload.pop("number", None)
        if lone:
            payload["comment"]["pull_request_review_id"] = None

    return shape


def checks(event: str, conclusion: str, *, ours: bool = True) -> Callable[[Payload], None]:
    """A completed check suite or run (its suite completed too) on the head of a pull request:
    one of MorningAI's, or another branch's."""

    def shape(payload: Payload) -> None:
        _for_app(payload)
        found = payload[event]
        found["conclusion"] = conclusion
        if event == "check_run":
            found["check_suite"].update(status="completed", conclusion=conclusion)
        head = found["pull_requests"][0]["head"]
        head.update(ref="morningai/issue-1" if ours else "feature", sha=found["head_sha"])
        head["repo"]["id"] = payload["repository"]["id"]

    return shape


def installation_event(payload: Payload) -> None:
    payload["sender"] = {**payload.get("sender", {}), "type": "User"}
    payload["installation"]["id"] = INSTALLATION


def authorization(payload: Payload) -> None:
    """GitHub sends it to every App, naming no installation: the user is the sender."""
    payload.pop("installation", None)
    payload["sender"] = {**payload.get("sender", {}), "type": "User"}
    payload["sender"].setdefault("id", 583_231)


def untouched(payload: Payload) -> None:
    _for_app(payload)


def ping(payload: Payload) -> None:
    payload.pop("installation", None)


# Every handled path, and a few ignored ones; an unchanged payload of each gets `outcome`.
KINDS = (
    Kind("issues.labeled trigger", "issues", "labeled", "accepted", "code", labeled(TRIGGER_LABEL)),
    Kind("issues.labeled other", "issues", "labeled", "ignored", None, labeled("bug")),
    Kind("issues.opened trigger", "issues", "opened", "accepted", "code", opened_with_label),
    *(
        Kind(f"comment {verb}", "issue_comment", "created", "accepted", kind, comment(text))
        for verb, kind, text in (
            ("code", "code", "/morningai code keep the public API"),
            ("retry", "code", "/morningai retry"),
            ("stop", "stop", "/morningai stop"),
            ("faq", "faq_history", "/morningai faq"),
            ("ask", "ask", "/morningai ask How do I configure the retry limit?"),
        )
    ),
    *(
        Kind(
            f"PR comment {verb}",
            "issue_comment",
            "created",
            "accepted",
            kind,
            comment(t, on_pull=True),
        )
        for verb, kind, t in (
            ("revise", "revise", "/morningai revise rename the helper"),
            ("stop", "stop", "/morningai stop"),
            ("faq", "faq_pr", "/morningai faq"),
            ("ask", "ask", "/morningai ask --save why this way?"),
        )
    ),
    Kind("comment plain", "issue_comment", "created", "ignored", None, comment("Thanks!")),
    Kind(
        "comment ask empty", "issue_comment", "created", "ignored", None, comment("/morningai ask")
    ),
    Kind(
        "PR comment code",
        "issue_comment",
        "created",
        "ignored",
        None,
        comment("/morningai code", on_pull=True),
    ),
    Kind(
        "pull merged",
        "pull_request",
        "closed",
        "accepted",
        "faq_stale",
        pull("closed", merged=True),
    ),
    Kind(
        "pull ours merged",
        "pull_request",
        "closed",
        "accepted",
        "faq_stale",
        pull("closed", merged=True, ours=True),
    ),
    Kind("pull unmerged", "pull_request", "closed", "ignored", None, pull("closed")),
    Kind("pull ours closed", "pull_request", "closed", "ignored", None, pull("closed", ours=True)),
    Kind(
        "pull ours reopened",
        "pull_request",
        "reopened",
        "ignored",
        None,
        pull("reopened", ours=True),
    ),
    Kind(
        "review ours", "pull_request_review", "submitted", "accepted", "revise", review("commented")
    ),
    Kind(
        "review approved", "pull_request_review", "submitted", "ignored", None, review("approved")
    ),
    Kind(
        "review theirs",
        "pull_request_review",
        "submitted",
        "ignored",
        None,
        review("changes_requested", ours=False),
    ),
    Kind(
        "review comment lone",
        "pull_request_review_comment",
        "created",
        "accepted",
        "revise",
        review_comment(lone=True),
    ),
    Kind(
        "review comment of a review",
        "pull_request_review_comment",
        "created",
        "ignored",
        None,
        review_comment(lone=False),
    ),
    Kind(
        "check_suite failed ours",
        "check_suite",
        "completed",
        "accepted",
        "fix_checks",
        checks("check_suite", "failure"),
    ),
    Kind(
        "check_run failed ours",
        "check_run",
        "completed",
        "accepted",
        "fix_checks",
        checks("check_run", "timed_out"),
    ),
    Kind(
        "check_suite passed ours",
        "check_suite",
        "completed",
        "accepted",
        "checks_passed",
        checks("check_suite", "success"),
    ),
    Kind(
        "check_suite failed theirs",
        "check_suite",
        "completed",
        "ignored",
        None,
        checks("check_suite", "failure", ours=False),
    ),
    *(
        Kind(f"installation.{a}", "installation", a, "accepted", None, installation_event)
        for a in ("created", "deleted", "suspend", "unsuspend", "new_permissions_accepted")
    ),
    *(
        Kind(
            f"installation_repositories.{a}",
            "installation_repositories",
            a,
            "accepted",
            None,
            installation_event,
        )
        for a in ("added", "removed")
    ),
    Kind(
        "authorization revoked",
        "github_app_authorization",
        "revoked",
        "accepted",
        None,
        authorization,
    ),
    Kind("ping", "ping", None, "ignored", None, ping),
    Kind("star.created", "star", "created", "ignored", None, untouched),
    Kind("push", "push", None, "ignored", None, untouched),
    Kind("issues.edited", "issues", "edited", "ignored", None, untouched),
    Kind("issue_comment.edited", "issue_comment", "edited", "ignored", None, untouched),
    Kind("pull_request.opened", "pull_request", "opened", "ignored", None, untouched),
)


def build(kind: Kind) -> Payload:
    payload = template(kind.event, kind.action)
    kind.shape(payload)
    return payload
