"""POST /api/github/webhooks: read the raw body, verify, record, route, enqueue, answer."""

from __future__ import annotations

import logging
import uuid

import psycopg
from flask import Blueprint, Response, current_app, jsonify, request
from psycopg_pool import PoolTimeout

from core.logs import log_context
from db import tasks
from github_app import events, intake, signature
from github_app.intake import QueuedTask
from github_app.routing import route
from jobs.runtime.queues import enqueue_task
from web.services import Services

log = logging.getLogger(__name__)
blueprint = Blueprint("webhooks", __name__)


def _answer(status: int, outcome: str, detail: str, delivery_id: str | None) -> Response:
    response = jsonify(outcome=outcome, detail=detail, delivery=delivery_id)
    response.status_code = status
    return response


@blueprint.post("/api/github/webhooks")
def receive() -> Response:
    services: Services = current_app.extensions["morningai"]
    secret = services.github_settings().webhook_secret()
    if secret is None:
        log.error("webhook refused: GITHUB_WEBHOOK_SECRET is not set")
        return _answer(503, "unavailable", "webhook secret is not configured", None)
    # Werkzeug answers 413 here when the body exceeds MAX_CONTENT_LENGTH (GitHub's 25 MB cap)
    body = request.get_data(cache=False)
    if not signature.is_valid(secret, body, request.headers.get("X-Hub-Signature-256")):
        log.warning("webhook refused: bad or missing signature")
        return _answer(401, "unauthorized", "signature does not match", None)

    delivery_id = request.headers.get("X-GitHub-Delivery", "").strip()
    event = request.headers.get("X-GitHub-Event", "").strip()
    if (
        not delivery_id
        or not event
        or len(delivery_id) > 200
        or len(event) > 100
        or not (delivery_id + event).isprintable()  # NUL and control bytes: no such ids
    ):
        reason = "X-GitHub-Delivery and X-GitHub-Event headers are required, printable"
        recorded_id = _printable(delivery_id[:200]) or f"missing-{uuid.uuid4()}"
        recorded_event = _printable(event[:100]) or "unknown"
        intake.record_rejected(services.db, recorded_id, recorded_event, reason)
        return _answer(400, "rejected", reason, recorded_id)
    try:
        env = events.parse(delivery_id, event, body)
    except events.PayloadError as exc:
        intake.record_rejected(services.db, delivery_id, event, str(exc))
        log.info("delivery %s (%s) rejected: %s", delivery_id, event, exc)
        return _answer(400, "rejected", str(exc), delivery_id)

    with log_context(delivery=delivery_id, installation=env.installation_id):
        intent = route(env, trigger_label=services.settings.morningai_trigger_label)
        outcome = intake.apply(services.db, env, intent)
        task = outcome.task
        with log_context(
            tenant=task and task.tenant_id, task=task and task.task_id, trace=task and task.trace_id
        ):
            log.info("%s.%s: %s (%s)", event, env.action, outcome.outcome, outcome.detail)
            if task is not None:
                _enqueue(services, task)
    return _answer(outcome.status, outcome.outcome, outcome.detail, delivery_id)


def _printable(value: str) -> str:
    """What of a header can be stored (PostgreSQL text takes no NUL) and shown in a log."""
    return "".join(c if c.isprintable() else "?" for c in value)


def _enqueue(services: Services, task: QueuedTask) -> None:
    """Enqueue after the commit, which noted the task enqueued already (one commit per
    delivery). If Redis is down the task stays queued in PostgreSQL, the note is taken back,
    and the reconciler enqueues it later: the delivery is already safe."""
    try:
        enqueue_task(services.redis, task.task_id, 0, task.kind, task.queue, fresh=True)
        return
    except Exception as exc:  # Redis down or confused: the row is safe, the reconciler retries
        log.warning(
            "task %s stays queued for the reconciler: Redis unavailable (%s)",
            task.task_id,
            type(exc).__name__,
        )
    try:
        tasks.clear_enqueued(services.db, task.tenant_id, task.task_id)
    except (psycopg.Error, PoolTimeout) as exc:
        # the delivery and task are stored: a 503 ("nothing was stored") would be false. The
        # reconciler looks at every queued task past its wait, noted enqueued or not.
        log.warning(
            "task %s: taking back its enqueued note failed: PostgreSQL unavailable (%s)",
            task.task_id,
            type(exc).__name__,
        )
