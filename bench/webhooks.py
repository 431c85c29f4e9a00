"""Load benchmark of the webhook receiver: the real gunicorn server on loopback.

    .venv/bin/python -m bench.webhooks [--rate 200] [--duration 20]
        [--saturation-duration 10] [--concurrency 32] [--threads 4] [--timeline]

It provides PostgreSQL and Redis (the embedded ones unless DATABASE_URL, a superuser URL,
and REDIS_URL are set), drops and re-creates the `morningai_bench` database, FLUSHES the Redis
database, starts `gunicorn -c gunicorn_config.py github_app.wsgi:app` on 127.0.0.1, then sends
GitHub's own example payloads, each signed and with its own delivery id, all built before any
timing: a short warm-up, phase A at a fixed rate (open loop, latency measured from each
request's scheduled send time, so a slow server cannot hide its queue), phase B as fast as
`--concurrency` clients go (closed loop). Per phase it prints latency, errors and where the
machine's CPU went (server, PostgreSQL, Redis, this generator, anything else running), then
checks that every delivery was recorded once, that each labeled issue became a task and each
task an RQ job. It writes no file but gunicorn's log; exit status 1 if a check failed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import platform
import random
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
from redis import Redis
from rq import Queue

from db.migrate import migrate
from github_app.signature import sign
from morningai.embedded import (
    DatabaseUrls,
    EmbeddedRedis,
    drop_database,
    provision_database,
    start_postgres,
)

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".morningai"
BENCH_DB = "morningai_bench"
HOST = "127.0.0.1"
WEBHOOK_PATH = "/api/github/webhooks"
QUEUE_NAMES = ("high", "default", "low")
INSTALLATIONS = (910_001, 910_002, 910_003, 910_004, 910_005)
# (kind, event, action, weight): half create tasks, the rest are recorded and ignored
MIX = (
    ("issues.labeled", "issues", "labeled", 0.5),
    ("issue_comment.created", "issue_comment", "created", 0.3),
    ("star.created", "star", "created", 0.1),
    ("push", "push", None, 0.1),
)
LABELED = "issues.labeled"
LATE_MS = 1.0  # a send starting later than this after its scheduled time counts as late
LAG_LIMIT_MS = 5.0  # the generator fell behind when its p99 start lag exceeds this
NOISE_SHARE = 0.05  # other processes above this share of the CPU make a run noisy
HTTP_TIMEOUT_S = 10.0
READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 30.0


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


@dataclass(frozen=True)
class Prepared:
    """One request, built and signed before any timing starts."""

    delivery_id: str
    kind: str
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class Result:
    due: float  # scheduled send time (closed loop: the actual start)
    taken: float  # when a sender picked the request up
    started: float
    finished: float
    error: str | None


@dataclass(frozen=True)
class Services:
    urls: DatabaseUrls
    redis_url: str


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


# --- services and server -------------------------------------------------------------------


def _ensure_fixtures() -> None:
    index = DATA / "fixtures" / "webhooks-examples" / "api.github.com" / "index.json"
    if not index.exists():
        print("fetching GitHub's webhook examples (scripts/fetch_fixtures.sh)", flush=True)
        subprocess.run([str(ROOT / "scripts" / "fetch_fixtures.sh")], cwd=ROOT, check=True)


@contextmanager
def provided_services() -> Iterator[Services]:
    """PostgreSQL with a fresh bench database and an emptied Redis; stopped on exit if ours."""
    with ExitStack() as stack:
        admin = os.environ.get("DATABASE_URL") or start_postgres(DATA / "bench-postgres")
        drop_database(admin, BENCH_DB)
        urls = provision_database(admin, BENCH_DB)
        migrate(urls.owner)
        redis_url = os.environ.get("REDIS_URL")
        if not redis_url:
            server = EmbeddedRedis(DATA / "bench-redis")
            redis_url = server.start()
            stack.callback(server.stop)
        with Redis.from_url(redis_url) as redis:
            redis.flushdb()
        yield Services(urls, redis_url)


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
    )
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


@contextmanager
def running_server(opts: Options, services: Services, secret: str) -> Iterator[Server]:
    """gunicorn with the repository's config on a free loopback port."""
    port = free_port()
    log_path = DATA / "bench-gunicorn.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "-c",
                "gunicorn_config.py",
                "github_app.wsgi:app",
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


