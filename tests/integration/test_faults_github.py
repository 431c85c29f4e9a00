"""Fault: GitHub answers errors in the middle of a code task (labeled issue → pull request).

Transient answers (5xx, a secondary rate limit) are asked again once in place — no earlier
than the server's Retry-After, or a second after a 5xx — and past that give the worker back and
schedule the task's next job in RQ, no earlier than the backoff or the Retry-After; that job
finishes the task once. The waits are measured on the simulator's clock: when each request
arrived. Permanent answers (404 for a deleted repository) fail the task with a reason the
status comment repeats.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import psycopg
import pytest

from github_app.retry import SERVER_ERROR_WAIT
from jobs.runtime.queues import queue
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

SECONDARY_LIMIT = {
    "message": "You have exceeded a secondary rate limit. Please wait a few minutes before"
    " you try again.",
    "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
    "status": "403",
}


def arrivals(sim: GitHubSimulator, method: str, suffix: str) -> list[tuple[int, float]]:
    """(status, when it arrived) of each `method` request whose path ends with `suffix`."""
    return [
        (ex.status, ex.arrived_at)
        for ex in sim.requests
        if ex.method == method and ex.path.endswith(suffix)
    ]


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
    # the job asked once more in place, a second later, and no more: its retry budget
    [(first, at_first), (second, at_second)] = arrivals(flow.sim, "POST", "/pulls")
    assert (first, second) == (502, 502)
    assert at_second - at_first >= 1.0
    run_due(flow.redis)  # too early: nothing runs
    assert task_row(flow.db)[1:4] == ("queued", "GitHub answered 502", 1)

    time.sleep(6)  # the real backoff, then the worker's scheduler enqueues the retry
    run_due(flow.redis)
    task_id, status, error, attempts, _ = task_row(flow.db)
    assert (status, error, attempts) == ("succeeded", None, 2)
    *_, (last, at_last) = arrivals(flow.sim, "POST", "/pulls")
    assert len(arrivals(flow.sim, "POST", "/pulls")) == 3
    assert last == 201
    assert at_last - at_second >= 5.0  # the job's backoff, not before
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


@pytest.mark.parametrize(("status", "wait"), [(403, 2), (429, 1), (429, 0)])
def test_short_retry_after_is_waited_in_place(flow: Flow, status: int, wait: int) -> None:
    """A secondary rate limit that lifts within seconds is waited out inside the call: asked
    again no earlier than Retry-After, once, and not much later (githubkit on its own sleeps
    a minute for `Retry-After: 0`)."""
    flow.sim.inject_fault(
        "POST",
        r"/reactions$",
        status,
        headers={"Retry-After": str(wait)},
        body={**SECONDARY_LIMIT, "status": str(status)},
    )
    flow.model.expect_chat(PLAN)
    flow.model.expect_chat(EDIT)
    assert flow.sender.post("issues", labeled(flow.repo)).status_code == 202
    drain(flow.redis)
    assert task_row(flow.db)[1:4] == ("succeeded", None, 1)
    assert_one_pull_request(flow.sim, flow.repo["number"])
    [(refused, at_refused), (done, at_done)] = arrivals(flow.sim, "POST", "/reactions")
    assert (refused, done) == (status, 201)
    assert wait <= at_done - at_refused < wait + 5


def test_a_502_is_asked_again_in_place_a_second_later_then_given_back(flow: Flow) -> None:
    """Without Retry-After, a 5xx waits the documented second (`SERVER_ERROR_WAIT`) and is
    asked once more; a third 502 is never asked for in the same job."""
    flow.sim.inject_fault("POST", r"/reactions$", 502, times=1)
    flow.model.expect_chat(PLAN)
    flow.model.expect_chat(EDIT)
    assert flow.sender.post("issues", labeled(flow.repo)).status_code == 202
    drain(flow.redis)
    assert task_row(flow.db)[1:4] == ("succeeded", None, 1)
    [(refused, at_refused), (done, at_done)] = arrivals(flow.sim, "POST", "/reactions")
    assert (refused, done) == (502, 201)
    assert at_done - at_refused >= SERVER_ERROR_WAIT.total_seconds()


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
