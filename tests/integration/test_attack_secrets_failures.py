"""Secrets scan over the failure flows: GitHub's 502 until the task gives up, 404 and 401 (on
a call and on the token exchange), the model's 429, 500 and timeout, PostgreSQL lost mid-task,
an exception while publishing and a worker SIGKILLed while publishing, an invalid
`.github/morningai.yml`, a malformed private key and a wrong webhook secret — each driven
end to end (webhook → task → worker), with every setting holding a distinctive secret.

Searched (tests/support/secrets_scan.py): every log record at DEBUG of every logger,
tracebacks included (and a real worker's output at DEBUG), every table (task_events,
tasks.error, checkpoints …), every Redis key (RQ job data, failed jobs' exc_info, results),
GitHub's comments, pull requests and commits, every answer the webhook endpoint, the setup
page, the health checks, /metrics and the signed-in dashboard gave. Secrets: the OpenAI key,
webhook secret, each line of the App's private key, the OAuth client secret, the key for
secrets at rest, the database password, the chat platforms' tokens and secrets, the metrics
token, and every installation token, user token and JWT the simulator issued or was shown —
whole, or cut to its first or last 20 characters; and any `x-access-token:…@` URL."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import psutil
import psycopg
import pytest
from openai import OpenAI
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from pydantic import SecretStr
from redis import Redis

from agents import llm
from core.settings import Settings
from db.pool import Database
from jobs.code import code_task
from jobs.runtime import context
from jobs.runtime.queues import QUEUE_NAMES, job_id, queue
from jobs.runtime.reconciler import reconcile
from morningai.embedded import APP_ROLE, DatabaseUrls
from simulator import GitHubSimulator
from simulator.openai_server import ScriptedModelServer
from tests.fakes.http import WebhookSender, compact, serve_wsgi
from tests.support.flow import Flow
from tests.support.model import EDIT, PLAN
from tests.support.secrets_scan import (
    Everything,
    all_secrets,
    everything_logged,
    everywhere,
    model_requests_text,
    redis_text,
)
from tests.support.sign_in import Web, sign_in
from tests.support.simulated import BROKEN_CONFIG, OWNER, REPO, STOPS_WITH, labeled
from tests.support.tasks import drain, run_due, task_row
from web import create_app

Conn = psycopg.Connection[tuple[Any, ...]]
Parts = tuple[GitHubSimulator, ScriptedModelServer, dict[str, Any], Redis, Conn, Database]
pytestmark = pytest.mark.usefixtures("clean_db")

# distinctive values, so that a hit is never a coincidence
OPENAI_KEY = "sk-morningai-SECRET-openai-4f9c2a7e1b3d5c8a0e6f"
WEBHOOK_SECRET = "whsec-morningai-SECRET-webhook-9d8c7b6a5f4e"
SECRET_KEY = base64.b64encode(b"MORNINGAI-SECRET-KEY-32-BYTES!!!").decode()
DB_PASSWORD = "pg-morningai-SECRET-password-3e2d1c0b"
RIG_CONNECTIONS = "morningai-secrets-rig"  # application_name of the rig's connections
METRICS_TOKEN = "metrics-morningai-SECRET-token-8a7b6c5d"
CHAT = {
    "slack_signing_secret": "slack-morningai-SECRET-signing-1a2b3c4d",
    "slack_client_id": "1234.5678",
    "slack_client_secret": "slack-morningai-SECRET-client-5e6f7a8b",
    "discord_application_id": "112233445566778899",
    "discord_public_key": "00" * 32,
    "discord_bot_token": "discord-morningai-SECRET-bot-9c0d1e2f",
    "telegram_bot_token": "123456789:morningai-SECRET-telegram-3a4b5c6d",
    "telegram_webhook_secret": "tg-morningai-SECRET-webhook-7e8f9a0b",
    "telegram_bot_username": "morningai_bot",
}
NOWHERE = "http://127.0.0.1:9"  # the chat platforms: no flow here talks to them
# a private key that does not parse, its body lines as distinctive as the rest
BAD_PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEAmorningaiSECRETkeyLINEoneAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
    "morningaiSECRETkeyLINEtwoBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB==\n"
    "-----END RSA PRIVATE KEY-----\n"
)
FAST_500 = {"retry-after-ms": "20"}  # keeps the client's in-place waits short
REFUSED = {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"}
GONE = {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}


def secret_settings(
    database: DatabaseUrls, redis_url: str, sim: GitHubSimulator, model_url: str, **extra: Any
) -> Settings:
    """Every secret setting set, to a value found nowhere else."""
    client_id, client_secret = sim.oauth_client()
    values: dict[str, Any] = {
        # named, so losing PostgreSQL cuts the rig's connections only, not the session's pool
        "database_url": make_conninfo(
            database.app, password=DB_PASSWORD, application_name=RIG_CONNECTIONS
        ),
        "redis_url": redis_url,
        "github_webhook_secret": WEBHOOK_SECRET,
        "github_app_id": str(sim.app_id),
        "github_private_key": sim.private_key_pem,
        "github_api_url": sim.url,
        "github_url": sim.url,
        "github_client_id": client_id,
        "github_client_secret": client_secret,
        "morningai_secret_key": SECRET_KEY,
        "morningai_insecure_cookies": True,
        "openai_api_key": OPENAI_KEY,
        "openai_base_url": model_url,
        "metrics_token": METRICS_TOKEN,
        "slack_api_url": NOWHERE,
        "discord_api_url": NOWHERE,
        "telegram_api_url": NOWHERE,
        "task_stale_seconds": 2,
        **CHAT,
        **extra,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def settings_env(settings: Settings) -> dict[str, str]:
    """The settings as the environment a real process reads them from."""
    env = {}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        env[name.upper()] = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
    return env


@dataclass
class Rig:
    """One flow's app, worker context and everything they answered and logged."""

    flow: Flow
    logs: Everything
    http: httpx.Client  # the app, over HTTP
    answers: list[httpx.Response]

    def deliver(self, payload: dict[str, Any], sender: WebhookSender | None = None) -> str:
        answer = (sender or self.flow.sender).post("issues", payload)
        self.answers.append(answer)
        return str(answer.json()["outcome"])

    def get(self, path: str, **kw: Any) -> httpx.Response:
        answer = self.http.get(path, **kw)
        self.answers.append(answer)
        return answer


