"""Load benchmark of the webhook receiver: the real gunicorn server on loopback.

    .venv/bin/python -m bench.webhooks [--rate 200] [--duration 20]
        [--saturation-duration 10] [--concurrency 32] [--threads 4] [--timeline] [--no-baseline]
    .venv/bin/python -m bench.webhooks --soak [--rate 100] [--duration 60] [--timeline]

It provides PostgreSQL and Redis (bench/services.py: the embedded ones unless DATABASE_URL, a
superuser URL, and REDIS_URL are set), drops and re-creates the `morningai_bench` database,
FLUSHES the Redis database, starts `gunicorn -c gunicorn_config.py web.wsgi:app` on
127.0.0.1, then sends GitHub's own example payloads, each signed and with its own delivery id,
all built before any timing: a short warm-up, phase A at a fixed rate (open loop, latency
measured from each request's scheduled send time, so a slow server cannot hide its queue),
phase B as fast as `--concurrency` clients go (closed loop). Per phase it prints latency, errors
and where the machine's CPU went (server, PostgreSQL, Redis, this generator, anything else
running), then checks that every delivery was recorded once with the outcome its payload calls
for, that each task-creating delivery became one task and each task one RQ job.

Before it, in the same run and with the same settings, phases and mix, it measures the
non-durable floor (bench/webhook_baseline.py: HMAC check, JSON parse and an RQ enqueue per
task-creating delivery, no database) and ends with both side by side: phase A p50/p99 and
phase B req/s, ours against the floor, with the ratio (`--no-baseline` skips it; `--soak` has
none). The server runs with a whole App configured, as in production (GITHUB_APP_ID and a
private key the webhook path never reads): without one the receiver looks for an App
registered at /setup in the database on every request.

`--soak` runs phase A only, for 60 s unless `--duration` says otherwise, with every kind of
delivery the app handles mixed (bench/webhook_payloads.py SOAK_MIX: labeled issues, comments
with and without commands on issues and pull requests, merged and unmerged pull requests,
pings, installations, stars, pushes), and adds latency per kind, per 10 s window and the
memory of the server and services before and after. Runs are bounded (at most 1,000 req/s and
100,000 requests a phase) and loopback only. It writes no file but gunicorn's log; exit status
1 if a check failed.
"""

from __future__ import annotations

import argparse
import http.client
import math
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from redis import Redis
from rq import Queue

from bench.load import HOST, Result, fixed_rate, saturation
from bench.machine import (
    MIB,
    CpuSpent,
    Memory,
    cpu_by_group,
    cpu_sample,
    load_average,
    machine,
    other_share,
    percentile,
    tree_memory,
)
from bench.services import DATA, ROOT, Services, ensure_fixtures, provided_services, service_roots
from bench.webhook_payloads import MIX, SOAK_MIX, Kind, PayloadMix, Prepared

BENCH_DB = "morningai_bench"
QUEUE_NAMES = ("high", "default", "low")
LATE_MS = 1.0  # a send starting later than this after its scheduled time counts as late
LAG_LIMIT_MS = 5.0  # the generator fell behind when its p99 start lag exceeds this
NOISE_SHARE = 0.05  # other processes above this share of the CPU make a run noisy
READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 30.0
MAX_RATE = 1000.0  # bounds of one run: it is a benchmark on loopback, not a load tool
MAX_PHASE_REQUESTS = 100_000
SOAK_DURATION_S = 60.0
SOAK_RATE = 100.0  # where phase A met its p99 goal on two shared cores (BENCHMARKS.md)
SOAK_WINDOW_S = 10


@dataclass(frozen=True)
class Options:
    rate: float
    duration: float
    warmup: float
    saturation_duration: float
    concurrency: int
    workers: int
    threads: int
    senders: int
    saturation_max: int
    seed: int
    timeline: bool
    soak: bool
    baseline: bool


