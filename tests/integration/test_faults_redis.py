"""Fault: Redis stops while deliveries arrive. The deliveries are still accepted and recorded,
their tasks wait in PostgreSQL, and once Redis is back the reconciler enqueues each exactly
once and a worker runs each exactly once.

The session's Redis is shared by every test, so this one starts and stops its own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from redis import Redis
from rq import Queue
from rq.job import Job, JobStatus

from core.settings import Settings
from jobs.runtime import context
from jobs.runtime.queues import QUEUE_NAMES, job_id
from jobs.runtime.reconciler import reconcile
from morningai import embedded
from morningai.embedded import DatabaseUrls, EmbeddedRedis
from simulator import GitHubSimulator
from simulator.openai_server import ScriptedModelServer
from tests.fakes.http import WebhookSender, serve_wsgi
from tests.support.model import EDIT, PLAN
from tests.support.simulated import OWNER, REPO, SECRET, labeled, status_comments
from tests.support.tasks import drain
from web import create_app

Conn = psycopg.Connection[tuple[Any, ...]]

pytestmark = pytest.mark.usefixtures("clean_db")


class RestartableRedis:
    """The embedded Redis-compatible server, restartable on the port it first got (the app
    and the worker keep their URL across the outage, as they would in production)."""

    def __init__(self, data_dir: Path) -> None:
        self.server = EmbeddedRedis(data_dir)
        self.url = self.server.start()
        self.port = int(self.url.rsplit(":", 1)[1].split("/")[0])

    def stop(self) -> None:
        self.server.stop()

    def restart(self, monkeypatch: pytest.MonkeyPatch) -> None:
        with monkeypatch.context() as patch:
            patch.setattr(embedded, "_free_port", lambda: self.port)
            assert self.server.start() == self.url


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RestartableRedis]:
    server = RestartableRedis(tmp_path / "own-redis")
    yield server
    server.stop()


@pytest.fixture
def own_client(own_redis: RestartableRedis) -> Iterator[Redis]:
    client = Redis.from_url(own_redis.url)
    yield client
    client.close()


@pytest.fixture
def own_ctx(
    database: DatabaseUrls,
    own_redis: RestartableRedis,
    sim: GitHubSimulator,
    model: ScriptedModelServer,
) -> Iterator[context.JobContext]:
    """Settings and the worker's context on this test's Redis, not the session's."""
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=database.app,
        redis_url=own_redis.url,
        github_webhook_secret=SECRET,
        github_app_id=str(sim.app_id),
        github_private_key=sim.private_key_pem,
        github_api_url=sim.url,
        openai_api_key="sk-test-not-a-real-key",
        openai_base_url=model.base_url,
        morningai_model="gpt-4.1-mini",
    )
    ctx = context.build(settings)
    previous = context._contexts.get(os.getpid())
    context.install(ctx)
    yield ctx
    ctx.close()
    if previous is not None:
        context.install(previous)


def more_issues(sim: GitHubSimulator, repo: dict[str, Any], how_many: int) -> list[int]:
    numbers = [repo["number"]]
    for n in range(how_many - 1):
        numbers.append(
            sim.add_issue(
                OWNER,
                REPO,
                f"Greeting is rude ({n})",
                "`greet()` in app.py says 'hey'. It should say Hello.",
                user="alice",
                labels=["morningai"],
            )
        )
    return numbers


