"""Gunicorn settings for the web service, read from the environment (Render sets PORT)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any


def _int_env(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


# Render routes traffic to $PORT on all interfaces; GUNICORN_BIND overrides it (e.g. a socket).
bind: str = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{_int_env('PORT', 8000)}"

# A webhook request only verifies, records and enqueues, so it is I/O-bound and short: a few
# processes with threads each hold many slow GitHub connections without much memory. A live
# task stream (GET /api/tasks/<id>/events) holds a thread for its whole life, so each process
# has 64 (gthread starts them as needed): web/task_stream.py lets streams take all but 8 of
# them, 56 a process. The processes share connections unevenly — one was handed 40 of 50 in
# a measured run — so each alone holds 50 streams and still has threads for webhook
# deliveries (BENCHMARKS.md, bench/sse_latency.py).
workers: int = _int_env("WEB_CONCURRENCY", 2)
threads: int = _int_env("GUNICORN_THREADS", 64)
worker_class: str = "gthread"
# the workers' environment: the stream cap is sized from the threads they really have
raw_env: list[str] = [f"GUNICORN_THREADS={threads}"]

# GitHub gives up on a delivery after 10 s, so anything near 30 s is already a stuck worker.
timeout: int = 30
# Below Render's 30 s between SIGTERM and SIGKILL, so in-flight deliveries finish first.
graceful_timeout: int = 25
# Longer than gunicorn's 2 s default so Render's proxy can reuse connections between deliveries.
keepalive: int = 5

# Both logs to stdout/stderr, which Render collects; the app's own records carry delivery ids.
accesslog: str = "-"
errorlog: str = "-"
# gunicorn's default line with the path only (%(U)s), never the query string: OAuth returns
# (/auth/callback, /setup/complete, Slack's) and /api/slack/install carry one-time codes there
access_log_format: str = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(f)s" "%(a)s"'

loglevel: str = os.environ.get("LOG_LEVEL", "info").lower()


def _json_logging(level: str) -> dict[str, Any]:
    """LOG_FORMAT=json: gunicorn's own lines (access, errors) as JSON too, on stdout, so every
    line of the stream is one JSON object; the app's records reach the same handler."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "core.logs.JsonFormatter"}},
        "handlers": {"stdout": handler},
        "root": {"level": level, "handlers": ["stdout"]},
        "loggers": {
            "gunicorn.error": {"level": level, "handlers": ["stdout"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["stdout"], "propagate": False},
        },
    }


_json = os.environ.get("LOG_FORMAT", "").strip().lower() == "json"
logconfig_dict: dict[str, Any] = _json_logging(loglevel.upper()) if _json else {}

# Gunicorn >= 25.1 otherwise opens a control socket under $XDG_RUNTIME_DIR or ~/.gunicorn:
# nothing here uses it, and it is one more way into a running process.
control_socket_disable: bool = True

# Each worker builds its own app (database pool, Redis connection) after the fork; sharing
# sockets opened in the master across forked workers is unsafe.
preload_app: bool = False

# The webhook latency histogram lives in each worker process; prometheus_client's multiprocess
# mode keeps it in files under PROMETHEUS_MULTIPROC_DIR that GET /metrics (any worker) sums.
# The directory must be set before the workers import prometheus_client, and start empty.
_made_metrics_dir: list[str] = []


def on_starting(server: Any) -> None:
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if path:
        Path(path).mkdir(parents=True, exist_ok=True)
        for stale in Path(path).glob("*.db"):  # a previous run's values
            stale.unlink()
    else:
        path = tempfile.mkdtemp(prefix="morningai-metrics-")
        _made_metrics_dir.append(path)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = path


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server: Any) -> None:
    for path in _made_metrics_dir:
        shutil.rmtree(path, ignore_errors=True)
