"""Prior work on an issue (#13): closing keywords, what counts as a person's work, the words
the status comment uses, and `--anyway` from the command to the task's subject — pure."""

from __future__ import annotations

import json
from typing import Any

import pytest

from core.subject import TaskSubject
from github_app.commands import leading_flags
from github_app.events import parse
from github_app.intents import RequestTask
from github_app.prior_work import (
    AssigneeBranch,
    OpenPull,
    closing_references,
    explain,
    is_own,
    linking_pulls,
    names_issue,
    prior_work,
)
from github_app.routing import route
from tests.fakes.npm_fixtures import webhook_example

REPO = "acme/app"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Fixes #12", {12}),
        ("fixes #12", {12}),
        ("CLOSES #12", {12}),
        ("This resolved #12 and closed #13.", {12, 13}),
        ("Fix: #12", {12}),
        ("fixed acme/app#12", {12}),
        ("Resolves ACME/App#12", {12}),
        ("closes https://github.com/acme/app/issues/12", {12}),
        ("resolve #7\nresolves #8", {7, 8}),
    ],
)
def test_closing_keywords(text: str, expected: set[int]) -> None:
    assert closing_references(text, REPO) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Related to #12",  # a mention is not a keyword (the timeline finds those)
        "fixes other/app#12",  # another repository's issue
        "closes https://github.com/other/app/issues/12",
        "prefixes #12",  # part of another word
        "bugfixes #12",
        "fixing #12",  # not one of GitHub's keywords
        "fixes #12abc",
        "fixes 12",
    ],
)
def test_what_does_not_close(text: str) -> None:
    assert closing_references(text, REPO) == frozenset()


def _pull(
    number: int, body: str = "", *, head: str = "fix", same_repo: bool = True, author: str = "bob"
) -> OpenPull:
    return OpenPull(number, f"https://github.com/{REPO}/pull/{number}", author, head, same_repo,
                    "A title", body)  # fmt: skip


def test_linking_pulls_by_keyword_or_cross_reference_but_never_morningais_own() -> None:
    pulls = [
        _pull(20, "Fixes #12"),
        _pull(21, "Mentions #12 only"),
        _pull(22, "Mentions #12 only"),  # cross-referenced on the timeline
        _pull(23, "Fixes #12", head="morningai/issue-12"),  # MorningAI's own
        _pull(24, "Fixes #12", head="morningai/issue-12", same_repo=False),  # a fork's: a person
        _pull(25, "Fixes #99"),
    ]
    found = linking_pulls(12, REPO, pulls, cross_referenced={22, 23})
    assert [p.number for p in found] == [20, 22, 24]
    assert is_own(pulls[3])
    assert not is_own(pulls[4])


@pytest.mark.parametrize(
    ("branch", "expected"),
    [
        ("fix-12", True),
        ("12-login", True),
        ("bob/issue-12/greeting", True),
        ("fix-123", False),
        ("fix-112", False),
        ("release", False),
        ("morningai/issue-12", False),
    ],
)
def test_branch_names_the_issue(branch: str, expected: bool) -> None:
    assert names_issue(branch, 12) is expected


def test_what_the_comment_says_is_links_logins_and_numbers_only() -> None:
    found = prior_work(
        [_pull(20, "Fixes #12 <script>", author="bob")],
        [
            AssigneeBranch("fix-12", "carol", "https://github.com/acme/app/commit/abc"),
            AssigneeBranch(
                "x`<img src=y>`12", "evil login!", "https://github.com/acme/app/commit/d"
            ),
        ],
    )
    text = explain(found)
    assert "@bob in pull request #20 (https://github.com/acme/app/pull/20)" in text
    assert "@carol in branch `fix-12` (https://github.com/acme/app/commit/abc)" in text
    assert "someone in a branch (https://github.com/acme/app/commit/d)" in text
    assert "<" not in text
    assert "script" not in text
    assert "evil" not in text
    assert "/morningai code --anyway" in text


@pytest.mark.parametrize(
    ("argument", "flags", "rest"),
    [
        ("--anyway", {"--anyway"}, ""),
        ("--ANYWAY  be brief", {"--anyway"}, "be brief"),
        ("be brief --anyway", set(), "be brief --anyway"),  # only leading flags count
        ("--save what?", set(), "--save what?"),  # not a flag of this verb
        ("", set(), ""),
    ],
)
def test_leading_flags(argument: str, flags: set[str], rest: str) -> None:
    assert leading_flags(argument, frozenset({"--anyway"})) == (frozenset(flags), rest)


def _comment(body: str) -> dict[str, Any]:
    payload = webhook_example("issue_comment", "created")
    payload["issue"].pop("pull_request", None)
    payload["issue"].update(state="open", locked=False)
    payload["comment"]["body"] = body
    payload["installation"] = {"id": 7}
    payload["sender"]["type"] = "User"
    return payload


def _intent(event: str, payload: dict[str, Any]) -> RequestTask:
    intent = route(parse("d-1", event, json.dumps(payload).encode()), trigger_label="morningai")
    assert isinstance(intent, RequestTask)
    return intent


def test_anyway_reaches_the_task_subject_and_leaves_the_instructions() -> None:
    intent = _intent("issue_comment", _comment("/morningai code --anyway be brief"))
    assert (intent.kind, intent.anyway, intent.instructions) == ("code", True, "be brief")
    subject = intent.subject()
    assert subject.anyway
    assert TaskSubject.decode(subject.encode()) == subject
    plain = _intent("issue_comment", _comment("/morningai code be brief"))
    assert not plain.anyway
    assert "anyway" not in plain.subject().encode()  # stored subjects stay as they were
    # another verb keeps its argument whole
    asked = _intent("issue_comment", _comment("/morningai ask --anyway why?"))
    assert (asked.anyway, asked.instructions) == (False, "--anyway why?")


def test_the_label_never_carries_anyway() -> None:
    payload = webhook_example("issues", "labeled")
    payload["label"]["name"] = "morningai"
    payload["issue"].update(state="open", locked=False)
    payload["installation"] = {"id": 42}
    payload["sender"]["type"] = "User"
    assert _intent("issues", payload).anyway is False
