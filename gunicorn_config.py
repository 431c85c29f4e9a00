"""Gunicorn settings for the web service, read from the environment (Render sets PORT)."""

from __future__ import annotations

import os


def _int_env(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


# Render routes traffic to $PORT on all interfaces; GUNICORN_BIND overrides it (e.g. a socket).
bind: str = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{_int_env('PORT', 8000)}"

# A webhook request only verifies, records and enqueues, so it is I/O-bound and short: a few
# processes with threads each hold many slow GitHub connections without much memory.
workers: int = _int_env("WEB_CONCURRENCY", 2)
threads: int = _int_env("GUNICORN_THREADS", 4)
worker_class: str = "gthread"

# GitHub gives up on a delivery after 10 s, so anything near 30 s is already a stuck worker.
timeout: int = 30
# Below Render's 30 s between SIGTERM and SIGKILL, so in-flight deliveries finish first.
graceful_timeout: int = 25
# Longer than gunicorn's 2 s default so Render's proxy can reuse connections between deliveries.
keepalive: int = 5

# Both logs to stdout/stderr, which Render collects; the app's own records carry delivery ids.
accesslog: str = "-"
errorlog: str = "-"
loglevel: str = os.environ.get("LOG_LEVEL", "info").lower()

# Gunicorn >= 25.1 otherwise opens a control socket under $XDG_RUNTIME_DIR or ~/.gunicorn:
# nothing here uses it, and it is one more way into a running process.
control_socket_disable: bool = True

# Each worker builds its own app (database pool, Redis connection) after the fork; sharing
# sockets opened in the master across forked workers is unsafe.
preload_app: bool = False
