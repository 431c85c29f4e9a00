"""`morningai worker`: one RQ worker on high, default and low, plus the reconciler; and beside
it a second RQ worker on `high` only — the stop lane.

An RQ worker runs one job at a time. With only the first, a `/morningai stop` (or the
dashboard's Stop) would wait behind the very task it stops, and then find nothing to stop. The
lane takes only `high` jobs (stops: a few GitHub calls each), so a stop runs at once and kills
the busy worker's work-horse (RQ's stop-job command reaches a worker whatever it is doing).
"""

from __future__ import annotations

import ctypes
import logging
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from redis import Redis
from rq import Worker

from agents.code import sandbox
from agents.code.sandbox import forbid_inspection
from agents.code.sandbox_plan import shared_paths
from core.logs import redact
from core.settings import Settings
from db.pool import Database
from jobs.runtime.queues import QUEUE_NAMES, queue
from jobs.runtime.reconciler import reconcile
from jobs.runtime.sandbox_checks import (
    SANDBOX_KEY,
    SANDBOX_TTL,
    SandboxReport,
    sandbox_report_json,
)

log = logging.getLogger(__name__)
LANE_QUEUES: tuple[str, ...] = ("high",)
LANE_GRACE_SECONDS = 30.0
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _reconcile_forever(
    db: Database, redis: Redis, settings: Settings, stop: threading.Event
) -> None:
    while not stop.wait(float(settings.reconcile_interval_seconds)):
        try:
            reconcile(db, redis, stale_after=timedelta(seconds=settings.task_stale_seconds))
        except Exception:  # the next pass tries again; a worker must not die of this
            log.warning("reconciler pass failed", exc_info=True)


def run_worker(
    settings: Settings,
    *,
    burst: bool = False,
    queues: tuple[str, ...] = QUEUE_NAMES,
    reconciler: bool = True,
) -> None:
    """Work until stopped (or, with `burst`, until the queues are empty).

    RQ's forking Worker runs each job in a child process: a crash or a leak in one job
    cannot take the worker down, for ~20-30 ms of CPU a job (BENCHMARKS.md, bench/jobs).
    The task lifecycle (jobs.runtime.runner, which brings `openai` along) is imported here, before
    forking: imported in every work-horse instead, it cost 660 ms a task, against 60 ms.
    The agent graphs are not preloaded: a bigger parent made each task's memory larger.
    """
    import jobs.runtime.runner  # noqa: F401 - preloaded for the forked work-horses (see above)
    from jobs.runtime import sinks

    sinks.preload()

    if not forbid_inspection():  # before forking work-horses: they inherit it
        log.warning("could not mark the worker undumpable; tests may read its environment")
    redis = Redis.from_url(settings.require_redis_url())
    _say_sandbox(settings.morningai_sandbox, redis)
    _say_shared(settings.morningai_sandbox_paths)
    db = Database(settings.require_database_url(), max_size=2).open(wait=True)
    stop = threading.Event()
    try:
        if reconciler:
            stale_after = timedelta(seconds=settings.task_stale_seconds)
            recovered = reconcile(db, redis, stale_after=stale_after)
            log.info("worker start: reconciler enqueued %d task(s)", len(recovered))
            thread = threading.Thread(
                target=_reconcile_forever,
                args=(db, redis, settings, stop),
                daemon=True,
                name="reconciler",
            )
            thread.start()
        worker = Worker([queue(redis, name) for name in queues], connection=redis)
        worker.work(burst=burst, with_scheduler=True, logging_level=settings.log_level)
    finally:
        stop.set()
        db.close()
        redis.close()


def _say_shared(setting: str | None) -> None:
    """The toolchains MORNINGAI_SANDBOX_PATHS shares with sandboxed runs, and those it may not
    share (refused, and so not there: a run that needs them will say "not found")."""
    paths, refused = shared_paths(setting)
    if paths:
        log.info("sandbox shares read-only: %s", ", ".join(paths))
    if refused:
        log.warning(
            "MORNINGAI_SANDBOX_PATHS: not shared (relative, or the host's own place): %s",
            ", ".join(refused),
        )


def _say_sandbox(mode: str, redis: Redis | None = None) -> None:
    """Which isolation model-written tests get on this worker, once at start: a process-only
    sandbox (no bubblewrap) is a warning, none at all (bubblewrap required, missing) an error.
    Given Redis, also recorded there for the dashboard's setup page (the web process cannot
    probe a worker's host): the last worker to start overwrites it, and it expires."""
    kind, words = sandbox.report(mode)
    level = {"bubblewrap": logging.INFO, "process": logging.WARNING}.get(kind or "", logging.ERROR)
    log.log(level, "sandbox for tests: %s", words)
    if redis is None:
        return
    # redacted all the same: the words hold limits, a user name and bubblewrap's first line
    # of complaint, never a secret; people see them, so a credential must never slip through
    report = SandboxReport(
        mode,
        kind,
        redact(words),
        socket.gethostname(),
        datetime.now(UTC).isoformat(timespec="seconds"),
    )
    redis.set(SANDBOX_KEY, sandbox_report_json(report), ex=SANDBOX_TTL)


def _end_with_parent() -> None:
    """In the lane, before it runs: Linux sends it SIGTERM (RQ's warm shutdown) when the worker
    that started it dies, even by SIGKILL — an orphaned lane would go on taking stops with the
    dead worker's settings."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@contextmanager
def stop_lane(argv: list[str]) -> Iterator[subprocess.Popen[bytes] | None]:
    """The `high`-only worker beside this one (`argv` starts it), ended with this one."""
    try:
        lane = subprocess.Popen(argv, preexec_fn=_end_with_parent)  # noqa: PLW1509 - no threads yet
    except OSError as exc:
        log.warning("the stop lane did not start (%s): stops wait for a free worker", exc)
        yield None
        return
    log.info("stop lane started (pid %s): high-queue jobs run beside the others", lane.pid)
    try:
        yield lane
    finally:
        if lane.poll() is None:
            lane.terminate()  # RQ's warm shutdown: it finishes the stop it is running
            try:
                lane.wait(timeout=LANE_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                lane.kill()
                lane.wait()