@dataclass(frozen=True)
class Figures:
    """What the side-by-side table compares: phase A's p50 and p99, phase B's rate."""

    p50_ms: float
    p99_ms: float
    saturation_rps: float


@dataclass(frozen=True)
class Server:
    port: int
    pid: int


@dataclass(frozen=True)
class Batches:
    """The requests of each phase, all built and signed up front."""

    warmup: list[Prepared]
    fixed: list[Prepared]
    saturation: list[Prepared]

    @property
    def everything(self) -> list[Prepared]:
        return self.warmup + self.fixed + self.saturation


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


# --- server --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def server_env(opts: Options, services: Services, secret: str, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_MIGRATION_URL"}
    env.update(
        DATABASE_URL=services.urls.app,
        REDIS_URL=services.redis_url,
        GITHUB_WEBHOOK_SECRET=secret,
        PORT=str(port),
        GUNICORN_BIND=f"{HOST}:{port}",  # loopback only, not gunicorn_config's 0.0.0.0
        WEB_CONCURRENCY=str(opts.workers),
        GUNICORN_THREADS=str(opts.threads),
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),  # this tree's app, whatever the virtualenv's editable install
        # a whole App, as in production; the webhook path never reads the key
        GITHUB_APP_ID="1",
        GITHUB_PRIVATE_KEY="unused on the webhook path",
    )
    env.pop("GITHUB_PRIVATE_KEY_PATH", None)
    return env


def _ready(port: int) -> bool:
    conn = http.client.HTTPConnection(HOST, port, timeout=2.0)
    try:
        conn.request("GET", "/readyz")
        return conn.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


def wait_ready(proc: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {proc.returncode}")
        if _ready(port):
            return
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn not ready within {READY_TIMEOUT_S:.0f} s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=STOP_TIMEOUT_S)


REAL_APP = "web.wsgi:app"
BASELINE_APP = "bench.webhook_baseline:app"


@contextmanager
def running_server(
    opts: Options, services: Services, secret: str, app: str = REAL_APP
) -> Iterator[Server]:
    """gunicorn with the repository's config on a free loopback port."""
    port = free_port()
    log_path = DATA / ("bench-gunicorn.log" if app == REAL_APP else "bench-gunicorn-baseline.log")
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "-c",
                "gunicorn_config.py",
                app,
            ],
            cwd=ROOT,
            env=server_env(opts, services, secret, port),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_ready(proc, port)
            print(f"gunicorn pid {proc.pid} on {HOST}:{port} (log: {log_path})", flush=True)
            yield Server(port, proc.pid)
        finally:
            stop(proc)


# --- figures -------------------------------------------------------------------------------


def _ms(values: Sequence[float]) -> str:
    ordered = sorted(values)
    figures = [percentile(ordered, p) * 1000 for p in (50, 90, 99)]
    return "p50 {:.1f}  p90 {:.1f}  p99 {:.1f}  max {:.1f}".format(
        *figures, (ordered[-1] if ordered else math.nan) * 1000
    )


def report_phase(title: str, t0: float, results: Sequence[Result | None]) -> None:
    done = [r for r in results if r is not None]
    elapsed = max((r.finished for r in done), default=t0) - t0
    errors = Counter(r.error for r in done if r.error is not None)
    print(f"\n{title}")
    print(f"  requests sent     {len(done)}")
    print(
        f"  achieved          {len(done) / elapsed if elapsed > 0 else math.nan:.1f} req/s "
        f"over {elapsed:.2f} s"
    )
    print(f"  latency ms        {_ms([r.finished - r.due for r in done])}")
    kinds = ", ".join(f"{kind} {n}" for kind, n in errors.most_common()) or "none"
    print(f"  errors            {sum(errors.values())} ({kinds})")


