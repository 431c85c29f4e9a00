"""Answers for failures outside a view's control: a database or queue outage is a 503.

GitHub redelivers a failed delivery on request and retries none by itself, so the answer
must say plainly that nothing was stored; 503 with Retry-After does, and monitoring sees it.
"""

from __future__ import annotations

import logging

import psycopg
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


def register(app: Flask) -> None:
    app.register_error_handler(PoolTimeout, _unavailable)
    app.register_error_handler(psycopg.OperationalError, _unavailable)