# --- payloads ------------------------------------------------------------------------------


def _with_installation(payload: dict[str, Any], installation: int) -> dict[str, Any]:
    payload["installation"] = {"id": installation, "node_id": f"MDIz{installation}"}
    payload["sender"]["type"] = "User"
    return payload


class PayloadMix:
    """GitHub's examples, adjusted to reach each path of the receiver; one template per kind,
    varied per request and serialised compactly. Every request names its own issue number
    (and comment id), across all batches: the app keeps one live task per issue, so a
    repeated number would be answered `ignored` instead of becoming a task."""

    def __init__(self, secret: bytes, seed: int) -> None:
        from tests.fakes.npm_fixtures import webhook_example

        self.secret = secret
        self.rng = random.Random(seed)
        self.serial = 0
        self.templates = {kind: webhook_example(ev, act) for kind, ev, act, _ in MIX}
        self.events = {kind: ev for kind, ev, _, _ in MIX}
        labeled = self.templates[LABELED]
        labeled["label"]["name"] = "morningai"
        labeled["issue"]["state"] = "open"
        labeled["issue"]["locked"] = False
        self.templates["issue_comment.created"]["comment"]["body"] = "Thanks, looks good to me."

    def build(self, n: int) -> list[Prepared]:
        kinds = [k for k, *_ in MIX]
        weights = [w for *_, w in MIX]
        return [self._one(kind) for kind in self.rng.choices(kinds, weights, k=n)]

    def _one(self, kind: str) -> Prepared:
        self.serial += 1
        payload = _with_installation(self.templates[kind], self.rng.choice(INSTALLATIONS))
        if "issue" in payload:
            payload["issue"]["number"] = self.serial
        if "comment" in payload:
            payload["comment"]["id"] = 10_000_000 + self.serial
        body = json.dumps(payload, separators=(",", ":")).encode()
        delivery = str(uuid.uuid4())
        headers = {
            "X-GitHub-Delivery": delivery,
            "X-GitHub-Event": self.events[kind],
            "X-Hub-Signature-256": sign(self.secret, body),
            "Content-Type": "application/json",
            "User-Agent": "GitHub-Hookshot/bench",
        }
        return Prepared(delivery, kind, body, headers)


# --- load generation -----------------------------------------------------------------------


class Sender:
    """One persistent keep-alive connection, reopened after any failure."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn: http.client.HTTPConnection | None = None

    def post(self, req: Prepared) -> str | None:
        """Send `req`; None on a 2xx answer, else what went wrong."""
        conn = self.conn or http.client.HTTPConnection(HOST, self.port, timeout=HTTP_TIMEOUT_S)
        self.conn = conn
        try:
            conn.request("POST", WEBHOOK_PATH, body=req.body, headers=req.headers)
            response = conn.getresponse()
            response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            return type(exc).__name__
        if response.will_close:
            self.close()
        return None if 200 <= response.status < 300 else f"HTTP {response.status}"

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class Ticket:
    """Hands out request indexes in order, to many threads, up to a count."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._next = 0
        self._lock = threading.Lock()

    def take(self) -> int | None:
        with self._lock:
            if self._next >= self.limit:
                return None
            self._next += 1
            return self._next - 1