@contextmanager
def rigged(
    database: DatabaseUrls,
    redis_url: str,
    parts: Parts,
    **extra: Any,
) -> Iterator[Rig]:
    sim, model, repo, redis, owner_conn, app_db = parts
    with everything_logged() as logs:
        settings = secret_settings(database, redis_url, sim, model.base_url, **extra)
        ctx = context.build(settings)
        context.install(ctx)
        app = create_app(settings)
        try:
            with serve_wsgi(app) as url, httpx.Client(base_url=url, timeout=30.0) as http:
                sender = WebhookSender(url, WEBHOOK_SECRET.encode())
                flow = Flow(sim, settings, model, redis, owner_conn, app_db, sender, ctx, repo)
                yield Rig(flow, logs, http, [])
                sender.close()
        finally:
            app.extensions["morningai"].close()
            ctx.close()


@pytest.fixture
def parts(
    sim: GitHubSimulator,
    model: ScriptedModelServer,
    repo: dict[str, Any],
    redis: Redis,
    owner_conn: Conn,
    app_db: Database,
) -> Parts:
    return sim, model, repo, redis, owner_conn, app_db


@pytest.fixture
def rig(database: DatabaseUrls, redis_url: str, parts: Parts) -> Iterator[Rig]:
    with rigged(database, redis_url, parts) as made:
        yield made


def dashboard(rig: Rig) -> None:
    """What people see: the setup page, health, metrics, and alice's dashboard (signed in
    through GitHub) — the task, its timeline and, once it ended, its event stream."""
    rig.get("/")
    rig.get("/api/setup/status")
    rig.get("/healthz")
    rig.get("/readyz")
    assert rig.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert rig.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).is_success
    sign_in(Web(str(rig.http.base_url), rig.http), rig.flow.sim, "alice")
    assert rig.get("/api/me").is_success
    listed = rig.get("/api/tasks").json()["tasks"]
    assert listed, "alice sees the task"
    for task in listed:
        shown = rig.get(f"/api/tasks/{task['id']}")
        assert shown.is_success
        if task["status"] in ("succeeded", "failed", "cancelled"):
            rig.get(f"/api/tasks/{task['id']}/events", timeout=10)


def assert_nothing_leaked(
    rig: Rig, more: dict[str, str] | None = None, extra: dict[str, str] | None = None
) -> None:
    dashboard(rig)
    flow = rig.flow
    secrets = {**all_secrets(flow.settings, flow.sim), **(extra or {})}
    logs = rig.logs.text
    assert " DEBUG " in logs  # the capture saw DEBUG records, the libraries' among them
    assert "issues.labeled: accepted" in logs  # and the app's own
    found = everywhere(
        secrets,
        logs=logs,
        owner_conn=flow.db,
        redis=flow.redis,
        sim=flow.sim,
        answers=rig.answers,
        more={"model requests": model_requests_text(flow.model.requests), **(more or {})},
    )
    assert found == []


