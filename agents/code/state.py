"""The code graph's state: plain JSON-able values, so a checkpoint can resume any step."""

from __future__ import annotations

import operator
from typing import Annotated, Literal, TypedDict

from agents.code.review import ReviewNoteState

Outcome = Literal["ready", "no_change", "apply_failed", "checks_failed", "over_budget"]


class CheckResult(TypedDict):
    name: str
    ok: bool
    ran: bool
    detail: str


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
    # model work
    plan: str
    title: str
    edits_text: str
    attempt: int
    feedback: Annotated[list[str], operator.add]
    # results
    new_contents: dict[str, str | None]
    diff: str
    checks: list[CheckResult]
    prompt_tokens: Annotated[int, operator.add]
    completion_tokens: Annotated[int, operator.add]
    outcome: Outcome
    reason: str
