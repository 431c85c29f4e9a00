"""The code graph's state: plain JSON-able values, so a checkpoint can resume any step."""

from __future__ import annotations

import operator
from typing import Annotated, Any, Literal, TypedDict

from agents.code.review import ReviewNoteState

Outcome = Literal["ready", "no_change", "apply_failed", "checks_failed", "over_budget"]
RunStatus = Literal["passed", "failed", "not_run"]


class CheckResult(TypedDict):
    name: str
    ok: bool
    ran: bool
    detail: str


class RunReport(TypedDict):
    """One sandboxed run of a test command: what it ran, how it ended, the output's tail."""

    command: str
    status: RunStatus
    reason: str
    output: str


class Reproduction(TypedDict, total=False):
    """The test written to show the issue, and its runs before and after the change; when
    none was written, `skipped` says why."""

    path: str
    content: str
    command: str
    tries: int  # tests written so far: another is asked for when one passes on the base
    before: RunReport
    after: RunReport
    skipped: str


class SuiteResult(TypedDict, total=False):
    """The repository's tests after the change (the configured command, or the detected
    runner on the tests near the changed files); `base` when they failed after: the same run
    on the base, which tells a regression from a failure that was there already."""

    after: RunReport
    base: RunReport
    skipped: str


class CodeState(TypedDict, total=False):
    # the request (set by the job)
    issue_number: int
    issue_title: str
    issue_body: str
    instructions: str
    review_notes: list[ReviewNoteState]  # a review a revise task answers
    # gathered
    files: list[str]
    context: str
    # looking around: the conversation's tool turns (as JSON), the files opened, the cost
    exploration: Annotated[list[dict[str, Any]], operator.add]
    opened: Annotated[list[str], operator.add]
    explore_steps: int
    explore_tokens: Annotated[int, operator.add]
    # model work
    plan: str
    title: str
    reproduction: Reproduction
    edits_text: str
    attempt: int
    feedback: Annotated[list[str], operator.add]
    # results
    new_contents: dict[str, str | None]
    diff: str
    checks: list[CheckResult]
    suite: SuiteResult
    prompt_tokens: Annotated[int, operator.add]
    completion_tokens: Annotated[int, operator.add]
    outcome: Outcome
    reason: str