def final(rig: Rig) -> tuple[str, str | None, int]:
    _, status, error, attempts, _ = task_row(rig.flow.db)
    return status, error, attempts


def failed_jobs(redis: Redis) -> list[str]:
    return [
        jid for name in QUEUE_NAMES for jid in queue(redis, name).failed_job_registry.get_job_ids()
    ]


def tokens_issued(rig: Rig) -> int:
    with rig.flow.sim.world.lock:
        return len(rig.flow.sim.world.tokens)


# --- GitHub


def test_github_502_until_the_task_gives_up(rig: Rig) -> None:
    # every reaction fails: each of the 3 attempts asks twice (once more in place)
    rig.flow.sim.inject_fault("POST", r"/reactions$", 502, times=6)
    assert rig.deliver(labeled(rig.flow.repo)) == "accepted"
    drain(rig.flow.redis)
    run_due(rig.flow.redis, now=True)
    run_due(rig.flow.redis, now=True)
    assert final(rig) == ("failed", "GitHub answered 502", 3)
    assert tokens_issued(rig) >= 1
    assert_nothing_leaked(rig)


@pytest.mark.parametrize(
    ("method", "path", "status", "reason"),
    [
        ("GET", rf"^/repos/{OWNER}/{REPO}$", 404, "GitHub answered 404: the repository"),
        ("GET", rf"^/repos/{OWNER}/{REPO}$", 401, "GitHub refused the app (401)"),
        # the token exchange itself, where the App's JWT is the credential
        ("POST", r"^/app/installations/\d+/access_tokens$", 401, "GitHub refused the App's"),
    ],
    ids=["404", "401", "401-token-exchange"],
)
def test_github_refusal_fails_the_task(
    rig: Rig, method: str, path: str, status: int, reason: str
) -> None:
    body = GONE if status == 404 else REFUSED
    rig.flow.sim.inject_fault(method, path, status, body=body, times=9)
    assert rig.deliver(labeled(rig.flow.repo)) == "accepted"
    drain(rig.flow.redis)
    state, error, _ = final(rig)
    assert (state, (error or "")[: len(reason)]) == ("failed", reason)
    assert rig.flow.model.requests == []
    assert_nothing_leaked(rig)


# --- the model


@pytest.mark.parametrize(
    ("status", "headers", "per_attempt"),
    [(429, {"Retry-After": "300"}, 1), (500, FAST_500, 4)],  # 500: the call and 3 retries
    ids=["429", "500"],
)
def test_model_error_until_the_task_gives_up(
    rig: Rig, status: int, headers: dict[str, str], per_attempt: int
) -> None:
    rig.flow.model.expect_chat(status=status, headers=headers, times=3 * per_attempt)
    assert rig.deliver(labeled(rig.flow.repo)) == "accepted"
    drain(rig.flow.redis)
    run_due(rig.flow.redis, now=True)
    run_due(rig.flow.redis, now=True)
    rig.flow.model.assert_done()
    assert final(rig) == ("failed", f"the model server answered {status}", 3)
    assert_nothing_leaked(rig)


def test_model_timeout_then_the_pull_request(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    class ImpatientOpenAI(OpenAI):  # the client's 120 s timeout is no setting
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**{**kwargs, "timeout": 0.5, "max_retries": 0})

    monkeypatch.setattr(llm, "OpenAI", ImpatientOpenAI)
    rig.flow.model.expect_chat(PLAN, delay=1.5)
    assert rig.deliver(labeled(rig.flow.repo)) == "accepted"
    drain(rig.flow.redis)
    assert final(rig) == ("queued", "the model server did not answer", 1)
    rig.flow.model.expect_chat(PLAN)
    rig.flow.model.expect_chat(EDIT)
    run_due(rig.flow.redis, now=True)
    rig.flow.model.assert_done()
    assert final(rig) == ("succeeded", None, 2)
    assert len(rig.flow.sim.pulls(OWNER, REPO)) == 1
    assert_nothing_leaked(rig)


# --- PostgreSQL


def elsewhere(database: DatabaseUrls) -> str:
    """The superuser, in another database (one cannot close the database one is in)."""
    return make_conninfo(database.admin, dbname="postgres")


