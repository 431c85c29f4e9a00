"""The non-durable floor for bench/webhooks: a receiver that stores nothing.

    gunicorn -c gunicorn_config.py bench.webhook_baseline:app

The same gunicorn settings as the real server and the same work minus PostgreSQL: read the
raw body, check its HMAC (github_app.signature, constant time), parse the JSON, and put one RQ
job (jobs.runtime.queues.enqueue_task, the real call with its options) on the queue for each
delivery the real app would make a task of — an issue labeled with the trigger label. No
database, no routing, no delivery record, no logging context: whatever the real receiver costs
above this is the price of durability and of what it decides. GET /readyz answers once Redis
does, so the benchmark starts it the same way.
"""

from __future__ import annotations

import json
import os
import secrets

from flask import Flask, Response, jsonify, request
from redis import Redis

from bench.webhook_payloads import TRIGGER_LABEL
from github_app.signature import is_valid
from jobs.runtime.queues import enqueue_task

app = Flask(__name__)
SECRET = os.environ.get("GITHUB_WEBHOOK_SECRET", "").encode()
redis = Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))


def _answer(status: int, outcome: str) -> Response:
    response = jsonify(outcome=outcome)
    response.status_code = status
    return response


@app.post("/api/github/webhooks")
def receive() -> Response:
    body = request.get_data(cache=False)
    if not SECRET or not is_valid(SECRET, body, request.headers.get("X-Hub-Signature-256")):
        return _answer(401, "unauthorized")
    try:
        payload = json.loads(body)
    except ValueError:
        return _answer(400, "rejected")
    event = request.headers.get("X-GitHub-Event", "")
    label = payload.get("label") if isinstance(payload, dict) else None
    if (
        event == "issues"
        and payload.get("action") == "labeled"
        and isinstance(label, dict)
        and label.get("name") == TRIGGER_LABEL
    ):
        # a random task id: job ids must differ, and there is no task row to number them
        enqueue_task(redis, secrets.randbits(62), 0, "code", "default", fresh=True)
        return _answer(202, "accepted")
    return _answer(202, "ignored")


@app.get("/readyz")
def readyz() -> Response:
    redis.ping()
    return jsonify(status="ready")