def run_threads(target: Callable[[], None], count: int, timeout: float) -> int:
    """Run `count` threads of `target`; return how many were still alive after `timeout`."""
    threads = [threading.Thread(target=target, daemon=True) for _ in range(count)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + timeout
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    return sum(t.is_alive() for t in threads)


def fixed_rate(
    port: int, requests: Sequence[Prepared], rate: float, senders: int
) -> tuple[float, list[Result | None]]:
    """Open loop: request i is due at t0 + i/rate whether or not earlier ones answered."""
    results: list[Result | None] = [None] * len(requests)
    ticket = Ticket(len(requests))
    t0 = time.perf_counter() + 0.5

    def work() -> None:
        sender = Sender(port)
        try:
            while (i := ticket.take()) is not None:
                due = t0 + i / rate
                taken = time.perf_counter()
                if due > taken:
                    time.sleep(due - taken)
                started = time.perf_counter()
                error = sender.post(requests[i])
                results[i] = Result(due, taken, started, time.perf_counter(), error)
        finally:
            sender.close()

    stuck = run_threads(work, senders, timeout=len(requests) / rate + 60.0)
    if stuck:
        print(f"warning: {stuck} sender thread(s) still running after the phase", flush=True)
    return t0, results


def saturation(
    port: int, requests: Sequence[Prepared], concurrency: int, duration: float
) -> tuple[float, list[Result | None]]:
    """Closed loop: each client sends its next request as soon as the last one answered."""
    results: list[Result | None] = [None] * len(requests)
    ticket = Ticket(len(requests))
    t0 = time.perf_counter()
    deadline = t0 + duration

    def work() -> None:
        sender = Sender(port)
        try:
            while time.perf_counter() < deadline and (i := ticket.take()) is not None:
                started = time.perf_counter()
                error = sender.post(requests[i])
                results[i] = Result(started, started, started, time.perf_counter(), error)
        finally:
            sender.close()

    stuck = run_threads(work, concurrency, timeout=duration + 60.0)
    if stuck:
        print(f"warning: {stuck} client thread(s) still running after the phase", flush=True)
    return t0, results


# --- figures -------------------------------------------------------------------------------


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of an ascending sequence."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


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


def report_timeline(t0: float, results: Sequence[Result | None]) -> None:
    """Latency per second of the schedule: shows whether slow requests cluster in stalls."""
    by_second: dict[int, list[float]] = {}
    for r in results:
        if r is not None:
            by_second.setdefault(int(r.due - t0), []).append(r.finished - r.due)
    print("  second  sent   p50 ms   p99 ms   max ms")
    for second in sorted(by_second):
        ordered = sorted(by_second[second])
        p50, p99 = (percentile(ordered, p) * 1000 for p in (50, 99))
        print(f"  {second:6d} {len(ordered):5d} {p50:8.1f} {p99:8.1f} {ordered[-1] * 1000:8.1f}")


def machine() -> str:
    model = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    cpus = len(os.sched_getaffinity(0))
    return (
        f"machine: nproc {cpus}, CPU {model}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


# --- CPU accounting ------------------------------------------------------------------------

TICK_S = 1.0 / os.sysconf("SC_CLK_TCK")
PROC = Path("/proc")


@dataclass(frozen=True)
class Proc:
    name: str
    ppid: int
    ticks: int  # user + system, all threads


@dataclass(frozen=True)
class CpuSpent:
    """Core-seconds per group (server, postgres, redis, generator, other, irq, steal, idle) and the
    processes outside those groups that used most, by name."""

    groups: dict[str, float]
    others: list[tuple[str, float]]


@dataclass(frozen=True)
class CpuSample:
    busy: int  # machine-wide ticks, all cores, in processes (user + system)
    idle: int  # idle + iowait
    irq: int  # interrupts and softirqs (loopback TCP runs much of its work there)
    steal: int  # time the hypervisor gave this VM's CPUs to someone else
    procs: dict[int, Proc]


def _read_proc(stat: Path) -> Proc | None:
    try:
        text = stat.read_text()
    except OSError:  # the process exited meanwhile
        return None
    name = text[text.index("(") + 1 : text.rindex(")")]
    rest = text[text.rindex(")") + 2 :].split()
    return Proc(name, int(rest[1]), int(rest[11]) + int(rest[12]))


def cpu_sample() -> CpuSample:
    fields = [int(v) for v in (PROC / "stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, idle, iowait, irq, softirq, steal = fields
    procs = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit() and (proc := _read_proc(entry / "stat")) is not None:
            procs[int(entry.name)] = proc
    return CpuSample(user + nice + system, idle + iowait, irq + softirq, steal, procs)


def _owner(pid: int, procs: dict[int, Proc], roots: dict[int, str]) -> str:
    for _ in range(64):  # bounded walk up the parent chain
        if pid in roots:
            return roots[pid]
        proc = procs.get(pid)
        if proc is None or proc.ppid <= 1:
            return "other"
        pid = proc.ppid
    return "other"


def cpu_by_group(before: CpuSample, after: CpuSample, roots: dict[int, str]) -> CpuSpent:
    """CPU spent between two samples. "other" is the machine's process time not spent by
    the named groups: other processes, and ones that exited meanwhile."""
    groups: Counter[str] = Counter()
    others: Counter[str] = Counter()
    for pid, proc in after.procs.items():
        earlier = before.procs.get(pid)
        spent = max(0, proc.ticks - (earlier.ticks if earlier else 0))
        owner = _owner(pid, after.procs, roots)
        groups[owner] += spent
        if owner == "other":
            others[proc.name] += spent
    named = sum(v for k, v in groups.items() if k != "other")
    result = {k: v * TICK_S for k, v in groups.items() if k != "other"}
    result["other"] = max(0, after.busy - before.busy - named) * TICK_S
    result["idle"] = (after.idle - before.idle) * TICK_S
    result["irq"] = (after.irq - before.irq) * TICK_S
    result["steal"] = (after.steal - before.steal) * TICK_S
    top = [(name, ticks * TICK_S) for name, ticks in others.most_common(3) if ticks]
    return CpuSpent(result, top)


def _redis_pid(redis_url: str) -> int | None:
    port = f":{urlsplit(redis_url).port}"
    for entry in PROC.iterdir():
        try:
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if entry.name.isdigit() and port in cmdline and ("redis" in cmdline or "valkey" in cmdline):
            return int(entry.name)
    return None


def _postmaster_pid() -> int | None:
    pidfile = DATA / "bench-postgres" / "postmaster.pid"
    try:
        return int(pidfile.read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return None


def process_roots(server_pid: int, redis_url: str) -> dict[int, str]:
    """Which process tree is which: the server, the embedded services, this generator."""
    roots = {os.getpid(): "generator", server_pid: "server"}
    for pid, name in ((_postmaster_pid(), "postgres"), (_redis_pid(redis_url), "redis")):
        if pid is not None:
            roots[pid] = name
    return roots


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
    share = groups.get("other", 0.0) / max(sum(groups.values()), 1e-9)
    if share > NOISE_SHARE:
        print(f"  warning: other processes took {share:.0%} of the machine: not a quiet run")


# --- verification --------------------------------------------------------------------------


def _stored_deliveries(conn: psycopg.Connection[Any]) -> Counter[str]:
    rows = conn.execute("SELECT delivery_id, count(*) FROM webhook_deliveries GROUP BY 1")
    return Counter({str(d): int(n) for d, n in rows.fetchall()})


def _count(conn: psycopg.Connection[Any], query: str) -> int:
    row = conn.execute(query).fetchone()
    return int(row[0]) if row else -1


@dataclass(frozen=True)
class Stored:
    """What the database and Redis hold after the run."""

    deliveries: Counter[str]  # delivery id -> rows
    outcomes: Counter[str]  # outcome -> deliveries
    tasks: int
    unenqueued: int
    jobs: dict[str, int]  # queue -> jobs


def read_stored(services: Services) -> Stored:
    with psycopg.connect(services.urls.owner, autocommit=True) as conn:
        deliveries = _stored_deliveries(conn)
        rows = conn.execute("SELECT outcome, count(*) FROM webhook_deliveries GROUP BY 1")
        outcomes = Counter({str(o): int(n) for o, n in rows.fetchall()})
        tasks = _count(conn, "SELECT count(*) FROM tasks")
        unenqueued = _count(conn, "SELECT count(*) FROM tasks WHERE enqueued_at IS NULL")
    with Redis.from_url(services.redis_url) as redis:
        jobs = {name: int(Queue(name, connection=redis).count) for name in QUEUE_NAMES}
    return Stored(deliveries, outcomes, tasks, unenqueued, jobs)


def verify(stored: Stored, sent: Sequence[Prepared], errors: int) -> list[Check]:
    ids = {p.delivery_id for p in sent}
    labeled = sum(p.kind == LABELED for p in sent)
    missing = len(ids - stored.deliveries.keys())
    unexpected = len(stored.deliveries.keys() - ids)
    twice = sum(1 for n in stored.deliveries.values() if n != 1)
    outcomes = ", ".join(f"{k} {v}" for k, v in stored.outcomes.most_common())
    per_queue = ", ".join(f"{k} {v}" for k, v in stored.jobs.items())
    jobs = sum(stored.jobs.values())
    return [
        Check(
            "every delivery recorded exactly once",
            missing == unexpected == twice == 0 and len(ids) == len(sent),
            f"{len(sent)} sent, {len(stored.deliveries)} stored ({outcomes}), "
            f"{missing} missing, {unexpected} unexpected, {twice} more than once",
        ),
        Check(
            "tasks = labeled issues sent",
            stored.tasks == labeled,
            f"{stored.tasks} tasks, {labeled} labeled issues "
            f"({stored.unenqueued} tasks not marked enqueued)",
        ),
        Check("RQ jobs = tasks", jobs == stored.tasks, f"{jobs} jobs ({per_queue})"),
        Check("no request errors", errors == 0, f"{errors} errors"),
    ]


# --- main ----------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m bench.webhooks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--rate", type=float, default=200.0, help="phase A requests/s")
    parser.add_argument("--duration", type=float, default=20.0, help="phase A seconds")
    parser.add_argument(
        "--warmup", type=float, default=2.0, help="seconds at --rate before phase A (0: none)"
    )
    parser.add_argument(
        "--saturation-duration", type=float, default=10.0, help="phase B seconds (0 skips it)"
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
    a = parser.parse_args(argv)
    if a.rate <= 0 or a.duration <= 0 or min(a.saturation_duration, a.warmup) < 0:
        parser.error("--rate and --duration must be positive, the other durations >= 0")
    if min(a.concurrency, a.workers, a.threads, a.senders, a.saturation_max) < 1:
        parser.error("counts must be at least 1")
    return Options(
        a.rate,
        a.duration,
        a.warmup,
        a.saturation_duration,
        a.concurrency,
        a.workers,
        a.threads,
        a.senders,
        a.saturation_max,
        a.seed,
        a.timeline,
    )


def _mix_line(requests: Sequence[Prepared]) -> str:
    counts = Counter(p.kind for p in requests)
    return ", ".join(f"{kind} {counts[kind]}" for kind, *_ in MIX)


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


def run_phases(
    opts: Options, server: Server, roots: dict[int, str], batches: Batches
) -> list[Result | None]:
    """Warm-up, phase A and phase B; returns every result, in the order of `everything`."""
    warm = warm_up(opts, server, batches.warmup)
    (t0, fixed), spent = measure(
        roots, lambda: fixed_rate(server.port, batches.fixed, opts.rate, opts.senders)
    )
    title = f"phase A: open loop at {opts.rate:.0f} req/s for {opts.duration:.0f} s"
    report_phase(f"{title} ({opts.senders} senders)", t0, fixed)
    report_lag(fixed)
    if opts.timeline:
        report_timeline(t0, fixed)
    report_cpu(spent, sum(r is not None for r in fixed))
    if not batches.saturation:
        return warm + fixed
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
    return warm + fixed + sat


def build_batches(opts: Options, secret: str) -> Batches:
    mix = PayloadMix(secret.encode(), opts.seed)
    return Batches(
        warmup=mix.build(round(opts.rate * opts.warmup)),
        fixed=mix.build(round(opts.rate * opts.duration)),
        saturation=mix.build(opts.saturation_max if opts.saturation_duration > 0 else 0),
    )


def run(opts: Options) -> int:
    _ensure_fixtures()
    secret = secrets.token_hex(32)
    batches = build_batches(opts, secret)
    print(machine())
    print(
        f"server: gunicorn gthread, {opts.workers} workers x {opts.threads} threads; "
        "the load generator, PostgreSQL and Redis run on the same machine"
    )
    print(f"mix: {_mix_line(batches.everything)} (pre-built and signed)", flush=True)
    with provided_services() as services, running_server(opts, services, secret) as server:
        roots = process_roots(server.pid, services.redis_url)
        results = run_phases(opts, server, roots, batches)
        sent, errors = _attempted(batches.everything[: len(results)], results)
        checks = verify(read_stored(services), sent, errors)
    print()
    for check in checks:
        print(f"{'PASS' if check.ok else 'FAIL'} {check.name}: {check.detail}")
    return 0 if all(c.ok for c in checks) else 1


def main(argv: Sequence[str] | None = None) -> int:
    return run(parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
