"""`pull_request` deliveries to intents (GitHub's own examples): MorningAI's pull requests
merged, closed and reopened, and everyone else's — pure, no I/O."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from github_app.events import parse
from github_app.intents import Ignore, PullRequestStateChanged, Reject, RequestTask
from github_app.routing import route
from tests.fakes.npm_fixtures import webhook_example

MERGED_AT = "2026-12-01T10:00:00Z"
CLOSED_AT = "2026-12-01T10:00:05Z"


def pull_event(
    action: str, *, merged: bool = False, head_ref: str = "morningai/issue-1", fork: bool = False
) -> dict[str, Any]:
    payload = webhook_example("pull_request", action)
    pull = payload["pull_request"]
    pull["head"]["ref"] = head_ref
    pull["head"]["repo"] = dict(payload["repository"])
    if fork:
        pull["head"]["repo"].update(id=payload["repository"]["id"] + 1, full_name="someone/fork")
    if action == "closed":
        pull.update(merged=merged, closed_at=CLOSED_AT, merge_commit_sha="abc123")
        pull.update(merged_at=MERGED_AT if merged else None)
        pull["merged_by"] = {"login": "octocat"} if merged else None
    payload["installation"] = {"id": 7}
    return payload


def routed(payload: dict[str, Any]) -> object:
    return route(parse("d-1", "pull_request", json.dumps(payload).encode()), trigger_label="x")


def test_our_merged_pull_request_is_recorded_and_still_checks_faq_staleness() -> None:
    payload = pull_event("closed", merged=True)
    intent = routed(payload)
    assert isinstance(intent, PullRequestStateChanged)
    assert (intent.installation_id, intent.number) == (7, payload["pull_request"]["number"])
    assert intent.repository.github_id == payload["repository"]["id"]
    assert (intent.state, intent.at) == ("merged", datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    stale = intent.stale_check
    assert isinstance(stale, RequestTask)
    assert (stale.kind, stale.requested_by, stale.trigger) == (
        "faq_stale",
        "octocat",
        "merged:abc123",
    )


def test_our_pull_request_closed_unmerged_or_reopened() -> None:
    closed = routed(pull_event("closed"))
    assert isinstance(closed, PullRequestStateChanged)
    assert (closed.state, closed.at, closed.stale_check) == (
        "closed",
        datetime(2026, 12, 1, 10, 0, 5, tzinfo=UTC),
        None,
    )
    reopened = routed(pull_event("reopened"))
    assert isinstance(reopened, PullRequestStateChanged)
    assert (reopened.state, reopened.at, reopened.stale_check) == ("open", None, None)


@pytest.mark.parametrize(
    ("head_ref", "fork"),
    [("changes", False), ("feature/morningai/x", False), ("morningai/issue-1", True)],
)
def test_someone_elses_pull_request_changes_no_task(head_ref: str, fork: bool) -> None:
    merged = routed(pull_event("closed", merged=True, head_ref=head_ref, fork=fork))
    assert isinstance(merged, RequestTask)  # the FAQ staleness check, as before
    assert merged.kind == "faq_stale"
    closed = routed(pull_event("closed", head_ref=head_ref, fork=fork))
    assert closed == Ignore("closed without merging")
    reopened = routed(pull_event("reopened", head_ref=head_ref, fork=fork))
    assert reopened == Ignore("reopened a pull request MorningAI did not open")


def test_a_bot_closing_our_pull_request_still_counts() -> None:
    payload = pull_event("closed")
    payload["sender"].update(login="cleanup[bot]", type="Bot")
    assert isinstance(routed(payload), PullRequestStateChanged)


@pytest.mark.parametrize("value", [None, "yesterday", "2026-12-01T10:00:00", 17])
def test_our_pull_request_without_a_usable_time_is_rejected(value: object) -> None:
    merged = pull_event("closed", merged=True)
    merged["pull_request"]["merged_at"] = value
    assert routed(merged) == Reject("pull_request.merged_at must be an ISO 8601 time with a zone")
    closed = pull_event("closed")
    closed["pull_request"]["closed_at"] = value
    assert routed(closed) == Reject("pull_request.closed_at must be an ISO 8601 time with a zone")


def test_other_actions_and_malformed_pulls() -> None:
    opened = routed(pull_event("reopened") | {"action": "synchronize"})
    assert opened == Ignore("pull_request.synchronize is not handled")
    no_number = pull_event("closed")
    del no_number["pull_request"]["number"]
    assert routed(no_number) == Reject("pull_request.number is missing")
    no_installation = pull_event("closed")
    del no_installation["installation"]
    assert routed(no_installation) == Reject("repository and installation are required")
    no_head = pull_event("closed")
    no_head["pull_request"]["head"] = None
    assert routed(no_head) == Ignore("closed without merging")
