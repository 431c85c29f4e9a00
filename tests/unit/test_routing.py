"""Routing GitHub's own webhook examples (from @octokit/webhooks-examples) to intents."""

from __future__ import annotations

import json
from typing import Any

import pytest

from github_app.events import Envelope, parse
from github_app.handlers.issues import LabelRequest
from github_app.intents import (
    Ignore,
    InstallationChanged,
    Reject,
    RepositoriesChanged,
    RequestTask,
)
from github_app.routing import route
from tests.fakes.npm_fixtures import webhook_example, webhook_examples

LABEL = "morningai"


def _env(event: str, payload: dict[str, Any]) -> Envelope:
    return parse("d-1", event, json.dumps(payload).encode())


def _labeled(label: str = LABEL) -> dict[str, Any]:
    payload = webhook_example("issues", "labeled")
    payload["label"]["name"] = label
    payload["issue"]["state"] = "open"
    payload["issue"]["locked"] = False
    payload["installation"] = {"id": 42, "node_id": "MDIz"}
    payload["sender"]["type"] = "User"
    return payload


def test_trigger_label_requests_code() -> None:
    payload = _labeled()
    intent = route(_env("issues", payload), trigger_label=LABEL)
    assert isinstance(intent, RequestTask)
    assert intent.kind == "code"
    assert intent.installation_id == 42
    assert intent.number == payload["issue"]["number"]
    assert intent.repository.full_name == payload["repository"]["full_name"]
    assert intent.requested_by == payload["sender"]["login"]


def test_any_label_is_handed_to_the_intake_which_decides() -> None:
    # the repository's own trigger label is known to the database only (0013): the intake
    # decides, against it or else the global label (tests/integration/test_trigger_label.py)
    intent = route(_env("issues", _labeled("bug")), trigger_label=LABEL)
    assert isinstance(intent, LabelRequest)
    assert (intent.labels, intent.global_label) == (("bug",), LABEL)
    assert intent.not_triggered == "label is not the trigger label"


def test_an_issue_opened_without_labels_is_ignored() -> None:
    payload = _labeled()
    payload["issue"]["labels"] = []
    intent = route(_env("issues", {**payload, "action": "opened"}), trigger_label=LABEL)
    assert intent == Ignore("opened without the trigger label")


def test_bots_never_trigger() -> None:
    payload = _labeled()
    payload["sender"]["type"] = "Bot"
    assert route(_env("issues", payload), trigger_label=LABEL) == Ignore("sender is a bot")


def test_closed_or_locked_issue_is_ignored() -> None:
    payload = _labeled()
    payload["issue"]["state"] = "closed"
    assert route(_env("issues", payload), trigger_label=LABEL) == Ignore("issue is closed")
    payload = _labeled()
    payload["issue"]["locked"] = True
    assert route(_env("issues", payload), trigger_label=LABEL) == Ignore("issue is locked")


def test_comment_command_requests_code() -> None:
    payload = webhook_example("issue_comment", "created")
    payload.pop("pull_request", None)
    payload["issue"].pop("pull_request", None)
    payload["issue"]["state"] = "open"
    payload["issue"]["locked"] = False
    payload["comment"]["body"] = "Could you?\n/morningai code keep it small"
    payload["installation"] = {"id": 7}
    payload["sender"]["type"] = "User"
    intent = route(_env("issue_comment", payload), trigger_label=LABEL)
    assert isinstance(intent, RequestTask)
    assert intent.instructions == "keep it small"
    assert intent.trigger == f"comment:{payload['comment']['id']}:code"


def test_edited_comment_never_counts() -> None:
    payload = webhook_example("issue_comment", "edited")
    payload["comment"]["body"] = "/morningai code"
    payload["sender"]["type"] = "User"
    assert route(_env("issue_comment", payload), trigger_label=LABEL) == Ignore(
        "issue_comment.edited is not handled"
    )


def test_every_installation_example_routes() -> None:
    for payload in webhook_examples("installation"):
        intent = route(_env("installation", payload), trigger_label=LABEL)
        assert isinstance(intent, InstallationChanged), payload["action"]
        assert intent.installation_id == payload["installation"]["id"]
    created = webhook_example("installation", "created")
    intent = route(_env("installation", created), trigger_label=LABEL)
    assert isinstance(intent, InstallationChanged)
    assert intent.status == "active"
    assert [r.full_name for r in intent.repositories] == [
        r["full_name"] for r in created["repositories"]
    ]
    suspend = route(
        _env("installation", webhook_example("installation", "suspend")), trigger_label=LABEL
    )
    assert isinstance(suspend, InstallationChanged)
    assert suspend.status == "suspended"