def report_lag(results: Sequence[Result | None]) -> None:
    """How late sends started against their schedule, and whether senders ran out.

    Latency counts from the scheduled time, so lag is inside the latency figures; it only
    means the offered load came in bursts. A late start while some sender was idle is the
    generator's own delay (CPU); one where every sender was busy waiting on the server is not.
    """
    done = [r for r in results if r is not None]
    lags = sorted(max(0.0, r.started - r.due) for r in done)
    late = [r for r in done if (r.started - r.due) * 1000 > LATE_MS]
    busy = sum(r.taken > r.due + LATE_MS / 1000 for r in late)
    print(f"  generator lag ms  {_ms(lags)}")
    print(
        f"  late starts       {len(late)} of {len(done)} more than {LATE_MS:.0f} ms late "
        f"({len(late) - busy} generator delay, {busy} with every sender busy)"
    )
    behind = len(done) < len(results) or percentile(lags, 99) * 1000 > LAG_LIMIT_MS
    verdict = "FELL BEHIND" if behind else "kept up"
    print(
        f"  generator         {verdict} (p99 lag limit {LAG_LIMIT_MS:.0f} ms, "
        f"{len(results) - len(done)} not sent)"
    )


def report_timeline(t0: float, results: Sequence[Result | None], window: int = 1) -> None:
    """Latency per `window` seconds of the schedule: shows whether slow requests cluster in
    stalls, or (over a soak) whether latency drifts."""
    by_window: dict[int, list[float]] = {}
    for r in results:
        if r is not None:
            by_window.setdefault(int((r.due - t0) // window), []).append(r.finished - r.due)
    print(f"  {'from s':>6}  sent   p50 ms   p99 ms   max ms")
    for index in sorted(by_window):
        ordered = sorted(by_window[index])
        p50, p99 = (percentile(ordered, p) * 1000 for p in (50, 99))
        print(
            f"  {index * window:6d} {len(ordered):5d} {p50:8.1f} {p99:8.1f} "
            f"{ordered[-1] * 1000:8.1f}"
        )


def report_kinds(requests: Sequence[Prepared], results: Sequence[Result | None]) -> None:
    """Latency per kind of delivery, task-creating kinds marked with their task."""
    by_kind: dict[str, list[float]] = {}
    kinds: dict[str, Kind] = {}
    for p, r in zip(requests, results, strict=True):
        if r is not None:
            by_kind.setdefault(p.kind.name, []).append(r.finished - r.due)
            kinds[p.kind.name] = p.kind
    print(f"  {'kind':<34} {'sent':>5} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7}  creates")
    for name in sorted(by_kind, key=lambda n: -len(by_kind[n])):
        ordered = sorted(by_kind[name])
        task = kinds[name].task
        creates = f"{task[0]} task ({task[1]})" if task else "-"
        print(
            f"  {name:<34} {len(ordered):5d} {percentile(ordered, 50) * 1000:7.1f} "
            f"{percentile(ordered, 99) * 1000:7.1f} {ordered[-1] * 1000:7.1f}  {creates}"
        )


def report_cpu(spent: CpuSpent, requests: int) -> None:
    groups = spent.groups
    order = ("server", "postgres", "redis", "generator", "other", "irq", "steal", "idle")
    parts = ", ".join(f"{k} {groups.get(k, 0.0):.1f}" for k in order)
    print(f"  CPU core-s        {parts} (of {sum(groups.values()):.1f})")
    if requests:
        per_request = {k: groups.get(k, 0.0) * 1000 / requests for k in order[:4]}
        print("  CPU ms/request    " + ", ".join(f"{k} {v:.2f}" for k, v in per_request.items()))
    if spent.others:
        print("  other processes   " + ", ".join(f"{n} {v:.1f}" for n, v in spent.others))
    share = other_share(spent)
    if share > NOISE_SHARE:
        print(f"  warning: other processes took {share:.0%} of the machine: not a quiet run")


def memory_by_tree(roots: dict[int, str]) -> dict[str, Memory]:
    return {name: tree_memory(pid) for pid, name in roots.items() if name != "generator"}


def report_memory(before: dict[str, Memory], after: dict[str, Memory]) -> None:
    """Resident memory of each process tree before and after the phase: a leak shows here."""
    parts = []
    for name, start in before.items():
        end = after.get(name)
        if end is not None:
            parts.append(
                f"{name} {start.rss / MIB:.0f} -> {end.rss / MIB:.0f} MiB "
                f"(PSS {start.pss / MIB:.0f} -> {end.pss / MIB:.0f})"
            )
    print("  memory RSS        " + "; ".join(parts))


# --- verification --------------------------------------------------------------------------


def _count(conn: psycopg.Connection[Any], query: str) -> int:
    row = conn.execute(query).fetchone()
    return int(row[0]) if row else -1


@dataclass(frozen=True)
class Stored:
    """What the database and Redis hold after the run."""

    deliveries: dict[str, tuple[int, str]]  # delivery id -> (rows, outcome)
    tasks: list[tuple[int, str, str, str]]  # (task id, delivery id, kind, queue)
    unenqueued: int
    jobs: dict[str, int]  # queue -> jobs
    missing_jobs: int  # tasks whose first RQ job does not exist


def _missing_jobs(redis: Redis, task_ids: Sequence[int]) -> int:
    pipe = redis.pipeline(transaction=False)
    for task_id in task_ids:
        pipe.exists(f"rq:job:task-{task_id}-1")  # jobs.runtime.queues.job_id(task_id, 0)
    return sum(1 for found in pipe.execute() if not found)


def read_stored(services: Services) -> Stored:
    with psycopg.connect(services.urls.owner, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT delivery_id, count(*), min(outcome) FROM webhook_deliveries GROUP BY 1"
        ).fetchall()
        deliveries = {str(d): (int(n), str(o)) for d, n, o in rows}
        tasks = [
            (int(i), str(d), str(k), str(q))
            for i, d, k, q in conn.execute("SELECT id, delivery_id, kind, queue FROM tasks")
        ]
        unenqueued = _count(conn, "SELECT count(*) FROM tasks WHERE enqueued_at IS NULL")
    with Redis.from_url(services.redis_url) as redis:
        jobs = {name: int(Queue(name, connection=redis).count) for name in QUEUE_NAMES}
        missing = _missing_jobs(redis, [t[0] for t in tasks])
    return Stored(deliveries, tasks, unenqueued, jobs, missing)


def _check_deliveries(stored: Stored, sent: Sequence[Prepared]) -> list[Check]:
    ids = {p.delivery_id for p in sent}
    missing = len(ids - stored.deliveries.keys())
    unexpected = len(stored.deliveries.keys() - ids)
    twice = sum(1 for n, _ in stored.deliveries.values() if n != 1)
    outcomes = Counter(o for _, o in stored.deliveries.values())
    wrong = Counter(
        p.kind.name
        for p in sent
        if p.delivery_id in stored.deliveries
        and stored.deliveries[p.delivery_id][1] != p.kind.outcome
    )
    return [
        Check(
            "every delivery recorded exactly once",
            missing == unexpected == twice == 0 and len(ids) == len(sent),
            f"{len(sent)} sent ({len(ids)} distinct ids), {len(stored.deliveries)} stored "
            f"({', '.join(f'{k} {v}' for k, v in outcomes.most_common())}), {missing} missing, "
            f"{unexpected} unexpected, {twice} more than once",
        ),
        Check(
            "each delivery's outcome as its payload calls for",
            not wrong,
            f"{sum(wrong.values())} differ"
            + (f" ({', '.join(f'{k} {v}' for k, v in wrong.most_common())})" if wrong else ""),
        ),
    ]


def _check_tasks(stored: Stored, sent: Sequence[Prepared]) -> list[Check]:
    expected = {p.delivery_id: p.kind.task for p in sent if p.kind.task is not None}
    by_delivery = Counter(d for _, d, _, _ in stored.tasks)
    found = {d: (k, q) for _, d, k, q in stored.tasks}
    wrong = sum(1 for d, task in expected.items() if found.get(d) != task)
    extra = sum(1 for d in by_delivery if d not in expected)
    twice = sum(1 for n in by_delivery.values() if n > 1)
    per_kind = Counter(task[0] for task in expected.values())
    per_queue = Counter(task[1] for task in expected.values())
    jobs = sum(stored.jobs.values())
    queues_ok = all(stored.jobs.get(q, 0) == n for q, n in per_queue.items())
    return [
        Check(
            "tasks = task-creating deliveries",
            len(stored.tasks) == len(expected) and wrong == extra == twice == 0,
            f"{len(stored.tasks)} tasks, {len(expected)} task-creating deliveries "
            f"({', '.join(f'{k} {v}' for k, v in per_kind.most_common())}); {wrong} missing or "
            f"of the wrong kind/queue, {extra} from other deliveries, {twice} twice "
            f"({stored.unenqueued} tasks not marked enqueued)",
        ),
        Check(
            "RQ jobs = tasks",
            jobs == len(stored.tasks) and queues_ok and stored.missing_jobs == 0,
            f"{jobs} jobs ({', '.join(f'{k} {v}' for k, v in stored.jobs.items())}; expected "
            f"{', '.join(f'{q} {per_queue.get(q, 0)}' for q in QUEUE_NAMES)}), "
            f"{stored.missing_jobs} tasks without their job",
        ),
    ]


def verify(stored: Stored, sent: Sequence[Prepared], errors: int) -> list[Check]:
    return [
        *_check_deliveries(stored, sent),
        *_check_tasks(stored, sent),
        Check("no request errors", errors == 0, f"{errors} errors"),
    ]


# --- main ----------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.webhooks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--rate", type=float, help="phase A requests/s (default 200; with --soak 100)"
    )
    parser.add_argument(
        "--duration", type=float, help="phase A seconds (default 20; with --soak 60)"
    )
    parser.add_argument(
        "--warmup", type=float, default=2.0, help="seconds at --rate before phase A (0: none)"
    )
    parser.add_argument(
        "--saturation-duration",
        type=float,
        default=10.0,
        help="phase B seconds (0 skips it; --soak skips it)",
    )
    parser.add_argument("--concurrency", type=int, default=32, help="phase B clients")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn WEB_CONCURRENCY")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn GUNICORN_THREADS")
    parser.add_argument(
        "--senders",
        type=int,
        default=64,
        help="phase A sender threads, each with its own connection",
    )
    parser.add_argument(
        "--saturation-max",
        type=int,
        default=8_000,
        help="requests pre-built for phase B (it stops early if they run out)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--timeline", action="store_true", help="print phase A latency per second too"
    )
    parser.add_argument(
        "--no-baseline",
        action="store_true",
        help="skip the non-durable baseline (HMAC + JSON + RQ enqueue, no database)",
    )
    parser.add_argument(
        "--soak",
        action="store_true",
        help="phase A only, every kind of delivery mixed, latency per kind and per 10 s",
    )
    return parser


