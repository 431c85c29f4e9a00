"""Live task streams under webhook load: the real gunicorn (gunicorn_config.py's defaults unless
--workers/--threads say otherwise) serving GET /api/tasks/<id>/events.

    .venv/bin/python -m bench.sse_latency [--streams 50] [--tasks 10] [--events-rate 10]
        [--webhook-rate 100] [--duration 20] [--workers N] [--threads N]

It provides PostgreSQL and Redis (bench/services.py: the embedded ones unless DATABASE_URL, a
superuser URL, and REDIS_URL are set), drops and re-creates the `morningai_bench_sse` database,
FLUSHES the Redis database, starts the GitHub simulator in this process (sign-in and the
viewer's reach) and gunicorn on 127.0.0.1, signs `--streams` sessions in through GitHub's web
flow, and seeds `--tasks` running tasks in one installation. Three phases of `--duration` s:

  A  webhooks only (the baseline): GitHub's example deliveries, signed, at --webhook-rate/s
     (bench/load.fixed_rate, latency from each request's scheduled send time)
  B  streams only: --streams open streams spread over the tasks, a publisher emitting task
     events through the worker's real sink (TaskRun.event: stored + published; TaskRun.emit:
     progress, published only) at --events-rate/s, alternating
  C  both at once

and prints event → client latency (publisher's call to each stream's reading the event),
webhook latency and errors, streams refused (503) or broken, and events lost. No secret is
printed. Exit status 1 if a webhook failed, a stream was refused or an event was lost.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from bench.load import HOST, Result, fixed_rate
from bench.machine import cpu_by_group, cpu_sample, load_average, machine, percentile
from bench.services import (
    DATA,
    ROOT,
    Services,
    ensure_fixtures,
    provided_services,
    service_roots,
)
from bench.webhook_payloads import MIX, PayloadMix
from bench.webhooks import free_port, stop, wait_ready
from core.secrets_at_rest import new_key
from core.settings import Settings
from db import tasks
from db.pool import Database
from db.tenancy import tenant_transaction
from jobs.runtime import context
from jobs.runtime.runner import TaskRun
from jobs.runtime.sinks import Fanout
from simulator import GitHubSimulator
from tests.support.task_rows import make_task, tenant

BENCH_DB = "morningai_bench_sse"
LIVE_ONLY = ("jobs.runtime.live_events.LiveEvents",)  # the status comment sink needs issues
OWNER, REPO, USER = "acme", "widgets", "alice"
APP = ("web.wsgi:app",)
SETTLE_S = 3.0  # after a phase, how long events may still be on their way
OPEN_TIMEOUT_S = 20.0  # a stream without an answer by then counts as not opened


@dataclass(frozen=True)
class Options:
    streams: int
    tasks: int
    events_rate: float
    webhook_rate: float
    duration: float
    workers: int | None
    threads: int | None
    senders: int


# --- server --------------------------------------------------------------------------------


def server_env(
    services: Services, sim: GitHubSimulator, port: int, workers: int | None, threads: int | None
) -> dict[str, str]:
    """gunicorn's environment: the services, the simulator as GitHub with its OAuth client,
    a fresh key for sessions; WEB_CONCURRENCY and GUNICORN_THREADS only when given."""
    client_id, client_secret = sim.oauth_client()
    drop = {"DATABASE_MIGRATION_URL", "WEB_CONCURRENCY", "GUNICORN_THREADS"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(
        DATABASE_URL=services.urls.app,
        REDIS_URL=services.redis_url,
        GITHUB_WEBHOOK_SECRET=WEBHOOK_SECRET,
        GITHUB_APP_ID=str(sim.app_id),
        GITHUB_PRIVATE_KEY=sim.private_key_pem,
        GITHUB_API_URL=sim.url,
        GITHUB_URL=sim.url,
        GITHUB_CLIENT_ID=client_id,
        GITHUB_CLIENT_SECRET=client_secret,
        MORNINGAI_SECRET_KEY=new_key(),
        MORNINGAI_INSECURE_COOKIES="true",
        PORT=str(port),
        GUNICORN_BIND=f"{HOST}:{port}",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    if workers is not None:
        env["WEB_CONCURRENCY"] = str(workers)
    if threads is not None:
        env["GUNICORN_THREADS"] = str(threads)
    return env


WEBHOOK_SECRET = secrets.token_hex(32)


@contextmanager
def running_server(
    services: Services,
    sim: GitHubSimulator,
    *,
    workers: int | None = None,
    threads: int | None = None,
    log_name: str = "bench-sse-gunicorn.log",
) -> Iterator[int]:
    """`gunicorn -c gunicorn_config.py web.wsgi:app` on a free loopback port; yields it."""
    port = free_port()
    log_path = DATA / log_name
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn_config.py", *APP],
            cwd=ROOT,
            env=server_env(services, sim, port, workers, threads),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_ready(proc, port)
            print(f"gunicorn pid {proc.pid} on {HOST}:{port} (log: {log_path})", flush=True)
            yield port
        finally:
            stop(proc)


# --- sessions, tasks, streams --------------------------------------------------------------


def sign_in(base: str) -> httpx.Client:
    """A browser that went through GitHub's web flow (the simulator approves)."""
    browser = httpx.Client(base_url=base, timeout=30.0)
    authorize = browser.get("/login").headers["location"]
    back = httpx.get(authorize).headers["location"]
    parts = urlsplit(back)
    done = browser.get(f"{parts.path}?{parts.query}")
    if done.status_code != 302:
        raise RuntimeError(f"sign-in failed: HTTP {done.status_code}")
    return browser


