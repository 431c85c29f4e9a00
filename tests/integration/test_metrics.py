"""GET /metrics over real HTTP: hidden without a token, refused with a wrong one, and with the
right one, figures that follow the deliveries posted and the tasks in PostgreSQL and RQ."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from prometheus_client.parser import text_string_to_metric_families
from redis import Redis

from core.logs import ContextFilter, JsonFormatter
from github_app.signature import sign
from morningai.embedded import DatabaseUrls
from tests.fakes.http import WebhookSender, compact, serve_wsgi
from tests.fakes.npm_fixtures import webhook_example
from tests.support.paths import ROOT
from tests.support.webhooks import SECRET, labeled_issue, make_settings
from web import create_app

TOKEN = "metrics-token-for-tests"
Conn = psycopg.Connection[tuple[Any, ...]]
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
# one sample a line: name, optional {label="value",...}, a number
SAMPLE_LINE = re.compile(
    r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? '
    r"(-?[0-9.e+-]+|\+Inf|-Inf|NaN)$"
)

GUNICORN = str(Path(sys.executable).parent / "gunicorn")

pytestmark = pytest.mark.usefixtures("clean_db")


@pytest.fixture
def served(database: DatabaseUrls, redis_url: str, redis: Redis) -> Iterator[str]:
    app = create_app(make_settings(database, redis_url, metrics_token=TOKEN))
    with serve_wsgi(app) as url:
        yield url
    app.extensions["morningai"].close()


def scrape(url: str, token: str = TOKEN) -> Samples:
    response = httpx.get(url + "/metrics", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    text = response.text
    for line in text.splitlines():
        assert line.startswith("# ") or SAMPLE_LINE.match(line), line
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            samples[s.name, frozenset(s.labels.items())] = s.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_no_token_configured_is_404(database: DatabaseUrls, redis_url: str) -> None:
    app = create_app(make_settings(database, redis_url))
    with serve_wsgi(app) as url:
        plain = httpx.get(url + "/metrics")
        guessed = httpx.get(url + "/metrics", headers={"Authorization": "Bearer anything"})
    app.extensions["morningai"].close()
    assert (plain.status_code, guessed.status_code) == (404, 404)


@pytest.mark.parametrize(
    "header",
    [None, "Bearer wrong-token", f"Basic {TOKEN}", f"Bearer {TOKEN}x", TOKEN, "Bearer"],
)
def test_wrong_or_missing_token_is_401(served: str, header: str | None) -> None:
    headers = {"Authorization": header} if header is not None else {}
    response = httpx.get(served + "/metrics", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "morningai_" not in response.text


def test_figures_follow_deliveries_tasks_and_queues(
    served: str, owner_conn: Conn, redis: Redis
) -> None:
    before = scrape(served)
    sender = WebhookSender(served, SECRET.encode())
    try:
        assert sender.post("issues", labeled_issue()).status_code == 202
        assert sender.post("issues", b"{not json").status_code == 400
        assert sender.post("issues", labeled_issue(), signature="garbage").status_code == 401
    finally:
        sender.close()
    samples = scrape(served)

    deliveries = "morningai_webhook_deliveries_total"
    assert value(samples, deliveries, event="issues", outcome="accepted") == 1
    assert value(samples, deliveries, event="issues", outcome="rejected") == 1
    assert value(samples, "morningai_tasks", kind="code", status="queued") == 1
    assert value(samples, "morningai_queue_jobs", queue="default", state="queued") == 1
    assert value(samples, "morningai_queue_jobs", queue="high", state="started") == 0
    assert value(samples, "morningai_metrics_source_up", source="postgresql") == 1
    assert value(samples, "morningai_metrics_source_up", source="redis") == 1
    # the histogram lives in this process for the whole session: compare with before
    latency = "morningai_webhook_request_duration_seconds_count"
    for status, posted in (("202", 1), ("400", 1), ("401", 1)):
        grew = value(samples, latency, status=status) - value(before, latency, status=status)
        assert grew == posted, status
    inf = value(
        samples, "morningai_webhook_request_duration_seconds_bucket", status="202", le="+Inf"
    )
    assert inf == value(samples, latency, status="202")


def test_task_durations_and_usage_by_tenant(served: str, owner_conn: Conn) -> None:
    sender = WebhookSender(served, SECRET.encode())
    try:
        assert sender.post("issues", labeled_issue()).json()["outcome"] == "accepted"
    finally:
        sender.close()
    row = owner_conn.execute(
        "UPDATE tasks SET status = 'succeeded', started_at = now() - interval '42 seconds',"
        " finished_at = now(), prompt_tokens = 1200, completion_tokens = 300, cost_usd = 0.0125"
        " RETURNING tenant_id"
    ).fetchone()
    assert row is not None
    tenant = str(row[0])
    account = owner_conn.execute("SELECT account_login FROM tenants").fetchone()
    assert account is not None
    samples = scrape(served)

    hist = "morningai_task_duration_seconds"
    labels = {"kind": "code", "status": "succeeded"}
    assert value(samples, hist + "_bucket", le="30.0", **labels) == 0
    assert value(samples, hist + "_bucket", le="60.0", **labels) == 1
    assert value(samples, hist + "_bucket", le="+Inf", **labels) == 1
    assert value(samples, hist + "_count", **labels) == 1
    assert value(samples, hist + "_sum", **labels) == pytest.approx(42, abs=1)
    assert value(samples, "morningai_tasks", kind="code", status="succeeded") == 1
    who = {"tenant_id": tenant, "account": account[0]}
    assert value(samples, "morningai_model_tokens_total", type="prompt", **who) == 1200
    assert value(samples, "morningai_model_tokens_total", type="completion", **who) == 300
    assert value(samples, "morningai_model_cost_usd_total", **who) == pytest.approx(0.0125)


def test_a_source_down_is_a_figure_not_a_failed_scrape(database: DatabaseUrls) -> None:
    dead_redis = make_settings(database, "redis://127.0.0.1:1/0", metrics_token=TOKEN)
    app = create_app(dead_redis)
    with serve_wsgi(app) as url:
        samples = scrape(url)
    app.extensions["morningai"].close()
    assert value(samples, "morningai_metrics_source_up", source="redis") == 0
    assert value(samples, "morningai_metrics_source_up", source="postgresql") == 1
    assert not any(name == "morningai_queue_jobs" for name, _ in samples)


def test_json_logs_carry_the_ids_and_no_secret(
    served: str, owner_conn: Conn, caplog: pytest.LogCaptureFixture
) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextFilter())
    caplog.set_level(logging.INFO)
    logging.getLogger().addHandler(handler)
    delivery = str(uuid.uuid4())
    sender = WebhookSender(served, SECRET.encode())
    try:
        assert sender.post("issues", labeled_issue(), delivery=delivery).status_code == 202
        assert sender.post("issues", labeled_issue(), signature="garbage").status_code == 401
        httpx.get(served + "/metrics", headers={"Authorization": "Bearer wrong"})
        scrape(served)
    finally:
        sender.close()
        logging.getLogger().removeHandler(handler)
    text = stream.getvalue()
    assert SECRET not in text
    assert TOKEN not in text
    records = [json.loads(line) for line in text.splitlines()]
    [accepted] = [
        r for r in records if r.get("delivery_id") == delivery and "accepted" in r["message"]
    ]
    task = owner_conn.execute("SELECT id, tenant_id, trace_id FROM tasks").fetchone()
    assert task is not None
    assert (accepted["task_id"], accepted["tenant_id"], accepted["trace_id"]) == task
    assert accepted["installation_id"] == labeled_issue()["installation"]["id"]
    assert accepted["level"] == "INFO"
    assert accepted["time"].endswith("+00:00")


def test_gunicorn_workers_share_the_histogram_and_log_json(
    database: DatabaseUrls, redis_url: str, redis: Redis, tmp_path: Path
) -> None:
    """The real server with 2 worker processes: whichever answers a scrape counts every
    delivery (prometheus_client's multiprocess files), and every line it prints is JSON."""
    url, out = f"http://127.0.0.1:{free_port()}", tmp_path / "gunicorn.log"
    with out.open("wb") as log:
        server = subprocess.Popen(
            [GUNICORN, "-c", "gunicorn_config.py", "web.wsgi:app"],
            cwd=ROOT,
            env=gunicorn_env(database, redis_url, url.removeprefix("http://")),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_ready(server, url)
            for _ in range(20):  # a new connection each: the workers take turns accepting
                body = compact(webhook_example("ping"))
                headers = {"X-GitHub-Event": "ping", "X-GitHub-Delivery": str(uuid.uuid4())}
                headers["X-Hub-Signature-256"] = sign(SECRET.encode(), body)
                posted = httpx.post(url + "/api/github/webhooks", content=body, headers=headers)
                assert posted.status_code == 202
            for _ in range(6):
                samples = scrape(url)
                count = "morningai_webhook_request_duration_seconds_count"
                assert value(samples, count, status="202") == 20
                pings = [v for (_, labels), v in samples.items() if ("event", "ping") in labels]
                assert sum(pings) == 20
            # one-time codes ride in query strings (OAuth returns, Slack's install link)
            httpx.get(url + "/auth/callback?code=ONE-TIME-CODE-1&state=ONE-TIME-STATE-2")
            httpx.get(url + "/api/slack/install?code=LINK-CODE-3")
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    text = out.read_text()
    records = [json.loads(line) for line in text.splitlines()]
    assert any(r["logger"] == "gunicorn.access" for r in records)
    assert any(r["logger"] == "gunicorn.error" for r in records)
    assert TOKEN not in text
    assert SECRET not in text
    # the access log keeps the path, never the query string
    assert "/auth/callback" in text
    assert [c for c in ("ONE-TIME-CODE-1", "ONE-TIME-STATE-2", "LINK-CODE-3") if c in text] == []


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def gunicorn_env(database: DatabaseUrls, redis_url: str, bind: str) -> dict[str, str]:
    ours = ("DATABASE_", "REDIS_", "GITHUB_", "PROMETHEUS_", "LOG_", "METRICS_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    env.update(
        DATABASE_URL=database.app,
        REDIS_URL=redis_url,
        GITHUB_WEBHOOK_SECRET=SECRET,
        METRICS_TOKEN=TOKEN,
        LOG_FORMAT="json",
        GUNICORN_BIND=bind,
        WEB_CONCURRENCY="2",
        GUNICORN_THREADS="2",
    )
    return env


def wait_until_ready(server: subprocess.Popen[bytes], url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert server.poll() is None, "gunicorn exited"
        try:
            if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError("gunicorn did not become ready")