def parse_args(argv: Sequence[str] | None) -> Options:
    parser = _parser()
    a = parser.parse_args(argv)
    rate = a.rate if a.rate is not None else (SOAK_RATE if a.soak else 200.0)
    duration = a.duration if a.duration is not None else (SOAK_DURATION_S if a.soak else 20.0)
    saturation_duration = 0.0 if a.soak else a.saturation_duration
    if rate <= 0 or duration <= 0 or min(saturation_duration, a.warmup) < 0:
        parser.error("--rate and --duration must be positive, the other durations >= 0")
    if rate > MAX_RATE or rate * max(duration, a.warmup) > MAX_PHASE_REQUESTS:
        parser.error(
            f"a run is bounded: --rate at most {MAX_RATE:.0f}, at most "
            f"{MAX_PHASE_REQUESTS:,} requests a phase"
        )
    if min(a.concurrency, a.workers, a.threads, a.senders, a.saturation_max) < 1:
        parser.error("counts must be at least 1")
    return Options(
        rate,
        duration,
        a.warmup,
        saturation_duration,
        a.concurrency,
        a.workers,
        a.threads,
        a.senders,
        min(a.saturation_max, MAX_PHASE_REQUESTS),
        a.seed,
        a.timeline,
        a.soak,
        not a.no_baseline and not a.soak,
    )