def seed(sim: GitHubSimulator, db: Database, count: int) -> tuple[int, list[int]]:
    installation = sim.add_installation(OWNER)
    sim.create_repo(OWNER, REPO, installation_id=installation)
    sim.set_permission(OWNER, REPO, USER, "write")
    sim.approve_as(USER)
    tenant_id = tenant(db, installation)
    ids = [
        make_task(db, tenant_id, f"{OWNER}/{REPO}", n + 1, status="running") for n in range(count)
    ]
    return tenant_id, ids


@dataclass
class Reader:
    """One open stream, read on its own thread: when each event message arrived."""

    browser: httpx.Client
    task_id: int
    opened: threading.Event = field(default_factory=threading.Event)
    status: int | None = None
    error: str | None = None
    arrived: dict[str, float] = field(default_factory=dict)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        try:
            with self.browser.stream(
                "GET", f"/api/tasks/{self.task_id}/events", timeout=httpx.Timeout(30.0, read=60.0)
            ) as response:
                self.status = response.status_code
                self.opened.set()
                if response.status_code != 200:
                    return
                for line in response.iter_lines():
                    if line.startswith("data: "):
                        message = json.loads(line[6:]).get("message", "")
                        self.arrived.setdefault(message, time.perf_counter())
                    if self.stop.is_set():
                        return
        except httpx.HTTPError as exc:
            if not self.stop.is_set():
                self.error = type(exc).__name__
        finally:
            self.opened.set()


@dataclass
class Publisher:
    """Task events through the worker's real sink, at a fixed rate, alternating recorded
    steps (TaskRun.event) and progress (TaskRun.emit)."""

    runs: list[TaskRun]
    rate: float
    sent: dict[str, tuple[int, float]] = field(default_factory=dict)  # message → task, time
    serial: int = 0

    def run_for(self, seconds: float) -> None:
        t0 = time.perf_counter()
        count = int(seconds * self.rate)
        for i in range(count):
            due = t0 + i / self.rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            run = self.runs[i % len(self.runs)]
            self.serial += 1
            message = f"bench event {self.serial}"
            self.sent[message] = (run.task.id, time.perf_counter())
            if self.serial % 2:
                run.event("bench", message)
            else:
                run.emit("progress", message, stage="bench")


# --- figures -------------------------------------------------------------------------------


def ms(values: Sequence[float]) -> str:
    ordered = sorted(values)
    if not ordered:
        return "none"
    p50, p99 = (percentile(ordered, p) * 1000 for p in (50, 99))
    return f"p50 {p50:6.1f}  p99 {p99:6.1f}  max {ordered[-1] * 1000:6.1f} ms  (n={len(ordered)})"


@dataclass(frozen=True)
class EventFigures:
    latencies: list[float]
    expected: int
    lost: int


def event_figures(sent: dict[str, tuple[int, float]], readers: Sequence[Reader]) -> EventFigures:
    latencies, expected, lost = [], 0, 0
    for message, (task_id, at) in sent.items():
        for reader in readers:
            if reader.task_id != task_id or reader.status != 200:
                continue
            expected += 1
            got = reader.arrived.get(message)
            if got is None:
                lost += 1
            else:
                latencies.append(got - at)
    return EventFigures(latencies, expected, lost)


def webhook_figures(results: Sequence[Result | None]) -> tuple[list[float], Counter[str]]:
    done = [r for r in results if r is not None]
    errors = Counter(r.error for r in done if r.error is not None)
    errors["not sent"] += len(results) - len(done)
    return [r.finished - r.due for r in done], +errors


# --- phases --------------------------------------------------------------------------------


