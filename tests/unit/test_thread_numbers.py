"""An issue's or pull request's number is GitHub's: an integer from 1. JSON's `true`/`false`
(Python ints) and 0 or below made tasks — `false` and 0 one with no thread to report in, the
command line's subject — until the handlers refused them (found by the well-formed fuzzing in
tests/integration/test_attack_webhook_fuzz.py). Pure, no I/O."""

from __future__ import annotations

import json
from typing import Any

import pytest

from github_app.events import parse
from github_app.intents import Reject, RequestTask
from github_app.routing import route
from tests.support import well_formed as wf

BY_NAME = {kind.name: kind for kind in wf.KINDS}
THREADS = {  # a task-making kind → where its number is
    "issues.labeled trigger": ("issue",),
    "issues.opened trigger": ("issue",),
    "comment code": ("issue",),
    "PR comment revise": ("issue",),
    "pull merged": ("pull_request",),
}


def routed(name: str, number: object) -> object:
    kind = BY_NAME[name]
    payload: dict[str, Any] = wf.build(kind)
    for key in THREADS[name]:
        payload[key]["number"] = number
    env = parse("d-1", kind.event, json.dumps(payload).encode())
    return route(env, trigger_label=wf.TRIGGER_LABEL)


@pytest.mark.parametrize("name", sorted(THREADS))
@pytest.mark.parametrize("number", [0, -1, -(2**40), False, True, 1.0, "7"])
def test_a_number_github_never_sends_is_rejected(name: str, number: object) -> None:
    assert isinstance(routed(name, number), Reject)


@pytest.mark.parametrize("name", sorted(THREADS))
@pytest.mark.parametrize("number", [1, 7, 2**31, 2**63 - 1])
def test_a_positive_number_makes_the_task_for_that_number(name: str, number: int) -> None:
    intent = routed(name, number)
    assert isinstance(intent, RequestTask)
    assert intent.number == number