def _mix_line(requests: Sequence[Prepared]) -> str:
    counts = Counter(p.kind.name for p in requests)
    return ", ".join(f"{kind} {n}" for kind, n in counts.most_common())


def _attempted(
    requests: Sequence[Prepared], results: Sequence[Result | None]
) -> tuple[list[Prepared], int]:
    pairs = [(p, r) for p, r in zip(requests, results, strict=True) if r is not None]
    return [p for p, _ in pairs], sum(r.error is not None for _, r in pairs)


Phase = tuple[float, list[Result | None]]


def measure(roots: dict[int, str], phase: Callable[[], Phase]) -> tuple[Phase, CpuSpent]:
    before = cpu_sample()
    outcome = phase()
    return outcome, cpu_by_group(before, cpu_sample(), roots)


def warm_up(opts: Options, server: Server, requests: list[Prepared]) -> list[Result | None]:
    if not requests:
        return []
    _, results = fixed_rate(server.port, requests, opts.rate, opts.senders)
    done = sorted(r.finished - r.due for r in results if r is not None)
    print(
        f"\nwarm-up: {len(done)} requests at {opts.rate:.0f} req/s, p99 "
        f"{percentile(done, 99) * 1000:.1f} ms (checked below, not in the phase figures)"
    )
    return results


