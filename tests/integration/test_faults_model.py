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
from redis import Redis

from agents import llm
from simulator import GitHubSimulator
from simulator.openai_server import ScriptedModelServer
from tests.fakes.http import WebhookSender
from tests.integration.conftest import OWNER, REPO
from tests.integration.test_code_agent import EDIT, PLAN
from tests.integration.test_code_task import drain, labeled, status_comments, task_row
from tests.integration.test_faults_github import (
    assert_one_pull_request,
    events,
    fresh_status_comments,  # noqa: F401 (a fixture, used by name)
    run_due,
    scheduled_retry,
)

Conn = psycopg.Connection[tuple[Any, ...]]

pytestmark = pytest.mark.usefixtures("clean_db", "fresh_status_comments")


def assert_failed_saying(
    sim: GitHubSimulator, number: int, owner_conn: Conn, reason: str, attempts: int
) -> None:
    assert task_row(owner_conn)[1:4] == ("failed", reason, attempts)
    [comment] = status_comments(sim, number)
    assert "❌ Failed" in comment["body"]
    assert f"I could not finish: {reason}." in comment["body"]
    assert sim.pulls(OWNER, REPO) == []


def test_429_with_short_retry_after_is_retried_in_place(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    model.expect_chat(status=429, headers={"Retry-After": "1"})
    model.expect_chat(PLAN)
    model.expect_chat(EDIT)
    assert agent.post("issues", labeled(repo)).status_code == 202
    drain(redis)
    model.assert_done()
    assert task_row(owner_conn)[1:4] == ("succeeded", None, 1)
    assert_one_pull_request(sim, repo["number"])


def test_429_with_long_retry_after_reschedules_the_task_no_earlier(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    model.expect_chat(PLAN)
    # longer than the client waits in place (two minutes): the job gives the worker back
    model.expect_chat(status=429, headers={"Retry-After": "300"})
    assert agent.post("issues", labeled(repo)).status_code == 202
    drain(redis)
    task_id, status, error, attempts, _ = task_row(owner_conn)
    assert (status, error, attempts) == ("queued", "the model server answered 429", 1)
    assert scheduled_retry(redis, owner_conn, task_id, 1) >= timedelta(seconds=300)

    model.expect_chat(EDIT)  # the plan comes from the checkpoint
    run_due(redis, now=True)
    model.assert_done()
    assert task_row(owner_conn)[1:4] == ("succeeded", None, 2)
    assert "resumed" in [e[0] for e in events(owner_conn, task_id)]
    assert_one_pull_request(sim, repo["number"])


def test_500_once_is_retried_in_place(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    model.expect_chat(status=500)
    model.expect_chat(PLAN)
    model.expect_chat(EDIT)
    assert agent.post("issues", labeled(repo)).status_code == 202
    drain(redis)
    model.assert_done()
    assert task_row(owner_conn)[1:4] == ("succeeded", None, 1)
    assert_one_pull_request(sim, repo["number"])


def test_500_that_never_ends_fails_after_the_last_attempt(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    per_attempt = 4  # the call and the client's 3 retries
    # retry-after-ms (which OpenAI sends) keeps the client's in-place waits short
    fast = {"retry-after-ms": "20"}
    model.expect_chat(status=500, headers=fast, times=per_attempt)
    assert agent.post("issues", labeled(repo)).status_code == 202
    drain(redis)
    task_id = task_row(owner_conn)[0]
    for attempt in (1, 2):
        assert task_row(owner_conn)[1:4] == ("queued", "the model server answered 500", attempt)
        assert scheduled_retry(redis, owner_conn, task_id, attempt) >= timedelta(
            seconds=5 * attempt
        )
        model.expect_chat(status=500, headers=fast, times=per_attempt)
        run_due(redis, now=True)
    model.assert_done()
    assert_failed_saying(sim, repo["number"], owner_conn, "the model server answered 500", 3)
    kinds = [e[0] for e in events(owner_conn, task_id)]
    assert kinds.count("retry") == 2
    assert kinds[-1] == "failed"


def test_permanent_model_error_fails_at_once(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    model.expect_chat(status=401)  # a revoked key: no retry helps
    assert agent.post("issues", labeled(repo)).status_code == 202
    drain(redis)
    model.assert_done()
    assert_failed_saying(sim, repo["number"], owner_conn, "the model server answered 401", 1)


def test_model_that_does_not_answer_in_time_is_retried_later(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the client's timeout (120 s in agents/llm.py) is no setting: shorten it for the test
    class ImpatientOpenAI(OpenAI):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**{**kwargs, "timeout": 0.5})

    monkeypatch.setattr(llm, "OpenAI", ImpatientOpenAI)
    model.expect_chat(PLAN, delay=1.5, times=4)  # the call and the client's 3 retries
    assert agent.post("issues", labeled(repo)).status_code == 202
    drain(redis)
    task_id, status, error, attempts, _ = task_row(owner_conn)
    assert (status, error, attempts) == ("queued", "the model server did not answer", 1)
    assert scheduled_retry(redis, owner_conn, task_id, 1) >= timedelta(seconds=5)

    model.expect_chat(PLAN)
    model.expect_chat(EDIT)
    run_due(redis, now=True)
    model.assert_done()
    assert task_row(owner_conn)[1:4] == ("succeeded", None, 2)
    assert_one_pull_request(sim, repo["number"])