def open_streams(base: str, task_ids: list[int], count: int) -> list[Reader]:
    print(f"signing {count} sessions in through the simulator's OAuth flow…", flush=True)
    readers = [Reader(sign_in(base), task_ids[i % len(task_ids)]) for i in range(count)]
    for reader in readers:  # one after another, as tabs open; a stuck one does not wait
        threading.Thread(target=reader.run, daemon=True).start()
        reader.opened.wait(1.0)
    deadline = time.monotonic() + OPEN_TIMEOUT_S
    for reader in readers:
        reader.opened.wait(max(0.0, deadline - time.monotonic()))
    return readers


def connections_per_process(port: int) -> list[int]:
    """Open connections to the server, counted per gunicorn worker process (most first)."""
    import psutil

    pids = Counter(
        c.pid
        for c in psutil.net_connections(kind="tcp")
        if c.laddr and c.laddr.port == port and c.status == psutil.CONN_ESTABLISHED and c.pid
    )
    return sorted(pids.values(), reverse=True)


def close_streams(readers: list[Reader]) -> None:
    for reader in readers:
        reader.stop.set()
        reader.browser.close()


class Cpu:
    """Where the machine's CPU went during each phase: this server's and the services'
    process trees against everything else running (a noisy machine shows here)."""

    def __init__(self, port: int, services: Services) -> None:
        import psutil

        master = next(
            c.pid
            for c in psutil.net_connections(kind="tcp")
            if c.laddr and c.laddr.port == port and c.status == psutil.CONN_LISTEN and c.pid
        )
        parent = psutil.Process(master).parent()
        server = parent.pid if parent is not None and "gunicorn" in parent.name() else master
        self.roots = {os.getpid(): "generator", server: "server", **service_roots(services)}
        self.shares: dict[str, str] = {}

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        before = cpu_sample()
        yield
        spent = cpu_by_group(before, cpu_sample(), self.roots)
        groups = spent.groups
        total = max(sum(groups.values()), 1e-9)
        self.shares[name] = ", ".join(
            f"{k} {groups.get(k, 0.0) / total:.0%}"
            for k in ("server", "postgres", "redis", "generator", "other", "idle")
        )


def phase_webhooks(port: int, mix: PayloadMix, opts: Options) -> list[Result | None]:
    requests = mix.build(round(opts.webhook_rate * opts.duration))
    _, results = fixed_rate(port, requests, opts.webhook_rate, opts.senders)
    return results


def phase_events(publisher: Publisher, opts: Options) -> dict[str, tuple[int, float]]:
    publisher.sent = {}
    publisher.run_for(opts.duration)
    time.sleep(SETTLE_S)
    return publisher.sent


def phase_both(
    port: int, mix: PayloadMix, publisher: Publisher, opts: Options
) -> tuple[list[Result | None], dict[str, tuple[int, float]]]:
    out: dict[str, list[Result | None]] = {}
    hooks = threading.Thread(target=lambda: out.update(r=phase_webhooks(port, mix, opts)))
    hooks.start()
    sent = phase_events(publisher, opts)
    hooks.join()
    return out["r"], sent


def report(title: str, lines: list[tuple[str, str]]) -> None:
    print(f"\n{title}")
    for name, value in lines:
        print(f"  {name:<28} {value}")


def run(opts: Options) -> int:
    ensure_fixtures()
    print(machine())
    print(f"load average at start: {load_average()}")
    mix = PayloadMix(WEBHOOK_SECRET.encode(), 1, MIX)
    with (
        tempfile.TemporaryDirectory(prefix="morningai-bench-sim-") as sim_dir,
        GitHubSimulator(Path(sim_dir)) as sim,
        provided_services(BENCH_DB, redis_dir="bench-sse-redis") as services,
    ):
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None, database_url=services.urls.app, redis_url=services.redis_url
        )
        ctx = context.build(settings)
        tenant_id, task_ids = seed(sim, ctx.db, opts.tasks)
        with tenant_transaction(ctx.db, tenant_id) as scope:
            rows = [tasks.get(scope, t) for t in task_ids]
        runs = [TaskRun(ctx, row, Fanout(ctx, LIVE_ONLY)) for row in rows if row is not None]
        publisher = Publisher(runs, opts.events_rate)
        with running_server(services, sim, workers=opts.workers, threads=opts.threads) as port:
            base = f"http://{HOST}:{port}"
            workers = opts.workers or "config's"
            threads = opts.threads or "config's"
            print(f"server: gunicorn_config.py, workers {workers}, threads {threads}")
            # warm-up (pools, caches), not counted
            fixed_rate(port, mix.build(round(opts.webhook_rate * 2)), opts.webhook_rate, 16)
            cpu = Cpu(port, services)
            print(f"phase A: webhooks at {opts.webhook_rate:.0f}/s, no streams", flush=True)
            with cpu.phase("A"):
                baseline = phase_webhooks(port, mix, opts)
            readers = open_streams(base, task_ids, opts.streams)
            refused = Counter(str(r.status or "no answer") for r in readers if r.status != 200)
            split = connections_per_process(port)
            print(f"phase B: {opts.streams} streams, events at {opts.events_rate:.0f}/s")
            with cpu.phase("B"):
                alone = event_figures(phase_events(publisher, opts), readers)
            print("phase C: streams, events and webhooks together", flush=True)
            with cpu.phase("C"):
                loaded_hooks, sent = phase_both(port, mix, publisher, opts)
            loaded = event_figures(sent, readers)
            broken = Counter(r.error for r in readers if r.error is not None)
            close_streams(readers)
        ctx.close()
    return print_results(
        opts,
        baseline=baseline,
        loaded_hooks=loaded_hooks,
        alone=alone,
        loaded=loaded,
        refused=refused,
        broken=broken,
        split=split,
        cpu=cpu.shares,
    )