def lose_postgres_when(
    database: DatabaseUrls, ready: Callable[[], bool], then: threading.Event
) -> threading.Thread:
    """Once `ready()`, PostgreSQL refuses the app: its connections are cut and new ones are
    refused (the database stops allowing connections); then `then` is set."""
    name = conninfo_to_dict(database.admin)["dbname"]

    def lose() -> None:
        deadline = time.monotonic() + 30
        while not ready() and time.monotonic() < deadline:
            time.sleep(0.02)
        with psycopg.connect(elsewhere(database), autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND usename = %s AND application_name = %s",
                (name, APP_ROLE, RIG_CONNECTIONS),
            )
        then.set()

    thread = threading.Thread(target=lose, daemon=True)
    thread.start()
    return thread


def restore_postgres(database: DatabaseUrls) -> None:
    name = conninfo_to_dict(database.admin)["dbname"]
    with psycopg.connect(elsewhere(database), autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')


def test_postgres_lost_mid_task(rig: Rig, database: DatabaseUrls) -> None:
    flow = rig.flow
    release = threading.Event()
    flow.model.expect_chat(PLAN, hold=release)  # answered only once PostgreSQL is gone
    thread = lose_postgres_when(database, lambda: len(flow.model.requests) == 1, release)
    try:
        assert rig.deliver(labeled(flow.repo)) == "accepted"
        drain(flow.redis)
        thread.join(30)
    finally:
        restore_postgres(database)
    # the job died with PostgreSQL, the task left running: RQ keeps the traceback (scanned)
    assert failed_jobs(flow.redis) == [job_id(task_row(flow.db)[0], 0)]
    assert final(rig)[0] == "running"
    assert "psycopg" in "\n".join(redis_text(flow.redis).values())

    # back: the task is found by its stale heartbeat (or its retry) and finishes
    flow.model.expect_chat(PLAN)
    flow.model.expect_chat(EDIT)
    time.sleep(2.5)
    reconcile(flow.ctx.db, flow.redis, queued_for=timedelta(0), stale_after=timedelta(seconds=2))
    run_due(flow.redis, now=True)
    flow.model.assert_done()
    assert final(rig)[0] == "succeeded"
    assert_nothing_leaked(rig)


# --- publishing


def test_exception_while_publishing(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the pull request could not be opened")

    monkeypatch.setattr(code_task, "open_pull_request", crash)
    rig.flow.model.expect_chat(PLAN)
    rig.flow.model.expect_chat(EDIT)
    assert rig.deliver(labeled(rig.flow.repo)) == "accepted"
    drain(rig.flow.redis)
    rig.flow.model.assert_done()
    assert final(rig) == ("failed", "internal error (RuntimeError)", 1)
    assert "RuntimeError: the pull request could not be opened" in rig.logs.text  # traceback kept
    assert_nothing_leaked(rig)


# a real worker: every logger at DEBUG; "stuck" makes opening the pull request hang, so that
# it is killed while publishing
WORKER = """
import logging, sys, time
import core.logs
import github_app.publish

configure = core.logs.configure_logging

def everything(*args, **kwargs):
    configure(*args, **kwargs)
    for name in [None, *logging.root.manager.loggerDict]:
        logging.getLogger(name).setLevel(logging.DEBUG)

def stuck(*args, **kwargs):
    time.sleep(600)

core.logs.configure_logging = everything
if sys.argv[1] == "stuck":
    github_app.publish.open_pull_request = stuck
from morningai.cli import main
sys.exit(main(["worker", *sys.argv[2:]]))
"""


@contextmanager
def worker(
    settings: Settings, out: Path, mode: str, *args: str, **env_extra: str
) -> Iterator[subprocess.Popen[str]]:
    """A real worker (`mode` "stuck" or "free") with `settings` (and `env_extra`) as its
    environment, its output (every logger at DEBUG) into `out` (a file: a pipe nobody reads
    fills and blocks it)."""
    env = {k: v for k, v in os.environ.items() if not k.isupper() or k in ("PATH", "HOME")}
    env.update(settings_env(settings), LOG_LEVEL="DEBUG", **env_extra)
    with out.open("w") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-c", WORKER, mode, *args],
            env=env,
            start_new_session=True,
            stdout=sink,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        yield proc
    finally:
        # the machine dies: the worker and its work-horse, without a chance to record anything
        if proc.poll() is None:
            for child in [*psutil.Process(proc.pid).children(recursive=True), proc]:
                os.kill(child.pid, signal.SIGKILL)
        proc.wait(10)


def published_branch(sim: GitHubSimulator) -> bool:
    return any(ex.method in ("POST", "PATCH") and "/git/refs" in ex.path for ex in sim.requests)


def test_worker_killed_while_publishing(rig: Rig, tmp_path: Path) -> None:
    flow = rig.flow
    flow.model.expect_chat(PLAN)
    flow.model.expect_chat(EDIT)
    assert rig.deliver(labeled(flow.repo)) == "accepted"
    killed, burst = tmp_path / "killed.log", tmp_path / "burst.log"
    with worker(flow.settings, killed, "stuck", "--no-lane"):
        deadline = time.monotonic() + 60
        while not published_branch(flow.sim) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # now inside the (stuck) opening of the pull request
    assert published_branch(flow.sim), killed.read_text()[-3000:]
    assert task_row(flow.db)[1] == "running"
    time.sleep(2.5)  # its heartbeat goes stale
    with worker(flow.settings, burst, "free", "--burst") as second:
        assert second.wait(120) == 0, burst.read_text()[-3000:]
    flow.model.assert_done()
    assert final(rig) == ("succeeded", None, 2)
    assert len(flow.sim.pulls(OWNER, REPO)) == 1
    outputs = {
        "the killed worker's output": killed.read_text(),
        "the worker's output": burst.read_text(),
    }
    assert all(" DEBUG " in text for text in outputs.values())
    assert_nothing_leaked(rig, more=outputs)


# --- configuration


def test_invalid_repository_config(rig: Rig) -> None:
    rig.flow.sim.push(OWNER, REPO, "main", {".github/morningai.yml": BROKEN_CONFIG})
    assert rig.deliver(labeled(rig.flow.repo)) == "accepted"
    drain(rig.flow.redis)
    status, error, _ = final(rig)
    assert status == "failed"
    assert (error or "").startswith(STOPS_WITH)
    assert_nothing_leaked(rig)


def test_malformed_private_key(
    database: DatabaseUrls, redis_url: str, parts: Parts, tmp_path: Path
) -> None:
    with rigged(database, redis_url, parts, github_private_key=BAD_PEM) as rig:
        assert rig.deliver(labeled(rig.flow.repo)) == "accepted"
        drain(rig.flow.redis)
        status, error, _ = final(rig)
        assert status == "failed"  # not retried as if GitHub had not answered
        assert error is not None
        assert "private key could not sign" in error
        # a real worker started with it
        with worker(rig.flow.settings, tmp_path / "worker.log", "free", "--burst") as started:
            started.wait(60)
        output = (tmp_path / "worker.log").read_text()
        assert tokens_issued(rig) == 0
        more = {"the worker's output": output, "the task's error": str(error)}
        assert_nothing_leaked(rig, more=more)


def test_a_wrong_setting_at_start_up_is_named_without_a_secret(rig: Rig, tmp_path: Path) -> None:
    """A worker whose environment holds every secret, a key for secrets at rest that is not
    base64 and a setting that does not parse: it stops, naming the setting, echoing none."""
    out = tmp_path / "worker.log"
    bad_key = "not-base64-morningai-SECRET-key!!"
    with worker(
        rig.flow.settings, out, "free", "--burst", MORNINGAI_SECRET_KEY=bad_key, PORT="eighty"
    ) as started:
        assert started.wait(60) != 0
    output = out.read_text()
    assert "port" in output.lower()
    assert rig.deliver(labeled(rig.flow.repo)) == "accepted"  # a task for the dashboard
    more = {"the worker's output": output}
    assert_nothing_leaked(rig, more=more, extra={"the malformed secret key": bad_key})


def test_wrong_webhook_secret(rig: Rig) -> None:
    """GitHub signs with another secret than the app's: a 401 that echoes neither the app's
    secret nor the signature it expected."""
    payload = labeled(rig.flow.repo)
    wrong = WebhookSender(rig.flow.sender.url.removesuffix("/api/github/webhooks"), b"not-it")
    try:
        assert rig.deliver(payload, wrong) != "accepted"
    finally:
        wrong.close()
    assert rig.answers[-1].status_code == 401
    expected = hmac.new(WEBHOOK_SECRET.encode(), compact(payload), hashlib.sha256).hexdigest()
    # a labeled delivery that is accepted, so that the dashboard has a task to show
    assert rig.deliver(payload) == "accepted"
    assert_nothing_leaked(rig, extra={"the expected signature": expected})
