"""Fault: GitHub answers errors in the middle of a code task (labeled issue → pull request).

Transient answers (5xx, a secondary rate limit) give the worker back and schedule the task's
next job in RQ, no earlier than the backoff or the server's Retry-After; that job finishes the
task once. Permanent answers (404 for a deleted repository) fail the task with a reason the
status comment repeats.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import psycopg
import pytest

from jobs.runtime.queues import queue
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

SECONDARY_LIMIT = {
    "message": "You have exceeded a secondary rate limit. Please wait a few minutes before"
    " you try again.",
    "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
    "status": "403",
}


def test_github_502_is_retried_after_backoff_and_then_succeeds(flow: Flow) -> None:
    flow.model.expect_chat(PLAN)
    flow.model.expect_chat(EDIT)
    # opening the pull request fails more often than the client retries in place
    flow.sim.inject_fault("POST", r"/pulls$", 502, times=2)
    assert flow.sender.post("issues", labeled(flow.repo)).status_code == 202
    drain(flow.redis)

    task_id, status, error, attempts, _ = task_row(flow.db)
    assert (status, error, attempts) == ("queued", "GitHub answered 502", 1)
    assert "retrying in 5 s" in events(flow.db, task_id)[-1][1]
    assert timedelta(seconds=4) <= scheduled_retry(flow.redis, flow.db, task_id, 1)
    run_due(flow.redis)  # too early: nothing runs
    assert task_row(flow.db)[1:4] == ("queued", "GitHub answered 502", 1)

    time.sleep(6)  # the real backoff, then the worker's scheduler enqueues the retry
    run_due(flow.redis)
    task_id, status, error, attempts, _ = task_row(flow.db)
    assert (status, error, attempts) == ("succeeded", None, 2)
    flow.model.assert_done()  # the retry paid for no model call: the graph's result was kept
    assert_one_pull_request(flow.sim, flow.repo["number"])


def test_secondary_rate_limit_waits_for_retry_after(flow: Flow) -> None:
    flow.sim.inject_fault(
        "POST", r"/reactions$", 403, headers={"Retry-After": "90"}, body=SECONDARY_LIMIT
    )
    assert flow.sender.post("issues", labeled(flow.repo)).status_code == 202
    drain(flow.redis)

    task_id, status, error, attempts, _ = task_row(flow.db)
    assert (status, error, attempts) == ("queued", "GitHub's rate limit was reached", 1)
    assert "retrying in 90 s" in events(flow.db, task_id)[-1][1]
    assert scheduled_retry(flow.redis, flow.db, task_id, 1) >= timedelta(seconds=90)
    run_due(flow.redis)  # not yet due: nothing runs
    assert task_row(flow.db)[1] == "queued"

    flow.model.expect_chat(PLAN)
    flow.model.expect_chat(EDIT)
    run_due(flow.redis, now=True)
    assert task_row(flow.db)[1:4] == ("succeeded", None, 2)
    flow.model.assert_done()
    assert_one_pull_request(flow.sim, flow.repo["number"])
    assert [r["content"] for r in flow.sim.reactions(OWNER, REPO, flow.repo["number"])] == ["eyes"]


def test_short_retry_after_is_waited_in_place(flow: Flow) -> None:
    flow.sim.inject_fault(
        "POST", r"/reactions$", 403, headers={"Retry-After": "1"}, body=SECONDARY_LIMIT
    )
    flow.model.expect_chat(PLAN)
    flow.model.expect_chat(EDIT)
    assert flow.sender.post("issues", labeled(flow.repo)).status_code == 202
    drain(flow.redis)
    assert task_row(flow.db)[1:4] == ("succeeded", None, 1)
    assert_one_pull_request(flow.sim, flow.repo["number"])


def test_deleted_repository_fails_the_task_and_the_comment_says_why(flow: Flow) -> None:
    # the repository disappears after the task was acknowledged
    flow.sim.inject_fault(
        "GET",
        rf"^/repos/{OWNER}/{REPO}$",
        404,
        body={"message": "Not Found", "documentation_url": "https://docs.github.com"},
    )
    assert flow.sender.post("issues", labeled(flow.repo)).status_code == 202
    drain(flow.redis)

    task_id, status, error, attempts, _ = task_row(flow.db)
    reason = "GitHub answered 404: the repository or issue is gone, or the app lost access to it"
    assert (status, error, attempts) == ("failed", reason, 1)
    assert [e[0] for e in events(flow.db, task_id)] == [
        "started",
        "stage",
        "acknowledged",
        "failed",
    ]
    assert queue(flow.redis, "default").scheduled_job_registry.get_job_ids() == []  # no retry
    [comment] = status_comments(flow.sim, flow.repo["number"])
    assert "❌ Failed" in comment["body"]
    assert f"I could not finish: {reason}." in comment["body"]
    assert flow.model.requests == []
    assert flow.sim.pulls(OWNER, REPO) == []
