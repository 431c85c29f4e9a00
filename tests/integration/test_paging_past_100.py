"""Listings the product reads past GitHub's 100 a page, through whole tasks: the status comment
found among an issue's comments (to edit it in place), the FAQ history's closed issues,
merged pull requests and their discussions, and the installations and repositories a signed-in
person reaches. The simulator pages them as GitHub does (`per_page`
at most 100, the next page named by the `Link` header); each test fails when the listing reads
its first page only. The client's own paging is `test_github_client.py`'s.
"""

from __future__ import annotations

import json
from typing import Any

import psycopg
import pytest
from redis import Redis

from core.settings import Settings
from github_app.rest.user import user_installation_repositories, user_installations
from jobs.steps.status_comment import marker
from simulator import GitHubSimulator
from simulator.openai_server import ScriptedModelServer
from tests.fakes.http import WebhookSender
from tests.support.flow import Flow
from tests.support.model import EDIT, PLAN
from tests.support.simulated import APP, OWNER, REPO, comment, labeled, status_comments
from tests.support.tasks import assert_one_pull_request, drain, run_due, task_row

Conn = psycopg.Connection[tuple[Any, ...]]
pytestmark = pytest.mark.usefixtures("clean_db")

SECONDARY_LIMIT = {
    "message": "You have exceeded a secondary rate limit. Please wait a few minutes before"
    " you try again.",
    "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
}


def pages_read(sim: GitHubSimulator, path: str) -> set[str]:
    """The `page` of every GET of `path` (page 1 is asked without one)."""
    return {
        ex.query.get("page", ["1"])[0]
        for ex in sim.requests
        if ex.method == "GET" and ex.path == path and ex.status == 200
    }


def test_a_status_comment_on_the_second_page_is_edited_in_place_not_duplicated(
    flow: Flow,
) -> None:
    """The issue already has 105 comments: the task's status comment is the 106th, on the
    second page of 100. A job remembers the comment it made; the task's next job (here after
    a rate limit) must find it there again."""
    number = flow.repo["number"]
    for n in range(105):
        flow.sim.add_comment(OWNER, REPO, number, f"+1 from person {n}", user=f"person{n}")
    flow.sim.inject_fault(
        "POST", r"/pulls$", 403, headers={"Retry-After": "90"}, body=SECONDARY_LIMIT
    )
    flow.model.expect_chat(PLAN)
    flow.model.expect_chat(EDIT)
    assert flow.sender.post("issues", labeled(flow.repo)).status_code == 202
    drain(flow.redis)
    assert task_row(flow.db)[1:4] == ("queued", "GitHub's rate limit was reached", 1)
    assert len(status_comments(flow.sim, number)) == 1
    run_due(flow.redis, now=True)  # the task's next job, as if 90 s had passed

    assert task_row(flow.db)[1:4] == ("succeeded", None, 2)
    assert_one_pull_request(flow.sim, number)  # one status comment, ✅ Done
    [status] = status_comments(flow.sim, number)
    assert status["body"].startswith(marker(task_row(flow.db)[0]))
    assert len(status["body_history"]) >= 2  # edited in place, more than once
    assert len(flow.sim.comments(OWNER, REPO, number)) == 106
    assert pages_read(flow.sim, f"/repos/{OWNER}/{REPO}/issues/{number}/comments") == {"1", "2"}


def history_reply(number: int) -> str:
    return json.dumps(
        {
            "title": "Lessons from resolved issues",
            "overview": "What past issues taught about greeting.",
            "sections": [],
            "entries": [
                {
                    "question": "Why does greet need a name?",
                    "answer": "Without one it crashed; see the issue.",
                    "sources": [
                        {"kind": "issue", "number": number},
                        {"path": "app.py", "start_line": 1, "end_line": 2},
                    ],
                }
            ],
            "related": [],
            "troubleshooting": [],
            "outdated": [],
        }
    )


def test_faq_history_reads_threads_and_discussions_past_the_first_page(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    """110 issues closed as not planned fill the first page of the closed listing (oldest
    first); the resolved issue and the merged pull request are on the second. The resolved
    issue's answer comes after 100 of MorningAI's own comments, on its discussion's second
    page."""
    for n in range(110):
        sim.close_issue(OWNER, REPO, sim.add_issue(OWNER, REPO, f"Idea {n}", ""), "not_planned")
    sim.advance_clock(60)
    crashed = sim.add_issue(OWNER, REPO, "greet crashes without a name", "TypeError", user="bob")
    for n in range(100):
        sim.add_comment(OWNER, REPO, crashed, f"{marker(1000 + n)}\nworking", user="morningai")
    sim.add_comment(OWNER, REPO, crashed, "Fixed: greet() now requires a name.", user="alice")
    sim.close_issue(OWNER, REPO, crashed, "completed")
    sim.push(OWNER, REPO, "polite", {"app.py": APP.replace("hey", "hello")}, start="main")
    merged = sim.open_pull(OWNER, REPO, head_ref="polite", title="Politer greeting", user="alice")
    sim.merge_pull(OWNER, REPO, merged)

    model.expect_chat(history_reply(crashed), match="greet crashes without a name")
    payload = comment(repo, repo["number"], "/morningai faq", on_pull=False)
    assert agent.post("issue_comment", payload).json()["outcome"] == "accepted"
    drain(redis)

    model.assert_done()
    assert owner_conn.execute("SELECT kind, status, error FROM tasks").fetchall() == [
        ("faq_history", "succeeded", None)
    ]
    prompt = json.dumps(model.requests[0].json)
    assert "Politer greeting" in prompt  # the merged pull request, on the second page
    assert "Fixed: greet() now requires a name." in prompt  # the answer, on its second page
    assert "Idea 3" not in prompt
    assert pages_read(sim, f"/repos/{OWNER}/{REPO}/issues") == {"1", "2"}
    assert pages_read(sim, f"/repos/{OWNER}/{REPO}/issues/{crashed}/comments") == {"1", "2"}


def test_a_viewer_reaching_more_than_a_page_sees_every_installation_and_repository(
    sim: GitHubSimulator, settings: Settings
) -> None:
    """What the dashboard shows a person is what these two listings return: 106 installations
    and an installation's 130 repositories are each two pages of 100."""
    big = sim.add_installation(OWNER)
    names = [f"repo-{n:03}" for n in range(130)]
    for name in names:
        sim.create_repo(OWNER, name, installation_id=big)
        sim.set_permission(OWNER, name, "alice", "write")
    for n in range(105):
        org = f"org-{n:03}"
        sim.create_repo(org, "notes", installation_id=sim.add_installation(org))
        sim.set_permission(org, "notes", "alice", "read")
    token = sim.user_token("alice")

    reached = user_installations(settings, token)
    assert sorted(i.account_login for i in reached) == sorted(
        [OWNER, *(f"org-{n:03}" for n in range(105))]
    )
    repos = user_installation_repositories(settings, token, big)
    assert sorted(r.full_name for r in repos) == [f"{OWNER}/{name}" for name in names]
    assert all(r.can_write for r in repos)
    assert pages_read(sim, "/user/installations") == {"1", "2"}
    assert pages_read(sim, f"/user/installations/{big}/repositories") == {"1", "2"}
