"""What became of MorningAI's pull requests: signed `pull_request` deliveries (GitHub's own
examples) move the tasks of one of our branches to merged, closed or open again — in the
tenant and repository they came for only, once per delivery."""

from __future__ import annotations

import uuid
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import psycopg
import pytest
from redis import Redis

from db import tasks
from db.pool import Database
from db.tenancy import tenant_transaction
from morningai.embedded import DatabaseUrls
from simulator import GitHubSimulator
from simulator.openai_server import ScriptedModelServer
from tests.fakes.http import WebhookSender, serve_wsgi
from tests.fakes.npm_fixtures import webhook_example
from tests.support.model import EDIT, PLAN
from tests.support.simulated import OWNER, labeled
from tests.support.simulated import REPO as SIM_REPO
from tests.support.task_rows import make_task, tenant
from tests.support.tasks import drain
from tests.support.webhooks import INSTALLATION, SECRET, make_settings
from web import create_app

Conn = psycopg.Connection[tuple[Any, ...]]
REPO = "acme/widgets"
PR = 13
MERGED_AT = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
CLOSED_AT = datetime(2026, 12, 1, 11, 0, tzinfo=UTC)
OPENED = {
    "pr_number": PR,
    "pr_state": "open",
    "branch": "morningai/issue-12",
    "status": "succeeded",
}

pytestmark = pytest.mark.usefixtures("clean_db")


@pytest.fixture
def receiver(database: DatabaseUrls, redis_url: str, redis: Redis) -> Iterator[WebhookSender]:
    app = create_app(make_settings(database, redis_url))
    with serve_wsgi(app) as url:
        client = WebhookSender(url, SECRET.encode())
        yield client
        client.close()
    app.extensions["morningai"].close()


@pytest.fixture
def ours(app_db: Database) -> dict[str, int]:
    """Our PR #13 in acme/widgets with its code task and a revise task; a task of another
    repository with the same PR number; another tenant's acme/widgets with its own #13."""
    a, b = tenant(app_db, INSTALLATION), tenant(app_db, INSTALLATION + 1)
    return {
        "code": make_task(app_db, a, REPO, 12, **OPENED),
        "revise": make_task(app_db, a, REPO, PR, "revise", **OPENED),
        "other_repo": make_task(app_db, a, "acme/gadgets", 12, **OPENED),
        "other_tenant": make_task(app_db, b, REPO, 12, **OPENED),
    }


def pull_event(action: str, *, merged: bool = False, head_ref: str = "morningai/issue-12") -> Any:
    payload = webhook_example("pull_request", action)
    # make_task's repositories have the CRC-32 of their name as GitHub id
    payload["repository"].update(id=zlib.crc32(REPO.encode()), full_name=REPO, name="widgets")
    pull = payload["pull_request"]
    pull["number"] = PR
    pull["head"]["ref"] = head_ref
    pull["head"]["repo"] = dict(payload["repository"])
    if action == "closed":
        pull.update(merged=merged, closed_at=CLOSED_AT.isoformat(), merge_commit_sha="abc123")
        pull["merged_at"] = MERGED_AT.isoformat() if merged else None
        pull["merged_by"] = {"login": "octocat"} if merged else None
    payload["installation"] = {"id": INSTALLATION}
    return payload


def states(owner_conn: Conn) -> dict[int, tuple[str | None, datetime | None]]:
    rows = owner_conn.execute("SELECT id, pr_state, pr_closed_at FROM tasks").fetchall()
    return {row[0]: (row[1], row[2]) for row in rows}


def delivery(owner_conn: Conn, delivery_id: str) -> tuple[Any, ...] | None:
    return owner_conn.execute(
        "SELECT outcome, detail, event, action FROM webhook_deliveries WHERE delivery_id = %s",
        (delivery_id,),
    ).fetchone()


def post(receiver: WebhookSender, payload: Any, delivery_id: str | None = None) -> Any:
    response = receiver.post("pull_request", payload, delivery=delivery_id or str(uuid.uuid4()))
    assert response.status_code in (200, 202), response.text
    return response.json()