def print_results(
    opts: Options,
    *,
    baseline: list[Result | None],
    loaded_hooks: list[Result | None],
    alone: EventFigures,
    loaded: EventFigures,
    refused: Counter[str],  # HTTP status, or "no answer"
    broken: Counter[str],
    split: list[int],
    cpu: dict[str, str],
) -> int:
    base_lat, base_err = webhook_figures(baseline)
    load_lat, load_err = webhook_figures(loaded_hooks)
    report(
        f"webhook latency at {opts.webhook_rate:.0f}/s (from the scheduled send time)",
        [
            ("A  no streams (baseline)", ms(base_lat)),
            (f"C  {opts.streams} streams + events", ms(load_lat)),
            ("ratio C/A p50, p99", _ratios(base_lat, load_lat)),
            ("errors A / C", f"{sum(base_err.values())} / {sum(load_err.values())} {+load_err}"),
        ],
    )
    report(
        f"event → client latency ({opts.events_rate:.0f} events/s over {opts.tasks} tasks, "
        f"{opts.streams} streams)",
        [
            ("B  streams only", ms(alone.latencies)),
            ("C  with webhooks", ms(loaded.latencies)),
            ("ratio C/B p50, p99", _ratios(alone.latencies, loaded.latencies)),
            (
                "deliveries lost B / C",
                f"{alone.lost} of {alone.expected} / {loaded.lost} of {loaded.expected}",
            ),
        ],
    )
    report(
        "streams",
        [
            ("opened", f"{opts.streams - sum(refused.values())} of {opts.streams}"),
            ("refused", f"{sum(refused.values())} {dict(refused) or ''}"),
            ("connections per process", " / ".join(map(str, split)) + " (once all were open)"),
            ("broken during the run", f"{sum(broken.values())} {dict(broken) or ''}"),
        ],
    )
    report("CPU share of the machine", [(f"phase {k}", v) for k, v in cpu.items()])
    print(f"load average at the end: {load_average()}")
    failed = sum(base_err.values()) + sum(load_err.values()) + sum(refused.values())
    failed += alone.lost + loaded.lost + sum(broken.values())
    print(f"\n{'PASS' if failed == 0 else 'FAIL'}: webhook errors, refused streams, lost events")
    return 0 if failed == 0 else 1


def _ratios(base: Sequence[float], other: Sequence[float]) -> str:
    if not base or not other:
        return "n/a"
    b, o = sorted(base), sorted(other)
    return " / ".join(
        f"{percentile(o, p) / percentile(b, p):.2f}" if percentile(b, p) > 0 else "n/a"
        for p in (50, 99)
    )


def parse_args(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m bench.sse_latency",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--streams", type=int, default=50)
    parser.add_argument("--tasks", type=int, default=10, help="streams spread over these")
    parser.add_argument("--events-rate", type=float, default=10.0, help="task events/s")
    parser.add_argument("--webhook-rate", type=float, default=100.0, help="deliveries/s")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per phase")
    parser.add_argument("--workers", type=int, help="WEB_CONCURRENCY (default: the config's)")
    parser.add_argument("--threads", type=int, help="GUNICORN_THREADS (default: the config's)")
    parser.add_argument("--senders", type=int, default=16, help="webhook sender threads")
    a = parser.parse_args(argv)
    if min(a.streams, a.tasks, a.senders) < 1 or min(a.events_rate, a.duration) <= 0:
        parser.error("counts must be at least 1, rates and durations positive")
    if a.webhook_rate <= 0 or a.webhook_rate > 1000 or a.webhook_rate * a.duration > 100_000:
        parser.error("a run is bounded: --webhook-rate at most 1000, 100,000 deliveries a phase")
    return Options(
        a.streams,
        a.tasks,
        a.events_rate,
        a.webhook_rate,
        a.duration,
        a.workers,
        a.threads,
        a.senders,
    )


def main(argv: Sequence[str] | None = None) -> int:
    return run(parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
