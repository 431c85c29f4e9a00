"""The dashboard's tasks API over real HTTP, signed in through the simulator: a person sees and
acts on exactly the tasks of the repositories GitHub says they reach — never another
installation's, never a repository of their own installation they cannot see — and stop and
retry need write permission and a CSRF header, and become real queued tasks."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb
from redis import Redis

from db.pool import Database
from jobs.runtime.queues import job_id, queue
from simulator import GitHubSimulator
from tests.support.dashboard import reach_world
from tests.support.sign_in import Web, csrf, sign_in
from tests.support.task_rows import make_task

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("no_sessions", "clean_db")]
Conn = psycopg.Connection[tuple[Any, ...]]
NOW = datetime.now(UTC)


@pytest.fixture
def world(sim: GitHubSimulator, app_db: Database) -> dict[str, int]:
    """The tasks of tests/support/dashboard.reach_world's repositories."""
    made = reach_world(sim, app_db)
    a, b, acme = made["tenant_a"], made["tenant_b"], made["acme"]
    return {
        "acme": acme,
        "failed": make_task(app_db, a, "acme/widgets", 1, status="failed", error="boom"),
        "running": make_task(app_db, a, "acme/widgets", 2, status="running"),
        "docs": make_task(
            app_db,
            a,
            "acme/docs",
            3,
            "faq_pr",
            status="succeeded",
            pr_number=9,
            pr_state="merged",
            pr_closed_at=NOW,
        ),
        "secret": make_task(app_db, a, "acme/secret", 4, status="failed"),
        "other": make_task(app_db, b, "other/app", 5, status="failed", error="boom"),
    }


def ids(answer: Any) -> set[int]:
    return {t["id"] for t in answer.json()["tasks"]}


def test_signed_out_gets_401_everywhere(web: Web, world: dict[str, int]) -> None:
    task = world["failed"]
    for method, path in (
        ("GET", "/api/tasks"),
        ("GET", f"/api/tasks/{task}"),
        ("POST", f"/api/tasks/{task}/stop"),
        ("POST", f"/api/tasks/{task}/retry"),
    ):
        answer = web.http.request(method, path)
        assert answer.status_code == 401, (method, path, answer.text)
        assert answer.json() == {"error": "not signed in"}


def test_the_list_holds_exactly_the_reached_repositories(
    web: Web, sim: GitHubSimulator, world: dict[str, int]
) -> None:
    sign_in(web, sim)
    listed = web.http.get("/api/tasks")
    assert listed.status_code == 200, listed.text
    assert ids(listed) == {world["failed"], world["running"], world["docs"]}
    first = listed.json()["tasks"][0]
    assert first["id"] == world["docs"]  # newest first
    assert first["installation_id"] == world["acme"]
    assert first["thread_url"].endswith("/acme/docs/issues/3")
    assert (first["pr_number"], first["pr_state"]) == (9, "merged")
    # filters: a repository outside the reach gives nothing rather than its tasks
    assert ids(web.http.get("/api/tasks?repository=acme/secret")) == set()
    assert ids(web.http.get("/api/tasks?repository=other/app")) == set()
    assert ids(web.http.get("/api/tasks?repository=ACME/Widgets")) == {
        world["failed"],
        world["running"],
    }
    assert ids(web.http.get("/api/tasks?status=failed")) == {world["failed"]}
    assert ids(web.http.get("/api/tasks?kind=faq_pr")) == {world["docs"]}
    assert ids(web.http.get("/api/tasks?requested_by=ALICE")) == ids(listed)
    assert ids(web.http.get("/api/tasks?requested_by=bob")) == set()
    # pages follow the cursor without repeating or skipping a row
    seen: list[int] = []
    cursor = ""
    for _ in range(5):
        page = web.http.get("/api/tasks", params={"limit": 1, "cursor": cursor}).json()
        seen += [t["id"] for t in page["tasks"]]
        if page["next_cursor"] is None:
            break
        cursor = page["next_cursor"]
    assert seen == [t["id"] for t in listed.json()["tasks"]]


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("status=done", "unknown status"),
        ("kind=deploy", "unknown kind"),
        ("limit=0", "limit is 1 to 100"),
        ("limit=ten", "whole numbers"),
        ("cursor=bm90LWEtY3Vyc29y", "cursor"),
    ],
)
def test_a_bad_query_is_a_400_that_says_why(
    web: Web, sim: GitHubSimulator, world: dict[str, int], query: str, words: str
) -> None:
    sign_in(web, sim)
    answer = web.http.get(f"/api/tasks?{query}")
    assert answer.status_code == 400
    assert words in answer.json()["error"]


def test_a_task_out_of_reach_is_a_404_like_a_missing_one(
    web: Web, sim: GitHubSimulator, world: dict[str, int]
) -> None:
    sign_in(web, sim)
    headers = csrf(web)
    missing = web.http.get("/api/tasks/999999")
    assert missing.status_code == 404
    for name in ("other", "secret"):
        task = world[name]
        for method, path in (
            ("GET", f"/api/tasks/{task}"),
            ("POST", f"/api/tasks/{task}/stop"),
            ("POST", f"/api/tasks/{task}/retry"),
        ):
            answer = web.http.request(method, path, headers=headers)
            assert answer.status_code == 404, (name, path, answer.text)
            assert answer.json()["error"] == f"no task {task} among the repositories you reach"


