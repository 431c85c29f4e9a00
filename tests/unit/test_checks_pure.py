"""Failing checks of MorningAI's pull requests, the pure parts: `check_suite`/`check_run`
deliveries (GitHub's own examples) to intents, the log's tail, the base comparison and what the
model is shown — no I/O."""

from __future__ import annotations

import json
from typing import Any

import pytest

from github_app.events import parse
from github_app.handlers.checks import head_of, on_check_run, on_check_suite
from github_app.intents import Ignore, Reject, RequestTask
from jobs.steps.ci_failure import (
    Failure,
    actions_job_id,
    all_pass,
    render,
    split_by_base,
    trim_log,
    with_checks_passed,
)
from tests.fakes.npm_fixtures import webhook_example


def _delivery(
    event: str,
    conclusion: str = "failure",
    *,
    head_ref: str = "morningai/issue-1",
    fork: bool = False,
    action: str = "completed",
) -> dict[str, Any]:
    payload = webhook_example(event, "completed")
    payload["action"] = action
    body = payload[event]
    body["conclusion"] = conclusion
    pull = body["pull_requests"][0]
    pull["head"].update(ref=head_ref, sha=body["head_sha"])
    pull["head"]["repo"]["id"] = payload["repository"]["id"] + (1 if fork else 0)
    if event == "check_run":
        body["check_suite"].update(status="completed", conclusion="failure")
    payload["installation"] = {"id": 7}
    payload["sender"].update(login="github-actions[bot]", type="Bot")
    return payload


def _routed(event: str, payload: dict[str, Any]) -> object:
    env = parse("d-1", event, json.dumps(payload).encode())
    return on_check_suite(env) if event == "check_suite" else on_check_run(env)


@pytest.mark.parametrize("event", ["check_suite", "check_run"])
@pytest.mark.parametrize("conclusion", ["failure", "timed_out"])
def test_a_failure_on_our_head_asks_for_one_fix_per_head(event: str, conclusion: str) -> None:
    payload = _delivery(event, conclusion)
    intent = _routed(event, payload)
    assert isinstance(intent, RequestTask)
    assert (intent.kind, intent.installation_id, intent.number) == ("fix_checks", 7, 2)
    # the suite and each of its runs ask for the same task: one per head commit
    assert head_of(intent.trigger) == payload[event]["head_sha"]
    assert intent.requested_by == "github-actions[bot]"


@pytest.mark.parametrize("conclusion", ["cancelled", "neutral", "skipped", None])
def test_other_conclusions_ask_for_no_fix(conclusion: Any) -> None:
    assert isinstance(_routed("check_suite", _delivery("check_suite", conclusion)), Ignore)
    assert isinstance(_routed("check_run", _delivery("check_run", conclusion)), Ignore)


def test_a_suite_that_passed_asks_for_the_status_comment_to_say_so() -> None:
    payload = _delivery("check_suite", "success")
    intent = _routed("check_suite", payload)
    assert isinstance(intent, RequestTask)
    assert (intent.kind, intent.number) == ("checks_passed", 2)
    assert intent.trigger == f"checks_passed:{payload['check_suite']['head_sha']}"
    assert head_of(intent.trigger) == payload["check_suite"]["head_sha"]
    # a run that passed says nothing: its suite speaks for all of them
    assert isinstance(_routed("check_run", _delivery("check_run", "success")), Ignore)


def test_the_status_comment_says_the_checks_pass_once() -> None:
    body = "<!-- m -->\n**MorningAI** — ✅ Done\n\nThe pull request is ready.\n\n- [x] Queued"
    once = with_checks_passed(body, "a" * 40)
    assert once.split("\n")[:5] == [
        "<!-- m -->",
        "**MorningAI** — ✅ Done",
        "✅ Checks pass on `aaaaaaaaaaaa`.",
        "",
        "The pull request is ready.",
    ]
    again = with_checks_passed(once, "b" * 40)
    assert again == once.replace("a" * 12, "b" * 12)


