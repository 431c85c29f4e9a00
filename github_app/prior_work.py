"""Is a person already working on an issue? GitHub's closing keywords and the decision — pure.

A person's work is an open pull request that links the issue — a closing keyword in its title
or body, or a cross-reference on the issue's timeline — or a branch whose name carries the
issue's number with a commit by one of the issue's assignees within RECENT_DAYS. MorningAI's own
pull requests (branch `morningai/…` in the repository itself) are not a person's work.
https://docs.github.com/en/issues/tracking-your-work-with-issues/using-issues/linking-a-pull-request-to-an-issue
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Set
from dataclasses import dataclass

RECENT_DAYS = 14  # "recently": a commit by an assignee on the branch within this many days
OWN_BRANCH_PREFIX = "morningai/"

# close, closes, closed, fix, fixes, fixed, resolve, resolves, resolved — any case, an optional
# colon — then `#N`, `owner/repo#N` or the issue's URL
_CLOSING = re.compile(
    r"(?<![\w/-])(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)(?:\s*:\s*|\s+)"
    r"(?:https?://[^\s/]+/(?P<url_repo>[\w.-]+/[\w.-]+)/issues/|(?P<repo>[\w.-]+/[\w.-]+)?#)"
    r"(?P<number>\d+)(?![\w-])",
    re.IGNORECASE,
)
_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")
_BRANCH = re.compile(r"^[\w./-]{1,100}$")


@dataclass(frozen=True)
class OpenPull:
    """An open pull request of the repository, as its listing shows it."""

    number: int
    url: str
    author: str
    head_ref: str
    same_repo: bool  # its head branch lives in this repository (not a fork)
    title: str
    body: str


@dataclass(frozen=True)
class AssigneeBranch:
    """A branch naming the issue, with a recent commit by an assignee."""

    name: str
    assignee: str
    commit_url: str


@dataclass(frozen=True)
class PriorWork:
    """Someone's work on the issue, in words safe to publish: logins, numbers and links."""

    who: str
    what: str
    url: str


def closing_references(text: str, repository: str) -> frozenset[int]:
    """The issue numbers of `repository` (owner/name) that `text` closes with a keyword."""
    found: set[int] = set()
    for match in _CLOSING.finditer(text):
        named = match.group("url_repo") or match.group("repo")
        if named is None or named.lower() == repository.lower():
            found.add(int(match.group("number")))
    return frozenset(found)


def is_own(pull: OpenPull) -> bool:
    """MorningAI's own pull request: a `morningai/…` branch of this repository."""
    return pull.same_repo and pull.head_ref.startswith(OWN_BRANCH_PREFIX)


def names_issue(branch: str, number: int) -> bool:
    """The branch's name carries the issue's number as a whole number (`fix-42`, `42/login`)."""
    if branch.startswith(OWN_BRANCH_PREFIX):
        return False
    return re.search(rf"(?<!\d){number}(?!\d)", branch) is not None


def linking_pulls(
    number: int, repository: str, pulls: Iterable[OpenPull], cross_referenced: Set[int]
) -> list[OpenPull]:
    """Open pull requests by people that close the issue by keyword or cross-reference it."""
    return [
        pull
        for pull in pulls
        if not is_own(pull)
        and pull.number != number
        and (
            pull.number in cross_referenced
            or number in closing_references(f"{pull.title}\n{pull.body}", repository)
        )
    ]


def _login(login: str) -> str:
    return f"@{login}" if _LOGIN.match(login) else "someone"


def prior_work(pulls: Iterable[OpenPull], branches: Iterable[AssigneeBranch]) -> list[PriorWork]:
    """What to tell the person who asked, pull requests first."""
    found = [
        PriorWork(_login(p.author), f"pull request #{p.number}", p.url)
        for p in sorted(pulls, key=lambda p: p.number)
    ]
    for branch in branches:
        name = f"branch `{branch.name}`" if _BRANCH.match(branch.name) else "a branch"
        found.append(PriorWork(_login(branch.assignee), name, branch.commit_url))
    return found


def explain(found: list[PriorWork]) -> str:
    """One sentence for the status comment: who, what and the link, and how to go ahead."""
    items = "; ".join(f"{w.who} in {w.what} ({w.url})" for w in found)
    return (
        f"not started: someone is already working on this issue — {items}. "
        "To have MorningAI work on it anyway, comment `/morningai code --anyway`"
    )
