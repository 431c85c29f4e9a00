"""`/morningai revise`, `stop` and `retry` from real comment payloads, end to end."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from redis import Redis

from core.settings import Settings
from github_app.client import repo_client
from github_app.publish import open_pull_request
from simulator import GitHubSimulator
from simulator.openai_server import ScriptedModelServer
from tests.fakes.http import WebhookSender
from tests.support.model import EDIT, PLAN
from tests.support.simulated import OWNER, REPO, comment, git, labeled, status_comments
from tests.support.tasks import drain

Conn = psycopg.Connection[tuple[Any, ...]]
pytestmark = pytest.mark.usefixtures("clean_db")

REVISE_PLAN = "- Add a question.\nTitle: Ask how they are"
REVISE_EDIT = """app.py
<<<<<<< SEARCH
    return 'Hello, ' + name + '!'
=======
    return 'Hello, ' + name + '! How are you?'
>>>>>>> REPLACE
"""


def tasks(owner_conn: Conn) -> list[tuple[Any, ...]]:
    return owner_conn.execute("SELECT id, kind, status, error FROM tasks ORDER BY id").fetchall()


def test_revise_pushes_a_follow_up_commit(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    model.expect_chat(PLAN)
    model.expect_chat(EDIT)
    assert agent.post("issues", labeled(repo)).status_code == 202
    drain(redis)
    [pr] = sim.pulls(OWNER, REPO)
    first_head = pr["head"]["sha"]

    model.expect_chat(REVISE_PLAN, match="ask how they are")
    model.expect_chat(REVISE_EDIT)
    body = "/morningai revise ask how they are"
    assert (
        agent.post("issue_comment", comment(repo, pr["number"], body, on_pull=True)).json()[
            "outcome"
        ]
        == "accepted"
    )
    drain(redis)
    model.assert_done()
    assert [t[1:3] for t in tasks(owner_conn)] == [("code", "succeeded"), ("revise", "succeeded")]
    [pr] = sim.pulls(OWNER, REPO)
    assert git(sim, "rev-parse", f"{pr['head']['sha']}^").strip() == first_head
    assert "How are you?" in git(sim, "show", f"{pr['head']['sha']}:app.py")
    assert len(status_comments(sim, pr["number"])) == 1


def test_revise_refuses_pull_requests_it_did_not_open(
    sim: GitHubSimulator,
    repo: dict[str, Any],
    agent: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
    agent_settings: Settings,
) -> None:
    sim.push(OWNER, REPO, "feature", {"app.py": "print('mine')\n"})
    client = repo_client(agent_settings, redis, repo["installation"], f"{OWNER}/{REPO}")
    pr = open_pull_request(client, head="feature", base="main", title="Mine", body="", draft=False)
    assert (
        agent.post(
            "issue_comment", comment(repo, pr.number, "/morningai revise x", on_pull=True)
        ).status_code
        == 202
    )
    drain(redis)
    [(_, kind, status, error)] = tasks(owner_conn)
    assert (kind, status) == ("revise", "cancelled")
    assert "not an open MorningAI pull request" in error
    assert "works on open pull requests that MorningAI opened" in str(
        sim.comments(OWNER, REPO, pr.number)
    )


def test_stop_cancels_the_waiting_task(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    assert agent.post("issues", labeled(repo)).status_code == 202  # queued, not yet run
    stop = comment(repo, repo["number"], "/morningai stop", on_pull=False)
    assert agent.post("issue_comment", stop).json()["outcome"] == "accepted"
    drain(redis)  # `high` first: the stop runs before the code task would
    rows = tasks(owner_conn)
    assert [r[1:3] for r in rows] == [("code", "cancelled"), ("stop", "succeeded")]
    assert rows[0][3] == "stopped by @alice"
    [status] = status_comments(sim, repo["number"])
    assert "🛑 Cancelled" in status["body"]
    assert "Stopped by @alice." in status["body"]
    assert sim.pulls(OWNER, REPO) == []
    assert model.requests == []


def test_stop_from_someone_without_write_access_does_nothing(
    sim: GitHubSimulator,
    repo: dict[str, Any],
    agent: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    sim.set_permission(OWNER, REPO, "mallory", "triage")
    assert agent.post("issues", labeled(repo)).status_code == 202
    stop = comment(repo, repo["number"], "/morningai stop", on_pull=False, user="mallory")
    assert agent.post("issue_comment", stop).status_code == 202
    # run only the stop (high queue); the code task stays queued
    from rq import SimpleWorker

    from jobs.runtime.queues import queue

    SimpleWorker([queue(redis, "high")], connection=redis).work(burst=True)
    assert [r[1:3] for r in tasks(owner_conn)] == [("code", "queued"), ("stop", "cancelled")]


def test_retry_after_a_failure_runs_again(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    model.expect_chat(PLAN)
    model.expect_chat("no edits here", times=3)
    assert agent.post("issues", labeled(repo)).status_code == 202
    drain(redis)
    assert tasks(owner_conn)[0][2] == "failed"
    model.expect_chat(PLAN)
    model.expect_chat(EDIT)
    retry = comment(repo, repo["number"], "/morningai retry", on_pull=False)
    assert agent.post("issue_comment", retry).json()["outcome"] == "accepted"
    drain(redis)
    model.assert_done()
    assert [r[1:3] for r in tasks(owner_conn)] == [("code", "failed"), ("code", "succeeded")]
    assert len(sim.pulls(OWNER, REPO)) == 1
