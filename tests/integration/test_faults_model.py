"""Fault: the model server answers 429, 500, a permanent error, or nothing in time, in the
middle of a code task driven from a labeled issue.

Short waits are retried in place by the official client (up to 3 retries, honouring a
Retry-After of up to two minutes); longer or repeated trouble gives the worker back and the
task's next RQ job resumes the graph from its checkpoint. When the attempts run out, or the
error is permanent, the task fails and the status comment says why.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import psycopg
import pytest
from openai import OpenAI

from agents import llm
from simulator import GitHubSimulator
from tests.support.flow import Flow
from tests.support.model import EDIT, PLAN
from tests.support.simulated import OWNER, REPO, labeled, status_comments
from tests.support.tasks import (
    assert_one_pull_request,
    drain,
    events,
    run_due,
    scheduled_retry,
    task_row,
)

Conn = psycopg.Connection[tuple[Any, ...]]

pytestmark = pytest.mark.usefixtures("clean_db")


def assert_failed_saying(
    sim: GitHubSimulator, number: int, owner_conn: Conn, reason: str, attempts: int
) -> None:
    assert task_row(owner_conn)[1:4] == ("failed", reason, attempts)
    [comment] = status_comments(sim, number)
    assert "❌ Failed" in comment["body"]
    assert f"I could not finish: {reason}." in comment["body"]
    assert sim.pulls(OWNER, REPO) == []


def test_429_with_short_retry_after_is_retried_in_place(flow: Flow) -> None:
    flow.model.expect_chat(status=429, headers={"Retry-After": "1"})
    flow.model.expect_chat(PLAN)
    flow.model.expect_chat(EDIT)
    assert flow.sender.post("issues", labeled(flow.repo)).status_code == 202
    drain(flow.redis)
    flow.model.assert_done()
    assert task_row(flow.db)[1:4] == ("succeeded", None, 1)
    assert_one_pull_request(flow.sim, flow.repo["number"])


def test_429_with_long_retry_after_reschedules_the_task_no_earlier(flow: Flow) -> None:
    flow.model.expect_chat(PLAN)
    # longer than the client waits in place (two minutes): the job gives the worker back
    flow.model.expect_chat(status=429, headers={"Retry-After": "300"})
    assert flow.sender.post("issues", labeled(flow.repo)).status_code == 202
    drain(flow.redis)
    task_id, status, error, attempts, _ = task_row(flow.db)
    assert (status, error, attempts) == ("queued", "the model server answered 429", 1)
    assert scheduled_retry(flow.redis, flow.db, task_id, 1) >= timedelta(seconds=300)

    flow.model.expect_chat(EDIT)  # the plan comes from the checkpoint
    run_due(flow.redis, now=True)
    flow.model.assert_done()
    assert task_row(flow.db)[1:4] == ("succeeded", None, 2)
    assert "resumed" in [e[0] for e in events(flow.db, task_id)]
    assert_one_pull_request(flow.sim, flow.repo["number"])


def test_500_once_is_retried_in_place(flow: Flow) -> None:
    flow.model.expect_chat(status=500)
    flow.model.expect_chat(PLAN)
    flow.model.expect_chat(EDIT)
    assert flow.sender.post("issues", labeled(flow.repo)).status_code == 202
    drain(flow.redis)
    flow.model.assert_done()
    assert task_row(flow.db)[1:4] == ("succeeded", None, 1)
    assert_one_pull_request(flow.sim, flow.repo["number"])


def test_500_that_never_ends_fails_after_the_last_attempt(flow: Flow) -> None:
    per_attempt = 4  # the call and the client's 3 retries
    # retry-after-ms (which OpenAI sends) keeps the client's in-place waits short
    fast = {"retry-after-ms": "20"}
    flow.model.expect_chat(status=500, headers=fast, times=per_attempt)
    assert flow.sender.post("issues", labeled(flow.repo)).status_code == 202
    drain(flow.redis)
    task_id = task_row(flow.db)[0]
    for attempt in (1, 2):
        assert task_row(flow.db)[1:4] == ("queued", "the model server answered 500", attempt)
        assert scheduled_retry(flow.redis, flow.db, task_id, attempt) >= timedelta(
            seconds=5 * attempt
        )
        flow.model.expect_chat(status=500, headers=fast, times=per_attempt)
        run_due(flow.redis, now=True)
    flow.model.assert_done()
    assert_failed_saying(flow.sim, flow.repo["number"], flow.db, "the model server answered 500", 3)
    kinds = [e[0] for e in events(flow.db, task_id)]
    assert kinds.count("retry") == 2
    assert kinds[-1] == "failed"


def test_permanent_model_error_fails_at_once(flow: Flow) -> None:
    flow.model.expect_chat(status=401)  # a revoked key: no retry helps
    assert flow.sender.post("issues", labeled(flow.repo)).status_code == 202
    drain(flow.redis)
    flow.model.assert_done()
    assert_failed_saying(flow.sim, flow.repo["number"], flow.db, "the model server answered 401", 1)


def test_model_that_does_not_answer_in_time_is_retried_later(
    flow: Flow,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the client's timeout (120 s in agents/llm.py) is no setting: shorten it for the test
    class ImpatientOpenAI(OpenAI):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**{**kwargs, "timeout": 0.5})

    monkeypatch.setattr(llm, "OpenAI", ImpatientOpenAI)
    flow.model.expect_chat(PLAN, delay=1.5, times=4)  # the call and the client's 3 retries
    assert flow.sender.post("issues", labeled(flow.repo)).status_code == 202
    drain(flow.redis)
    task_id, status, error, attempts, _ = task_row(flow.db)
    assert (status, error, attempts) == ("queued", "the model server did not answer", 1)
    assert scheduled_retry(flow.redis, flow.db, task_id, 1) >= timedelta(seconds=5)

    flow.model.expect_chat(PLAN)
    flow.model.expect_chat(EDIT)
    run_due(flow.redis, now=True)
    flow.model.assert_done()
    assert task_row(flow.db)[1:4] == ("succeeded", None, 2)
    assert_one_pull_request(flow.sim, flow.repo["number"])
