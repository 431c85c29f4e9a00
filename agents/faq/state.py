"""The FAQ graph's state: plain JSON-able values, so a checkpoint can resume any step."""

from __future__ import annotations

import operator
from typing import Annotated, Any, Literal, TypedDict

Mode = Literal["pr", "ask", "history"]
Outcome = Literal["ready", "failed"]


class Thread(TypedDict, total=False):
    """A closed issue or merged pull request with its discussion (history mode's input)."""

    kind: Literal["issue", "pull"]
    number: int
    url: str
    title: str
    body: str
    comments: list[str]


class FaqState(TypedDict, total=False):
    # the request (set by the job)
    mode: Mode
    task_label: str  # shown as "Task" in the footer; derived from the mode when absent
    question: str  # ask
    pr_number: int  # pr
    pr_title: str
    pr_body: str
    pr_url: str  # optional; a citation of the PR itself links here
    diff: str
    changed_paths: list[str]
    threads: list[Thread]  # history
    trace_id: str
    # gathered
    context: str
    known_questions: list[str]  # the FAQ memory's entries shown to the model
    # model work
    draft_text: str
    attempt: int
    problems: list[str]  # what the latest draft got wrong; empty when it passed
    missing: list[str]  # the paths the latest draft cited or named that do not exist
    model: str
    # results
    outcome: Outcome
    reason: str
    document: dict[str, Any]  # document.to_json(): the checked document, code filled in
    markdown: str
    entries: list[dict[str, Any]]  # {"question","answer","sources":[...]}, as db/faq.py stores
    outdated: list[str]  # known FAQ questions the model says this document supersedes
    title: str
    summary: str  # one line for docs/faq/README.md
    slug: str
    prompt_tokens: Annotated[int, operator.add]
    completion_tokens: Annotated[int, operator.add]