@pytest.mark.parametrize(
    ("conclusions", "passed"),
    [
        (["success", "skipped", "neutral"], True),
        (["success", "failure"], False),
        (["success", None], False),  # still running
        ([], False),
    ],
)
def test_checks_pass_when_every_run_has_and_none_failed(conclusions: Any, passed: bool) -> None:
    assert all_pass(conclusions) is passed


@pytest.mark.parametrize(
    "changes",
    [
        {"head_ref": "dependabot/npm/x"},  # someone else's pull request
        {"fork": True},  # a fork's branch of the same name
        {"action": "requested"},
    ],
)
def test_other_pull_requests_and_actions_ask_for_nothing(changes: Any) -> None:
    assert isinstance(_routed("check_suite", _delivery("check_suite", **changes)), Ignore)


def test_a_run_completing_while_its_suite_runs_asks_for_nothing() -> None:
    payload = _delivery("check_run")
    payload["check_run"]["check_suite"].update(status="in_progress", conclusion=None)
    assert isinstance(_routed("check_run", payload), Ignore)


def test_a_suite_of_an_older_commit_asks_for_nothing() -> None:
    payload = _delivery("check_suite")
    payload["check_suite"]["pull_requests"][0]["head"]["sha"] = "0" * 40
    assert isinstance(_routed("check_suite", payload), Ignore)


def test_a_suite_without_head_is_rejected() -> None:
    payload = _delivery("check_suite")
    del payload["check_suite"]["head_sha"]
    assert isinstance(_routed("check_suite", payload), Reject)


def test_the_log_tail_keeps_the_last_lines_without_timestamps_or_colour() -> None:
    log = "".join(
        f"2024-05-01T10:00:{i % 60:02d}.1234567Z \x1b[31mline {i}\x1b[0m\r\n" for i in range(500)
    )
    tail = trim_log(log, lines=200)
    lines = tail.split("\n")
    assert lines[0] == "line 300"
    assert lines[-1] == "line 499"
    assert len(lines) == 200


def test_the_log_tail_is_cut_to_whole_lines_within_the_byte_limit() -> None:
    log = "\n".join(f"é{i:04d}" + "x" * 90 for i in range(1000))
    tail = trim_log(log, lines=1000, max_bytes=20_000)
    assert len(tail.encode()) <= 20_000
    assert tail.split("\n")[0].startswith("é")
    assert tail.endswith("é0999" + "x" * 90)


@pytest.mark.parametrize(
    ("url", "job"),
    [
        ("https://github.com/o/r/actions/runs/11/job/42", 42),
        ("https://github.com/o/r/actions/runs/11/job/42?pr=3", 42),
        ("https://ci.example.com/builds/42", None),
        (None, None),
    ],
)
def test_the_actions_job_comes_from_the_details_url(url: Any, job: int | None) -> None:
    assert actions_job_id(url) == job


def test_a_check_failing_on_the_base_too_is_not_ours() -> None:
    lint, tests = Failure("lint", "failure"), Failure("tests", "timed_out")
    docs = Failure("docs", "failure")
    base = {"lint": "failure", "tests": "success"}
    assert split_by_base([lint, tests, docs], base) == ([tests, docs], [lint])


def test_the_failure_fits_the_instructions_fence_with_the_log_tail_whole() -> None:
    failure = Failure(
        "tests",
        "failure",
        "1 failed",
        "x" * 50_000,
        annotations=("a.py:3 [failure] boom",) * 1000,
        log=trim_log("\n".join(f"line {i} " + "y" * 100 for i in range(1000))),
    )
    text = render([failure])
    assert len(text) < 20_000  # agents.untrusted.fence's limit: nothing of the log is cut
    assert text.endswith("line 999 " + "y" * 100)
    assert "## Check `tests` ended failure" in text
    assert "a.py:3 [failure] boom" in text