def test_redis_outage_loses_nothing_and_runs_each_task_once(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    own_redis: RestartableRedis,
    own_ctx: context.JobContext,
    own_client: Redis,
    owner_conn: Conn,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    numbers = more_issues(sim, repo, 4)
    app = create_app(own_ctx.settings)
    redis = own_client
    try:
        with serve_wsgi(app) as url:
            sender = WebhookSender(url, SECRET.encode())
            own_redis.stop()  # the real server process ends; the app keeps running
            answers = [sender.post("issues", labeled({**repo, "number": n})) for n in numbers[:3]]
            ready = httpx.get(url + "/readyz", timeout=30)
            own_redis.restart(monkeypatch)
            # a delivery after the outage is enqueued by the same app, with no restart
            late = sender.post("issues", labeled({**repo, "number": numbers[3]}))
            sender.close()
    finally:
        app.extensions["morningai"].close()

    assert [a.status_code for a in answers] == [202, 202, 202], [a.text for a in answers]
    assert {a.json()["outcome"] for a in answers} == {"accepted"}
    assert ready.status_code == 503
    assert set(ready.json()["failed"]) == {"redis"}
    assert (late.status_code, late.json()["outcome"]) == (202, "accepted")

    rows = owner_conn.execute(
        "SELECT d.delivery_id, d.outcome, t.id, t.status, t.enqueued_at IS NOT NULL"
        " FROM webhook_deliveries d JOIN tasks t ON t.id = d.task_id ORDER BY t.id"
    ).fetchall()
    sent = [a.json()["delivery"] for a in [*answers, late]]
    assert [r[0] for r in rows] == sent  # every delivery recorded, each with its task
    assert all(r[1] == "accepted" and r[3] == "queued" for r in rows)
    assert [r[4] for r in rows] == [False, False, False, True]
    task_ids = [r[2] for r in rows]
    waiting = task_ids[:3]

    # the restarted Redis holds only the job enqueued after the outage
    assert all_job_ids(redis) == [job_id(task_ids[3], 0)]
    assert sorted(reconcile(own_ctx.db, redis, queued_for=timedelta(0))) == waiting
    assert reconcile(own_ctx.db, redis, queued_for=timedelta(0)) == []
    expected_jobs = sorted(job_id(t, 0) for t in task_ids)
    assert sorted(all_job_ids(redis)) == expected_jobs  # one job per task, none twice

    for _ in task_ids:
        model.expect_chat(PLAN)
        model.expect_chat(EDIT)
    drain(redis)
    model.assert_done()  # two model calls per task: nothing ran twice

    for jid in expected_jobs:
        job = Job.fetch(jid, connection=redis)
        assert job.get_status() == JobStatus.FINISHED
        assert len(job.results()) == 1  # RQ executed it exactly once
    assert all_job_ids(redis) == []
    assert Queue("default", connection=redis).failed_job_registry.get_job_ids() == []
    final = owner_conn.execute("SELECT status, attempts FROM tasks ORDER BY id").fetchall()
    assert final == [("succeeded", 1)] * len(task_ids)
    started = owner_conn.execute(
        "SELECT task_id, count(*) FROM task_events WHERE kind = 'started' GROUP BY task_id"
        " ORDER BY task_id"
    ).fetchall()
    assert started == [(t, 1) for t in task_ids]
    assert sorted(p["head"]["ref"] for p in sim.pulls(OWNER, REPO)) == sorted(
        f"morningai/issue-{n}" for n in numbers
    )
    assert all(len(status_comments(sim, n)) == 1 for n in numbers)


def all_job_ids(redis: Redis) -> list[str]:
    return [jid for name in QUEUE_NAMES for jid in Queue(name, connection=redis).job_ids]


def test_sign_in_with_redis_down_is_a_503_that_says_to_retry(
    database: DatabaseUrls, own_redis: RestartableRedis, sim: GitHubSimulator
) -> None:
    """A path that keeps state in Redis (sign-in's single-use state) answers 503 with
    Retry-After while Redis is away — not a 500 — and works again once it is back."""
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=database.app,
        redis_url=own_redis.url,
        github_webhook_secret=SECRET,
        github_app_id=str(sim.app_id),
        github_private_key=sim.private_key_pem,
        github_api_url=sim.url,
        github_url=sim.url,
        github_client_id="Iv1.test-client",
        github_client_secret="test-client-secret",
    )
    app = create_app(settings)
    try:
        with serve_wsgi(app) as url, httpx.Client(base_url=url, timeout=30.0) as http:
            assert http.get("/login").status_code == 302
            own_redis.stop()
            down = http.get("/login")
            assert down.status_code == 503, down.text
            assert down.headers["Retry-After"] == "30"
            assert "unavailable" in down.json()["error"]
            assert "test-client-secret" not in down.text
    finally:
        app.extensions["morningai"].close()
