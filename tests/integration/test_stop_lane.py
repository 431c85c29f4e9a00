"""`morningai worker` starts the stop lane (a high-only RQ worker) beside itself, and the lane
ends with it — also when the worker is killed outright (SIGKILL runs no cleanup): an orphaned
lane would go on taking stops with the dead worker's settings."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable

import psutil
import pytest

from morningai.embedded import DatabaseUrls
from tests.support.processes import MORNINGAI

pytestmark = pytest.mark.integration


def eventually(check: Callable[[], bool], what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def lanes(parent: psutil.Process) -> list[psutil.Process]:
    return [p for p in parent.children() if "--lane" in p.cmdline()]


def test_the_lane_starts_with_the_worker_and_dies_with_it_even_on_sigkill(
    database: DatabaseUrls, redis_url: str
) -> None:
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_", "REDIS_", "GITHUB_", "OPENAI_"))
    }
    env = {**keep, "DATABASE_URL": database.app, "REDIS_URL": redis_url, "LOG_LEVEL": "WARNING"}
    worker = subprocess.Popen([MORNINGAI, "worker"], env=env, cwd="/")
    found: list[psutil.Process] = []
    try:
        parent = psutil.Process(worker.pid)
        eventually(lambda: len(lanes(parent)) == 1, "the stop lane to start")
        [lane] = found[:] = lanes(parent)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        eventually(lambda: not lane.is_running() or lane.status() == psutil.STATUS_ZOMBIE,
                   "the orphaned lane to end")  # fmt: skip
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        for stray in found:  # a lane left over would take other tests' stop jobs
            if stray.is_running():
                stray.kill()
