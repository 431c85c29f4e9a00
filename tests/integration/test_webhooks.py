"""The webhook receiver over real HTTP, with GitHub's own payload examples, signed."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from redis import Redis
from rq import Queue

from core.settings import Settings
from db.pool import Database
from github_app.signature import sign
from jobs.runtime.queues import job_id
from jobs.runtime.reconciler import reconcile
from morningai.embedded import DatabaseUrls
from tests.fakes.http import WebhookSender, compact, serve_wsgi
from tests.fakes.npm_fixtures import webhook_example
from tests.support.webhooks import INSTALLATION, SECRET, labeled_issue, make_settings
from web import create_app, spa

Conn = psycopg.Connection[tuple[Any, ...]]

pytestmark = pytest.mark.usefixtures("clean_db")


@pytest.fixture
def sender(database: DatabaseUrls, redis_url: str, redis: Redis) -> Iterator[WebhookSender]:
    app = create_app(make_settings(database, redis_url))
    with serve_wsgi(app) as url:
        client = WebhookSender(url, SECRET.encode())
        yield client
        client.close()
    app.extensions["morningai"].close()


def count(conn: Conn, table: str) -> int:
    row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
    assert row is not None
    return int(row[0])


def queued_jobs(redis: Redis) -> dict[str, list[str]]:
    return {name: Queue(name, connection=redis).job_ids for name in ("high", "default", "low")}


def test_labeled_issue_becomes_a_task_and_a_job(
    sender: WebhookSender, owner_conn: Conn, redis: Redis
) -> None:
    payload = labeled_issue()
    delivery = str(uuid.uuid4())
    response = sender.post("issues", payload, delivery=delivery)
    assert response.status_code == 202, response.text
    assert response.json()["outcome"] == "accepted"
    task = owner_conn.execute(
        "SELECT id, kind, status, subject, delivery_id, enqueued_at FROM tasks"
    ).fetchall()
    assert len(task) == 1
    task_id, kind, status, subject, delivery_id, enqueued_at = task[0]
    assert (kind, status, delivery_id) == ("code", "queued", delivery)
    assert subject["number"] == payload["issue"]["number"]
    assert subject["repository"] == payload["repository"]["full_name"]
    assert enqueued_at is not None
    row = owner_conn.execute(
        "SELECT outcome, event, action, installation_id, repository, task_id"
        " FROM webhook_deliveries WHERE delivery_id = %s",
        (delivery,),
    ).fetchone()
    assert row == (
        "accepted",
        "issues",
        "labeled",
        INSTALLATION,
        payload["repository"]["full_name"],
        task_id,
    )
    assert queued_jobs(redis)["default"] == [job_id(task_id, 0)]
    job = Queue("default", connection=redis).fetch_job(job_id(task_id, 0))
    assert job is not None
    assert job.func_name == "jobs.code.code_task.run"
    assert job.args == (task_id,)  # the job carries only the task id


def test_redelivery_runs_nothing_twice(
    sender: WebhookSender, owner_conn: Conn, redis: Redis
) -> None:
    payload = labeled_issue()
    delivery = str(uuid.uuid4())
    assert sender.post("issues", payload, delivery=delivery).status_code == 202
    again = sender.post("issues", payload, delivery=delivery)
    assert again.status_code == 200
    assert again.json()["outcome"] == "duplicate"
    assert count(owner_conn, "tasks") == 1
    assert count(owner_conn, "webhook_deliveries") == 1
    assert sum(len(ids) for ids in queued_jobs(redis).values()) == 1


@pytest.mark.parametrize(
    "signature",
    [
        "",
        "sha256=" + "0" * 64,
        "sha1=0123456789abcdef0123456789abcdef01234567",
        "garbage",
    ],
)
def test_bad_signature_is_401_and_stores_nothing(
    sender: WebhookSender, owner_conn: Conn, redis: Redis, signature: str
) -> None:
    response = sender.post("issues", labeled_issue(), signature=signature)
    assert response.status_code == 401
    assert count(owner_conn, "webhook_deliveries") == 0
    assert count(owner_conn, "tasks") == 0
    assert count(owner_conn, "tenants") == 0
    assert sum(len(ids) for ids in queued_jobs(redis).values()) == 0


def test_signature_of_other_secret_is_refused(sender: WebhookSender, owner_conn: Conn) -> None:
    other = WebhookSender(sender.url.removesuffix("/api/github/webhooks"), b"another-secret")
    try:
        assert other.post("issues", labeled_issue()).status_code == 401
    finally:
        other.close()
    assert count(owner_conn, "webhook_deliveries") == 0


def test_malformed_json_is_400_and_recorded_rejected(
    sender: WebhookSender, owner_conn: Conn
) -> None:
    delivery = str(uuid.uuid4())
    response = sender.post("issues", b'{"action": "labeled", ', delivery=delivery)
    assert response.status_code == 400
    row = owner_conn.execute(
        "SELECT outcome, tenant_id, detail FROM webhook_deliveries WHERE delivery_id = %s",
        (delivery,),
    ).fetchone()
    assert row is not None
    assert row[0] == "rejected"
    assert row[1] is None
    assert "JSON" in row[2]
    assert count(owner_conn, "tasks") == 0


def test_payload_that_does_not_parse_for_its_event_is_400(
    sender: WebhookSender, owner_conn: Conn
) -> None:
    payload = webhook_example("installation", "created")
    del payload["installation"]["account"]
    delivery = str(uuid.uuid4())
    assert sender.post("installation", payload, delivery=delivery).status_code == 400
    assert owner_conn.execute(
        "SELECT outcome FROM webhook_deliveries WHERE delivery_id = %s", (delivery,)
    ).fetchone() == ("rejected",)
    assert count(owner_conn, "tenants") == 0


def test_missing_delivery_header_is_400(sender: WebhookSender, owner_conn: Conn) -> None:
    response = sender.post("issues", labeled_issue(), headers={"X-GitHub-Delivery": ""})
    assert response.status_code == 400
    assert count(owner_conn, "tasks") == 0


def test_body_over_githubs_cap_is_413(sender: WebhookSender, owner_conn: Conn) -> None:
    body = b'{"pad": "' + b"x" * (25 * 1024 * 1024) + b'"}'
    response = sender.post("issues", body)
    assert response.status_code == 413
    assert count(owner_conn, "webhook_deliveries") == 0


def test_unhandled_event_is_202_and_recorded_ignored(
    sender: WebhookSender, owner_conn: Conn
) -> None:
    payload = webhook_example("star", "created")
    payload["installation"] = {"id": INSTALLATION}
    delivery = str(uuid.uuid4())
    response = sender.post("star", payload, delivery=delivery)
    assert response.status_code == 202
    assert response.json()["outcome"] == "ignored"
    assert owner_conn.execute(
        "SELECT outcome FROM webhook_deliveries WHERE delivery_id = %s", (delivery,)
    ).fetchone() == ("ignored",)


def test_ping_is_recorded(sender: WebhookSender, owner_conn: Conn) -> None:
    delivery = str(uuid.uuid4())
    assert sender.post("ping", webhook_example("ping"), delivery=delivery).status_code == 202
    assert count(owner_conn, "webhook_deliveries") == 1


def test_bot_sender_gets_no_task(sender: WebhookSender, owner_conn: Conn) -> None:
    payload = labeled_issue()
    payload["sender"]["type"] = "Bot"
    payload["sender"]["login"] = "morningai[bot]"
    response = sender.post("issues", payload)
    assert response.json()["outcome"] == "ignored"
    assert count(owner_conn, "tasks") == 0


def test_comment_command_and_its_edit(sender: WebhookSender, owner_conn: Conn) -> None:
    payload = webhook_example("issue_comment", "created")
    payload["issue"].pop("pull_request", None)
    payload["issue"].update(state="open", locked=False)
    payload["comment"]["body"] = "/morningai code please"
    payload["sender"]["type"] = "User"
    payload["installation"] = {"id": INSTALLATION}
    assert sender.post("issue_comment", payload).json()["outcome"] == "accepted"
    edited = dict(payload, action="edited")
    assert sender.post("issue_comment", edited).json()["outcome"] == "ignored"
    rows = owner_conn.execute("SELECT subject->>'instructions' FROM tasks").fetchall()
    assert rows == [("please",)]


def test_installation_lifecycle(sender: WebhookSender, owner_conn: Conn) -> None:
    created = webhook_example("installation", "created")
    installation_id = created["installation"]["id"]
    assert sender.post("installation", created).status_code == 202
    tenant = owner_conn.execute(
        "SELECT id, status, account_login FROM tenants WHERE installation_id = %s",
        (installation_id,),
    ).fetchone()
    assert tenant is not None
    assert tenant[1:] == ("active", created["installation"]["account"]["login"])
    names = {r[0] for r in owner_conn.execute("SELECT full_name FROM repositories WHERE active")}
    assert names == {r["full_name"] for r in created["repositories"]}

    def status() -> str:
        row = owner_conn.execute(
            "SELECT status FROM tenants WHERE installation_id = %s", (installation_id,)
        ).fetchone()
        assert row is not None
        return str(row[0])

    for action, expected in [
        ("suspend", "suspended"),
        ("unsuspend", "active"),
        ("new_permissions_accepted", "active"),
        ("deleted", "deleted"),
    ]:
        payload = webhook_example("installation", action)
        payload["installation"]["id"] = installation_id
        assert sender.post("installation", payload).status_code == 202
        assert status() == expected, action


def test_suspended_installation_gets_no_new_tasks(sender: WebhookSender, owner_conn: Conn) -> None:
    suspend = webhook_example("installation", "suspend")
    suspend["installation"]["id"] = INSTALLATION
    assert sender.post("installation", suspend).status_code == 202
    response = sender.post("issues", labeled_issue())
    assert response.json() == {
        "outcome": "ignored",
        "detail": "installation is suspended",
        "delivery": response.json()["delivery"],
    }
    assert count(owner_conn, "tasks") == 0


def test_installation_repositories_added_and_removed(
    sender: WebhookSender, owner_conn: Conn
) -> None:
    added = webhook_example("installation_repositories", "added")
    assert sender.post("installation_repositories", added).status_code == 202
    active = {r[0] for r in owner_conn.execute("SELECT full_name FROM repositories WHERE active")}
    assert active == {r["full_name"] for r in added["repositories_added"]}
    removed = webhook_example("installation_repositories", "removed")
    removed["installation"]["id"] = added["installation"]["id"]
    removed["repositories_removed"] = added["repositories_added"]
    assert sender.post("installation_repositories", removed).status_code == 202
    still = owner_conn.execute("SELECT count(*) FROM repositories WHERE active").fetchone()
    assert still == (0,)


def test_redis_down_keeps_the_task_queued_for_the_reconciler(
    database: DatabaseUrls, owner_conn: Conn, redis: Redis, app_db: Database
) -> None:
    # a port nothing listens on: enqueueing fails, the delivery must still be accepted
    dead = make_settings(database, "redis://127.0.0.1:1/0")
    app = create_app(dead)
    with serve_wsgi(app) as url:
        client = WebhookSender(url, SECRET.encode())
        response = client.post("issues", labeled_issue())
        client.close()
    app.extensions["morningai"].close()
    assert response.status_code == 202
    rows = owner_conn.execute("SELECT id, status, enqueued_at FROM tasks").fetchall()
    assert len(rows) == 1
    task_id, status, enqueued_at = rows[0]
    assert (status, enqueued_at) == ("queued", None)

    from datetime import timedelta

    assert reconcile(app_db, redis, queued_for=timedelta(0)) == [task_id]
    assert reconcile(app_db, redis, queued_for=timedelta(0)) == []  # exactly once
    assert queued_jobs(redis)["default"] == [job_id(task_id, 0)]


def test_health_and_readiness(database: DatabaseUrls, redis_url: str) -> None:
    app = create_app(make_settings(database, redis_url))
    with serve_wsgi(app) as url:
        assert httpx.get(url + "/healthz").status_code == 200
        assert httpx.get(url + "/readyz").json() == {"status": "ready"}
    app.extensions["morningai"].close()
    broken = create_app(make_settings(database, "redis://127.0.0.1:1/0"))
    with serve_wsgi(broken) as url:
        response = httpx.get(url + "/readyz")
    broken.extensions["morningai"].close()
    assert response.status_code == 503
    assert set(response.json()["failed"]) == {"redis"}


def test_index_names_missing_github_settings(
    database: DatabaseUrls, redis_url: str, tmp_path: Path
) -> None:
    app = create_app(make_settings(database, redis_url))
    app.config[spa.BUILD_DIR] = str(tmp_path)  # no web app built: GET / is this page (test_spa.py)
    with serve_wsgi(app) as url:
        page = httpx.get(url + "/").text
    assert "<li><code>GITHUB_APP_ID</code></li>" in page
    assert "<li><code>GITHUB_PRIVATE_KEY or GITHUB_PRIVATE_KEY_PATH</code></li>" in page
    assert "<li><code>GITHUB_WEBHOOK_SECRET</code></li>" not in page  # this one is set


def test_no_secret_configured_refuses_everything(
    database: DatabaseUrls, redis_url: str, owner_conn: Conn
) -> None:
    settings = Settings(_env_file=None, database_url=database.app, redis_url=redis_url)  # type: ignore[call-arg]
    app = create_app(settings)
    with serve_wsgi(app) as url:
        response = WebhookSender(url, b"").post("issues", labeled_issue())
    assert response.status_code == 503
    assert count(owner_conn, "webhook_deliveries") == 0


def test_database_down_is_503_and_readyz_names_it(
    tmp_path: Any, redis_url: str, redis: Redis
) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=f"host={tmp_path} dbname=nothing user=morningai_app connect_timeout=1",
        redis_url=redis_url,
        github_webhook_secret=SECRET,
    )
    app = create_app(settings)
    with serve_wsgi(app) as url:
        response = WebhookSender(url, SECRET.encode()).post("issues", labeled_issue())
        ready = httpx.get(url + "/readyz", timeout=30)
    app.extensions["morningai"].close()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert ready.status_code == 503
    assert set(ready.json()["failed"]) == {"postgresql"}
    assert sum(len(ids) for ids in queued_jobs(redis).values()) == 0


def test_a_second_request_while_one_is_live_is_not_queued_twice(
    sender: WebhookSender, owner_conn: Conn, redis: Redis
) -> None:
    first = sender.post("issues", labeled_issue())
    second = sender.post("issues", labeled_issue())  # another delivery, same issue
    assert first.json()["outcome"] == "accepted"
    assert second.status_code == 202
    assert second.json()["outcome"] == "ignored"
    assert "already queued or running" in second.json()["detail"]
    assert count(owner_conn, "tasks") == 1
    assert count(owner_conn, "webhook_deliveries") == 2
    assert sum(len(ids) for ids in queued_jobs(redis).values()) == 1


@pytest.mark.parametrize(
    ("delivery", "event"),
    [("abc\x00def", "issues"), (str(uuid.uuid4()), "iss\x00ues")],
    ids=["nul-in-delivery", "nul-in-event"],  # fixed: a random id would differ per xdist worker
)
def test_control_bytes_in_the_id_headers_are_400_not_500(
    database: DatabaseUrls, redis_url: str, owner_conn: Conn, delivery: str, event: str
) -> None:
    """Gunicorn refuses such headers itself; any other server in front must not make a 500."""
    app = create_app(make_settings(database, redis_url))
    body = compact(labeled_issue())
    headers = {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery,
        "X-Hub-Signature-256": sign(SECRET.encode(), body),
        "Content-Type": "application/json",
    }
    try:
        response = app.test_client().post("/api/github/webhooks", data=body, headers=headers)
    finally:
        app.extensions["morningai"].close()
    assert response.status_code == 400
    assert count(owner_conn, "tasks") == 0
    [(stored,)] = owner_conn.execute("SELECT delivery_id FROM webhook_deliveries").fetchall()
    assert "\x00" not in stored
