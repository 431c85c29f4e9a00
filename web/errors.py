"""Answers for failures outside a view's control: a database or queue outage is a 503.

GitHub redelivers a failed delivery on request and retries none by itself, so the answer
must say plainly that nothing was stored; 503 with Retry-After does, and monitoring sees it.
"""

from __future__ import annotations

import logging

import psycopg
import redis.exceptions
from flask import Flask, Response, jsonify
from psycopg_pool import PoolTimeout

log = logging.getLogger(__name__)


def json_error(status: int, detail: str) -> Response:
    """A JSON answer `{"error": detail}` with `status`: the /api error shape."""
    response = jsonify(error=detail)
    response.status_code = status
    return response


def _unavailable(exc: Exception) -> Response:
    log.error("database unavailable: %s", type(exc).__name__)
    response = jsonify(outcome="unavailable", detail="database unavailable; nothing was stored")
    response.status_code = 503
    response.headers["Retry-After"] = "30"
    return response


def _redis_unavailable(exc: Exception) -> Response:
    """Redis down on a path that needs it (sign-in state, the viewer's cached reach, setup):
    503, not a 500 — the webhook endpoint handles its own outage and still records."""
    log.error("redis unavailable: %s", type(exc).__name__)
    response = json_error(503, "a service MorningAI needs is unavailable; try again shortly")
    response.headers["Retry-After"] = "30"
    return response


def register(app: Flask) -> None:
    app.register_error_handler(PoolTimeout, _unavailable)
    app.register_error_handler(psycopg.OperationalError, _unavailable)
    app.register_error_handler(redis.exceptions.ConnectionError, _redis_unavailable)
    app.register_error_handler(redis.exceptions.TimeoutError, _redis_unavailable)