def test_merged_marks_our_tasks_merged_and_still_checks_faq_staleness(
    receiver: WebhookSender, owner_conn: Conn, ours: dict[str, int]
) -> None:
    before = states(owner_conn)
    delivery_id = str(uuid.uuid4())
    assert post(receiver, pull_event("closed", merged=True), delivery_id)["outcome"] == "accepted"
    after = states(owner_conn)
    assert after[ours["code"]] == after[ours["revise"]] == ("merged", MERGED_AT)
    for untouched in ("other_repo", "other_tenant"):
        assert after[ours[untouched]] == before[ours[untouched]] == ("open", None)
    assert delivery(owner_conn, delivery_id) == (
        "accepted",
        f"pull request #{PR} merged: 2 task(s) updated; faq_stale task for #{PR}",
        "pull_request",
        "closed",
    )
    [stale] = owner_conn.execute(
        "SELECT subject ->> 'number', delivery_id FROM tasks WHERE kind = 'faq_stale'"
    ).fetchall()
    assert stale == (str(PR), delivery_id)


def test_closed_unmerged_then_reopened(
    receiver: WebhookSender, owner_conn: Conn, ours: dict[str, int]
) -> None:
    closed = str(uuid.uuid4())
    assert post(receiver, pull_event("closed"), closed)["outcome"] == "accepted"
    assert states(owner_conn)[ours["code"]] == ("closed", CLOSED_AT)
    assert delivery(owner_conn, closed) == (
        "accepted",
        f"pull request #{PR} closed: 2 task(s) updated",
        "pull_request",
        "closed",
    )
    assert post(receiver, pull_event("reopened"))["outcome"] == "accepted"
    after = states(owner_conn)
    assert after[ours["code"]] == after[ours["revise"]] == ("open", None)
    assert after[ours["other_tenant"]] == ("open", None)
    kinds = owner_conn.execute("SELECT DISTINCT kind FROM tasks ORDER BY 1").fetchall()
    assert kinds == [("code",), ("revise",)]  # closing unmerged asks for no FAQ check


def test_a_redelivery_is_not_applied_twice(
    receiver: WebhookSender, owner_conn: Conn, ours: dict[str, int]
) -> None:
    closed = str(uuid.uuid4())
    post(receiver, pull_event("closed"), closed)
    post(receiver, pull_event("reopened"))
    assert post(receiver, pull_event("closed"), closed)["outcome"] == "duplicate"
    assert states(owner_conn)[ours["code"]] == ("open", None)
    count = owner_conn.execute("SELECT count(*) FROM webhook_deliveries").fetchone()
    assert count == (2,)


def test_a_merged_pull_request_stays_merged(
    receiver: WebhookSender, owner_conn: Conn, ours: dict[str, int]
) -> None:
    post(receiver, pull_event("closed", merged=True))
    # a late delivery of an earlier close and reopen cannot undo the merge
    post(receiver, pull_event("reopened"))
    post(receiver, pull_event("closed"))
    assert states(owner_conn)[ours["code"]] == ("merged", MERGED_AT)


def test_someone_elses_branch_changes_nothing(
    receiver: WebhookSender, owner_conn: Conn, ours: dict[str, int]
) -> None:
    before = states(owner_conn)
    closed = str(uuid.uuid4())
    assert post(receiver, pull_event("closed", head_ref="feature"), closed)["outcome"] == "ignored"
    assert delivery(owner_conn, closed) == (
        "ignored",
        "closed without merging",
        "pull_request",
        "closed",
    )
    merged = post(receiver, pull_event("closed", merged=True, head_ref="feature"))
    assert merged["outcome"] == "accepted"  # the FAQ staleness check only
    assert post(receiver, pull_event("reopened", head_ref="feature"))["outcome"] == "ignored"
    after = states(owner_conn)
    assert {k: after[k] for k in before} == before
    [new] = set(after) - set(before)  # the staleness check's own task, with no pull request
    assert after[new] == (None, None)


def test_a_pull_request_no_task_opened_is_recorded_as_ignored(
    receiver: WebhookSender, owner_conn: Conn, app_db: Database
) -> None:
    tenant(app_db, INSTALLATION)
    closed = str(uuid.uuid4())
    assert post(receiver, pull_event("closed"), closed)["outcome"] == "ignored"
    assert delivery(owner_conn, closed) == (
        "ignored",
        f"pull request #{PR} closed: 0 task(s) updated",
        "pull_request",
        "closed",
    )
    unknown = pull_event("closed")
    unknown["installation"]["id"] = INSTALLATION + 99
    assert post(receiver, unknown)["outcome"] == "ignored"