def run_fixed(
    opts: Options, server: Server, roots: dict[int, str], requests: list[Prepared]
) -> list[Result | None]:
    """Phase A, with the soak's extra figures when asked."""
    memory_before = memory_by_tree(roots)
    (t0, fixed), spent = measure(
        roots, lambda: fixed_rate(server.port, requests, opts.rate, opts.senders)
    )
    memory_after = memory_by_tree(roots)
    name = "soak" if opts.soak else "phase A"
    title = f"{name}: open loop at {opts.rate:.0f} req/s for {opts.duration:.0f} s"
    report_phase(f"{title} ({opts.senders} senders)", t0, fixed)
    report_lag(fixed)
    if opts.timeline:
        report_timeline(t0, fixed)
    report_cpu(spent, sum(r is not None for r in fixed))
    if opts.soak:
        report_memory(memory_before, memory_after)
        print("\n  latency per kind (from the scheduled send time)")
        report_kinds(requests, fixed)
        print(f"\n  latency per {SOAK_WINDOW_S} s of the soak")
        report_timeline(t0, fixed, SOAK_WINDOW_S)
    return fixed


def figures(fixed: Sequence[Result | None], saturation_rps: float) -> Figures:
    latencies = sorted(r.finished - r.due for r in fixed if r is not None)
    p50, p99 = (percentile(latencies, p) * 1000 for p in (50, 99))
    return Figures(p50, p99, saturation_rps)


def run_phases(
    opts: Options, server: Server, roots: dict[int, str], batches: Batches
) -> tuple[list[Result | None], Figures]:
    """Warm-up, phase A and phase B; returns every result, in the order of `everything`."""
    warm = warm_up(opts, server, batches.warmup)
    fixed = run_fixed(opts, server, roots, batches.fixed)
    if not batches.saturation:
        return warm + fixed, figures(fixed, math.nan)
    (t0, sat), spent = measure(
        roots,
        lambda: saturation(
            server.port, batches.saturation, opts.concurrency, opts.saturation_duration
        ),
    )
    title = f"phase B: closed loop, {opts.concurrency} clients for {opts.saturation_duration:.0f} s"
    report_phase(title, t0, sat)
    report_cpu(spent, sum(r is not None for r in sat))
    if all(r is not None for r in sat):
        print(f"  warning: all {len(sat)} pre-built requests used; raise --saturation-max")
    elapsed = max((r.finished for r in sat if r is not None), default=t0) - t0
    rate = sum(r is not None for r in sat) / elapsed if elapsed > 0 else math.nan
    return warm + fixed + sat, figures(fixed, rate)


