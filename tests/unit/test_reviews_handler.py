"""`pull_request_review` and `pull_request_review_comment` deliveries (GitHub's own examples)
to intents: one revise task per review of MorningAI's pull request — pure, no I/O."""

from __future__ import annotations

import json
from typing import Any

import pytest

from github_app.events import parse
from github_app.intents import Ignore, Reject, RequestTask
from github_app.routing import HANDLED_EVENTS, route
from tests.fakes.npm_fixtures import webhook_example


def _ours(payload: dict[str, Any], *, head_ref: str, fork: bool) -> dict[str, Any]:
    pull = payload["pull_request"]
    pull["head"]["ref"] = head_ref
    pull["head"]["repo"] = dict(payload["repository"])
    if fork:
        pull["head"]["repo"].update(id=payload["repository"]["id"] + 1, full_name="someone/fork")
    pull["state"] = "open"
    payload["installation"] = {"id": 7}
    payload["sender"].update(login="alice", type="User")
    return payload


def review(
    state: str = "changes_requested",
    *,
    head_ref: str = "morningai/issue-1",
    fork: bool = False,
    action: str = "submitted",
) -> dict[str, Any]:
    payload = webhook_example("pull_request_review", "submitted")
    payload["action"] = action
    payload["review"].update(state=state, body="Please rename it.")
    return _ours(payload, head_ref=head_ref, fork=fork)


def review_comment(*, review_id: int | None, head_ref: str = "morningai/issue-1") -> dict[str, Any]:
    payload = webhook_example("pull_request_review_comment", "created")
    payload["comment"].update(pull_request_review_id=review_id, body="Use a constant here.")
    return _ours(payload, head_ref=head_ref, fork=False)


def routed(event: str, payload: dict[str, Any]) -> object:
    return route(parse("d-1", event, json.dumps(payload).encode()), trigger_label="x")


@pytest.mark.parametrize("state", ["changes_requested", "commented", "CHANGES_REQUESTED"])
def test_a_review_asking_for_changes_starts_one_revise_task(state: str) -> None:
    payload = review(state)
    intent = routed("pull_request_review", payload)
    assert isinstance(intent, RequestTask)
    assert intent.repository.github_id == payload["repository"]["id"]
    assert (intent.kind, intent.installation_id, intent.requested_by) == ("revise", 7, "alice")
    assert intent.number == payload["pull_request"]["number"]
    assert intent.trigger == f"review:{payload['review']['id']}"
    assert intent.instructions == "Please rename it."


def test_an_approval_starts_nothing() -> None:
    assert routed("pull_request_review", review("approved")) == Ignore(
        "a approved review asks for nothing"
    )


def test_edited_and_dismissed_reviews_start_nothing() -> None:
    intent = routed("pull_request_review", review(action="dismissed"))
    assert intent == Ignore("pull_request_review.dismissed is not handled")


@pytest.mark.parametrize(
    ("login", "kind"), [("morningai[bot]", "Bot"), ("renovate[bot]", "User"), ("ci", "Bot")]
)
def test_bots_and_the_app_itself_start_nothing(login: str, kind: str) -> None:
    for event, payload in (
        ("pull_request_review", review()),
        ("pull_request_review_comment", review_comment(review_id=None)),
    ):
        payload["sender"].update(login=login, type=kind)
        assert routed(event, payload) == Ignore("sender is a bot")


@pytest.mark.parametrize(("head_ref", "fork"), [("feature", False), ("morningai/issue-1", True)])
def test_a_review_on_someone_elses_pull_request_starts_nothing(head_ref: str, fork: bool) -> None:
    intent = routed("pull_request_review", review(head_ref=head_ref, fork=fork))
    assert intent == Ignore("not a pull request MorningAI opened")


def test_a_closed_pull_request_starts_nothing() -> None:
    payload = review()
    payload["pull_request"]["state"] = "closed"
    assert routed("pull_request_review", payload) == Ignore("the pull request is not open")


def test_a_comment_of_a_review_leaves_the_task_to_the_review() -> None:
    intent = routed("pull_request_review_comment", review_comment(review_id=99))
    assert intent == Ignore("part of a review: its pull_request_review delivery starts the task")


def test_a_comment_without_a_review_starts_its_own_task() -> None:
    payload = review_comment(review_id=None)
    intent = routed("pull_request_review_comment", payload)
    assert isinstance(intent, RequestTask)
    assert (intent.kind, intent.trigger, intent.instructions) == (
        "revise",
        f"review_comment:{payload['comment']['id']}",
        "Use a constant here.",
    )
    assert intent.number == payload["pull_request"]["number"]


def test_an_edited_review_comment_starts_nothing() -> None:
    payload = review_comment(review_id=None)
    payload["action"] = "edited"
    assert routed("pull_request_review_comment", payload) == Ignore(
        "pull_request_review_comment.edited is not handled"
    )


def test_malformed_reviews_are_rejected() -> None:
    payload = review()
    payload["review"]["id"] = "12"
    assert routed("pull_request_review", payload) == Reject("review.id is missing")
    payload = review()
    del payload["pull_request"]["number"]
    assert routed("pull_request_review", payload) == Reject("pull_request.number is missing")


def test_both_events_are_handled() -> None:
    assert {"pull_request_review", "pull_request_review_comment"} <= set(HANDLED_EVENTS)