def test_installation_repositories_examples() -> None:
    for payload in webhook_examples("installation_repositories"):
        intent = route(_env("installation_repositories", payload), trigger_label=LABEL)
        assert isinstance(intent, RepositoriesChanged)
        assert len(intent.added) == len(payload["repositories_added"])
        assert len(intent.removed) == len(payload["repositories_removed"])


def test_unhandled_event_is_ignored() -> None:
    payload = webhook_example("star", "created")
    assert isinstance(route(_env("star", payload), trigger_label=LABEL), Ignore)


def test_installation_without_account_is_rejected() -> None:
    payload = webhook_example("installation", "created")
    del payload["installation"]["account"]
    assert isinstance(route(_env("installation", payload), trigger_label=LABEL), Reject)


def _comment(body: str, *, on_pull: bool, state: str = "open") -> dict[str, Any]:
    payload = webhook_example("issue_comment", "created")
    payload["issue"].pop("pull_request", None)
    if on_pull:
        payload["issue"]["pull_request"] = {"url": "https://api.github.com/repos/o/r/pulls/1"}
    payload["issue"].update(state=state, locked=False)
    payload["comment"]["body"] = body
    payload["installation"] = {"id": 7}
    payload["sender"]["type"] = "User"
    return payload


def test_verbs_by_where_they_are_said() -> None:
    revise = route(
        _env("issue_comment", _comment("/morningai revise shorter", on_pull=True)),
        trigger_label=LABEL,
    )
    assert isinstance(revise, RequestTask)
    assert (revise.kind, revise.instructions, revise.queue) == ("revise", "shorter", "default")
    code_on_pull = route(
        _env("issue_comment", _comment("/morningai code", on_pull=True)), trigger_label=LABEL
    )
    assert code_on_pull == Ignore("/morningai code is not available on pull requests")
    retry = route(
        _env("issue_comment", _comment("/morningai retry", on_pull=False)), trigger_label=LABEL
    )
    assert isinstance(retry, RequestTask)
    assert retry.kind == "code"
    stop = route(
        _env("issue_comment", _comment("/morningai stop", on_pull=False, state="closed")),
        trigger_label=LABEL,
    )
    assert isinstance(stop, RequestTask)
    assert (stop.kind, stop.queue) == ("stop", "high")
    unknown = route(
        _env("issue_comment", _comment("/morningai dance", on_pull=False)), trigger_label=LABEL
    )
    assert isinstance(unknown, Ignore)


@pytest.mark.parametrize(
    ("body", "on_pull", "state", "expected"),
    [
        ("/morningai faq", True, "open", ("faq_pr", "default", "")),
        ("/morningai faq", True, "closed", ("faq_pr", "default", "")),
        ("/morningai faq", False, "open", ("faq_history", "low", "")),
        (
            "/morningai ask What is the architecture?",
            False,
            "closed",
            ("ask", "default", "What is the architecture?"),
        ),
        (
            "/morningai ask --save How do I deploy?",
            True,
            "open",
            ("ask", "default", "--save How do I deploy?"),
        ),
    ],
)
def test_faq_and_ask_verbs(body: str, on_pull: bool, state: str, expected: tuple[str, ...]) -> None:
    intent = route(
        _env("issue_comment", _comment(body, on_pull=on_pull, state=state)), trigger_label=LABEL
    )
    assert isinstance(intent, RequestTask)
    assert (intent.kind, intent.queue, intent.instructions) == expected


def test_ask_needs_a_question() -> None:
    for body in ("/morningai ask", "/morningai ask --save"):
        intent = route(_env("issue_comment", _comment(body, on_pull=False)), trigger_label=LABEL)
        assert intent == Ignore("/morningai ask without a question")


def _closed_pull(*, merged: bool, sender_type: str = "User") -> dict[str, Any]:
    payload = webhook_example("pull_request", "closed")
    payload["pull_request"].update(merged=merged, merge_commit_sha="abc123")
    payload["pull_request"]["merged_by"] = {"login": "octocat"} if merged else None
    payload["installation"] = {"id": 7}
    payload["sender"]["type"] = sender_type
    return payload


def test_merged_pull_request_checks_faq_staleness_even_when_a_bot_merged() -> None:
    for sender_type in ("User", "Bot"):
        intent = route(
            _env("pull_request", _closed_pull(merged=True, sender_type=sender_type)),
            trigger_label=LABEL,
        )
        assert isinstance(intent, RequestTask)
        assert (intent.kind, intent.queue, intent.requested_by) == ("faq_stale", "low", "octocat")
        assert intent.trigger == "merged:abc123"


def test_closed_unmerged_and_other_pull_request_actions_are_ignored() -> None:
    closed = route(_env("pull_request", _closed_pull(merged=False)), trigger_label=LABEL)
    assert closed == Ignore("closed without merging")
    opened = route(
        _env("pull_request", webhook_example("pull_request", "opened")), trigger_label=LABEL
    )
    assert opened == Ignore("pull_request.opened is not handled")