def build_batches(opts: Options, secret: str) -> Batches:
    mix = PayloadMix(secret.encode(), opts.seed, SOAK_MIX if opts.soak else MIX)
    return Batches(
        warmup=mix.build(round(opts.rate * opts.warmup)),
        fixed=mix.build(round(opts.rate * opts.duration)),
        saturation=mix.build(opts.saturation_max if opts.saturation_duration > 0 else 0),
    )


def run_baseline(opts: Options, services: Services, secret: str) -> tuple[Figures, Check]:
    """The non-durable floor, same phases and mix; then Redis is emptied for the real run."""
    batches = build_batches(opts, secret)
    print("\n=== baseline: HMAC + JSON parse + RQ enqueue, no database (bench/webhook_baseline.py)")
    with running_server(opts, services, secret, BASELINE_APP) as server:
        roots = {os.getpid(): "generator", server.pid: "server", **service_roots(services)}
        results, fig = run_phases(opts, server, roots, batches)
    sent, errors = _attempted(batches.everything[: len(results)], results)
    tasks = sum(1 for p in sent if p.kind.task is not None)
    with Redis.from_url(services.redis_url) as redis:
        jobs = sum(int(Queue(name, connection=redis).count) for name in QUEUE_NAMES)
        redis.flushdb()
    check = Check(
        "baseline: RQ jobs = task-creating deliveries, no errors",
        jobs == tasks and errors == 0,
        f"{jobs} jobs, {tasks} task-creating deliveries, {errors} errors",
    )
    return fig, check


def report_side_by_side(ours: Figures, floor: Figures, opts: Options) -> None:
    def ratio(a: float, b: float) -> str:
        return f"{a / b:.2f}x" if b > 0 else "-"

    print(f"\nours vs the non-durable baseline (phase A at {opts.rate:.0f} req/s, phase B)")
    print(f"  {'':<22}{'ours':>10}{'baseline':>10}{'ratio':>8}")
    rows = (
        ("phase A p50 ms", ours.p50_ms, floor.p50_ms),
        ("phase A p99 ms", ours.p99_ms, floor.p99_ms),
        ("phase B req/s", ours.saturation_rps, floor.saturation_rps),
    )
    for name, a, b in rows:
        print(f"  {name:<22}{a:>10.1f}{b:>10.1f}{ratio(a, b):>8}")


def run(opts: Options) -> int:
    ensure_fixtures()
    secret = secrets.token_hex(32)
    batches = build_batches(opts, secret)
    print(machine())
    print(f"load average at start: {load_average()}")
    print(
        f"server: gunicorn gthread, {opts.workers} workers x {opts.threads} threads; "
        "the load generator, PostgreSQL and Redis run on the same machine"
    )
    print(f"mix: {_mix_line(batches.everything)} (pre-built and signed)", flush=True)
    checks: list[Check] = []
    with provided_services(BENCH_DB) as services:
        floor = None
        if opts.baseline:
            floor, check = run_baseline(opts, services, secret)
            checks.append(check)
            print("\n=== MorningAI's receiver (web.wsgi:app)")
        with running_server(opts, services, secret) as server:
            roots = {os.getpid(): "generator", server.pid: "server", **service_roots(services)}
            results, ours = run_phases(opts, server, roots, batches)
            sent, errors = _attempted(batches.everything[: len(results)], results)
            checks += verify(read_stored(services), sent, errors)
    if floor is not None:
        report_side_by_side(ours, floor, opts)
    print()
    for check in checks:
        print(f"{'PASS' if check.ok else 'FAIL'} {check.name}: {check.detail}")
    return 0 if all(c.ok for c in checks) else 1


def main(argv: Sequence[str] | None = None) -> int:
    return run(parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