def test_the_pull_request_a_code_task_opens_is_followed_until_merged(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    agent: WebhookSender,
    redis: Redis,
    owner_conn: Conn,
) -> None:
    model.expect_chat(PLAN, match="Greeting is rude")
    model.expect_chat(EDIT, match="Carry out this plan")
    assert agent.post("issues", labeled(repo)).status_code == 202
    drain(redis)
    [pr] = sim.pulls(OWNER, SIM_REPO)
    row = owner_conn.execute(
        "SELECT pr_number, pr_state, pr_closed_at, created_at <= pr_opened_at"
        " AND pr_opened_at <= finished_at FROM tasks"
    ).fetchone()
    assert row == (pr["number"], "open", None, True)

    sim.merge_pull(OWNER, SIM_REPO, pr["number"])
    # the delivery GitHub sends for it: the pull request as it now is, in its repository
    [merged] = sim.pulls(OWNER, SIM_REPO)
    payload = webhook_example("pull_request", "closed")
    payload.update(pull_request=merged, repository=merged["base"]["repo"])
    payload["installation"] = {"id": repo["installation"]}
    assert agent.post("pull_request", payload).json()["outcome"] == "accepted"
    state = owner_conn.execute(
        "SELECT pr_state, pr_closed_at FROM tasks WHERE kind = 'code'"
    ).fetchone()
    assert state == ("merged", datetime.fromisoformat(merged["merged_at"]))


def test_the_simulator_delivers_merges_closes_and_reopens(
    receiver: WebhookSender, sim: GitHubSimulator, owner_conn: Conn, app_db: Database
) -> None:
    """GitHub's side: a manifest App whose hook is MorningAI gets `pull_request` deliveries
    (checked against GitHub's webhook schema by the `sim` fixture) as pulls change."""
    code = sim.manifest_code(
        {
            "name": "Followed",
            "url": "http://127.0.0.1:9/",
            "hook_attributes": {"url": "http://127.0.0.1:9/hook"},
            "redirect_url": "http://127.0.0.1:9/done",
        }
    )
    app = sim.manifest_app(httpx.post(f"{sim.url}/app-manifests/{code}/conversions").json()["id"])
    app.hook_url, app.webhook_secret = receiver.url, SECRET
    sim.create_repo(OWNER, SIM_REPO, files={"README.md": "# hi\n"})
    owner = sim.world.account(OWNER)
    installed = httpx.post(
        f"{sim.url}/apps/{app.slug}/installations",
        data={"target_id": str(owner.id), "repository_selection": "all"},
    )
    assert installed.status_code == 302
    sim.push(OWNER, SIM_REPO, "morningai/issue-1", {"README.md": "# hello\n"}, start="main")
    number = sim.open_pull(OWNER, SIM_REPO, head_ref="morningai/issue-1", title="Hello")
    sim.deliveries()  # the installation's, answered
    [(tenant_id, repository_id)] = owner_conn.execute(
        "SELECT tenant_id, id FROM repositories"
    ).fetchall()  # made by the installation's delivery
    with tenant_transaction(app_db, tenant_id) as scope:
        task = tasks.create(scope, tasks.NewTask("code", "default", "t", {}, repository_id))
        tasks.record_pull_request(scope, task.id, number=number, url="u", opened=True)

    def state() -> tuple[Any, ...] | None:
        sim.deliveries()  # every delivery so far has had its answer
        return owner_conn.execute("SELECT pr_state, pr_closed_at FROM tasks").fetchone()

    sim.close_issue(OWNER, SIM_REPO, number, by="alice")
    assert state() == ("closed", sim.world.repos[(OWNER, SIM_REPO)].issues[number].closed_at)
    sim.reopen_pull(OWNER, SIM_REPO, number)
    assert state() == ("open", None)
    sim.merge_pull(OWNER, SIM_REPO, number)
    [*_, merged] = sim.deliveries()
    assert (merged.event, merged.action, merged.status) == ("pull_request", "closed", 202)
    merged_at = datetime.fromisoformat(merged.payload["pull_request"]["merged_at"])
    assert state() == ("merged", merged_at)
    events = [(d.event, d.action, d.status) for d in sim.deliveries()]
    assert events == [
        ("installation", "created", 202),
        ("pull_request", "closed", 202),
        ("pull_request", "reopened", 202),
        ("pull_request", "closed", 202),
    ]