def test_the_task_page_holds_timeline_model_calls_diff_checks_and_failure(
    web: Web, sim: GitHubSimulator, world: dict[str, int], owner_conn: Conn
) -> None:
    task = world["failed"]
    rows = [
        ("started", "attempt 1 started", {}),
        ("stage", "Reading the repository", {"stage": "reading"}),
        ("model", "100 tokens", {"model": "m", "stage": "planning", "prompt_tokens": 80,
                                 "completion_tokens": 20, "cost_usd": 0.001}),
        ("model", "250 tokens", {"model": "m", "stage": "editing", "prompt_tokens": 200,
                                 "completion_tokens": 50, "cost_usd": 0.0025}),
        ("change", "1 file(s) changed", {"diff": "diff --git a/x b/x\n+hello\n",
                                          "checks": [{"name": "tests", "ok": False, "ran": True,
                                                      "detail": "1 failed"}]}),
        ("failed", "boom", {}),
    ]  # fmt: skip
    for kind, message, data in rows:
        owner_conn.execute(
            "INSERT INTO task_events (tenant_id, task_id, kind, message, data)"
            " SELECT tenant_id, id, %s, %s, %s FROM tasks WHERE id = %s",
            (kind, message, Jsonb(data), task),
        )
    sign_in(web, sim)
    page = web.http.get(f"/api/tasks/{task}")
    assert page.status_code == 200, page.text
    body = page.json()
    assert [e["type"] for e in body["events"]] == ["started", "stage", "failed"]
    assert body["events"][1]["stage"] == "reading"
    assert [(c["purpose"], c["prompt_tokens"], c["completion_tokens"], c["cost_usd"])
            for c in body["model_calls"]] == [("planning", 80, 20, "0.001"),
                                              ("editing", 120, 30, "0.0015")]  # fmt: skip
    assert body["diff"] == "diff --git a/x b/x\n+hello\n"
    assert body["verification"]["passed"] is False
    assert body["verification"]["summary"] == "failed: tests"
    assert body["failure"]["reason"] == "boom"
    assert body["failure"]["what_to_do"]
    assert body["can_act"] is True
    assert body["instructions"] == "make the greeting polite"
    # read-only on docs: shown, but not to act on
    assert web.http.get(f"/api/tasks/{world['docs']}").json()["can_act"] is False


def test_retry_makes_a_new_queued_task_once(
    web: Web, sim: GitHubSimulator, world: dict[str, int], redis: Redis, owner_conn: Conn
) -> None:
    sign_in(web, sim)
    task = world["failed"]
    assert web.http.post(f"/api/tasks/{task}/retry").status_code == 403  # no CSRF header
    wrong = {"X-MorningAI-CSRF": "0" * 64}
    assert web.http.post(f"/api/tasks/{task}/retry", headers=wrong).status_code == 403
    headers = csrf(web)
    elsewhere = {**headers, "Origin": "https://evil.example"}
    refused = web.http.post(f"/api/tasks/{task}/retry", headers=elsewhere)
    assert refused.status_code == 403
    assert "another origin" in refused.json()["error"]
    same_site = {**headers, "Origin": web.url}
    answer = web.http.post(f"/api/tasks/{task}/retry", headers=same_site)
    assert answer.status_code == 202, answer.text
    made = answer.json()["task"]
    assert made["id"] != task
    assert (made["kind"], made["status"], made["requested_by"]) == ("code", "queued", "alice")
    (subject,) = owner_conn.execute("SELECT subject FROM tasks WHERE id = %s", (made["id"],))
    assert subject[0]["trigger"] == f"dashboard:retry:{task}"
    assert subject[0]["instructions"] == "make the greeting polite"
    assert job_id(made["id"], 0) in queue(redis, "default").get_job_ids()
    # the same thread now has a code task queued: a second retry is refused, not queued
    again = web.http.post(f"/api/tasks/{task}/retry", headers=headers)
    assert again.status_code == 409
    assert "already queued or running" in again.json()["error"]
    # a running task is not retried; a read-only person cannot retry
    assert web.http.post(f"/api/tasks/{world['running']}/retry", headers=headers).status_code == 409
    denied = web.http.post(f"/api/tasks/{world['docs']}/retry", headers=headers)
    assert denied.status_code == 403
    assert "write access to acme/docs" in denied.json()["error"]


def test_stop_asks_for_a_stop_task_on_the_thread(
    web: Web, sim: GitHubSimulator, world: dict[str, int], redis: Redis
) -> None:
    sign_in(web, sim)
    headers = csrf(web)
    answer = web.http.post(f"/api/tasks/{world['running']}/stop", headers=headers)
    assert answer.status_code == 202, answer.text
    made = answer.json()["task"]
    assert (made["kind"], made["number"], made["requested_by"]) == ("stop", 2, "alice")
    assert job_id(made["id"], 0) in queue(redis, "high").get_job_ids()
    twice = web.http.post(f"/api/tasks/{world['running']}/stop", headers=headers)
    assert twice.status_code == 409
    done = web.http.post(f"/api/tasks/{world['failed']}/stop", headers=headers)
    assert done.status_code == 409
    assert done.json()["error"] == f"task {world['failed']} has already failed"
