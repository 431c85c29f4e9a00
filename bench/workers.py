"""RQ worker processes for bench/jobs: started together, waited for with their resource usage.

"fork" is the app's own `morningai worker --burst` (RQ's forking Worker: one work-horse
process per job); "simple" is RQ's SimpleWorker on the same queues (every job in the worker
process itself). Run as a module, this is the entry point of the variants:

    python -m bench.workers --simple              SimpleWorker, burst
    python -m bench.workers --preload MODULE      `morningai worker --burst` after importing
        [--freeze]                                MODULE in the worker, before any fork (and
                                                  gc.freeze(): the collector then leaves the
                                                  imported objects alone in the horses)
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.services import DATA, ROOT

BIN = Path(sys.executable).parent
# everything core.settings.Settings reads: a worker gets only what the benchmark sets
SETTINGS_PREFIXES = ("DATABASE_", "REDIS_", "GITHUB_", "OPENAI_", "MORNINGAI_", "LOG_")
WAIT_POLL_S = 0.05


@dataclass(frozen=True)
class Finished:
    """A worker process after it exited; usage covers the work-horses and anything they ran."""

    pid: int
    exit_code: int
    wall_s: float
    cpu_s: float  # user + system, the worker and every descendant it waited for
    max_rss: int  # bytes: the largest resident set of the worker or any one descendant


def worker_env(settings: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(SETTINGS_PREFIXES)}
    env.update(settings)
    env["PYTHONPATH"] = str(ROOT)  # this tree's app and bench.trivial_jobs, in every process
    return env


def command(worker_class: str, preload: str | None, freeze: bool = False) -> list[str]:
    """The worker's command line: `simple`, or `fork` (with `preload`: the module imported
    in the worker before it forks any work-horse; `freeze`: then gc.freeze())."""
    if worker_class == "simple":
        return [sys.executable, "-m", "bench.workers", "--simple"]
    if preload:
        extra = ["--freeze"] if freeze else []
        return [sys.executable, "-m", "bench.workers", "--preload", preload, *extra]
    return [str(BIN / "morningai"), "worker", "--burst"]


def start(
    count: int,
    worker_class: str,
    env: Sequence[Mapping[str, str]],
    *,
    preload: str | None = None,
    freeze: bool = False,
    label: str = "bench-worker",
) -> tuple[list[subprocess.Popen[bytes]], float]:
    """Start `count` workers at once (env[i] for the i-th); logs in .morningai/<label>-<i>.log.
    Returns them and the wall-clock time they were started."""
    procs = []
    started = time.time()
    for i in range(count):
        with (DATA / f"{label}-{i}.log").open("wb") as log:
            procs.append(
                subprocess.Popen(
                    command(worker_class, preload, freeze),
                    cwd=ROOT,
                    env=worker_env(env[i]),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
    return procs, started


def wait_all(procs: Sequence[subprocess.Popen[bytes]], timeout: float) -> list[Finished]:
    """Reap every worker with wait4, for its usage; kill what is still running at `timeout`."""
    started = time.monotonic()
    pending = {p.pid: p for p in procs}
    done: dict[int, Finished] = {}
    while pending:
        for pid, proc in list(pending.items()):
            reaped, status, usage = os.wait4(pid, os.WNOHANG)
            if reaped == 0:
                continue
            proc.returncode = os.waitstatus_to_exitcode(status)
            done[pid] = Finished(
                pid,
                proc.returncode,
                time.monotonic() - started,
                usage.ru_utime + usage.ru_stime,
                usage.ru_maxrss * 1024,
            )
            del pending[pid]
        if pending and time.monotonic() - started > timeout:
            for proc in pending.values():
                proc.kill()
            timeout = float("inf")  # reap them on the next rounds
        time.sleep(WAIT_POLL_S)
    return [done[p.pid] for p in procs]


# --- the variants' entry point -------------------------------------------------------------


def _simple() -> int:
    from redis import Redis
    from rq import SimpleWorker

    from core.logs import configure_logging
    from core.settings import Settings
    from jobs.runtime.queues import QUEUE_NAMES, queue

    configure_logging()
    settings = Settings()
    redis = Redis.from_url(settings.require_redis_url())
    worker = SimpleWorker([queue(redis, name) for name in QUEUE_NAMES], connection=redis)
    worker.work(burst=True, with_scheduler=True, logging_level=settings.log_level)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.workers", description=__doc__)
    parser.add_argument("--simple", action="store_true", help="RQ's SimpleWorker, burst")
    parser.add_argument("--preload", help="module to import before `morningai worker --burst`")
    parser.add_argument("--freeze", action="store_true", help="gc.freeze() after --preload")
    args = parser.parse_args(argv)
    if args.simple:
        return _simple()
    from morningai.cli import main as morningai

    if args.preload:
        importlib.import_module(args.preload)
        if args.freeze:
            # what CPython suggests before forking: objects alive now move to a permanent
            # generation, so a collection in a work-horse does not write to (copy) their pages
            gc.freeze()
    return morningai(["worker", "--burst"])


if __name__ == "__main__":
    sys.exit(main())
