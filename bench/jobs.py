"""Job benchmarks: how fast RQ moves trivial tasks, and how many code tasks fit in memory.

    .venv/bin/python -m bench.jobs throughput [--tasks 300] [--workers 1,2]
        [--classes fork,preload,simple] [--kinds noop,lifecycle,unreported]
    .venv/bin/python -m bench.jobs memory [--concurrency 1,2,4,8] [--repo DIR]
        [--model-delay 2] [--preload [import|freeze]] [--test-command CMD]

Both provide PostgreSQL and Redis (bench/services.py: the embedded ones unless DATABASE_URL, a
superuser URL, and REDIS_URL are set), drop and re-create the `morningai_bench_jobs` database
and FLUSH the Redis database.

`throughput` creates tasks the way the webhook receiver does (the task row in a tenant
transaction, `jobs.runtime.queues.enqueue_task`, then marking it enqueued), all before any worker
starts, then starts real RQ workers in burst mode and reports jobs per second and the time
per job from RQ's own timestamps (first job started to last job ended), with CPU per job from
each worker's resource usage (work-horses included). Trivial kinds: `noop` (a job that
does nothing: RQ's own cost), `lifecycle` (`jobs.runtime.runner.run_task` around nothing: the
job context, claim, events, finish and the sinks every task pays) and `unreported` (the same
with no sink registered: what the sinks add). Worker classes: `fork` is the app's
`morningai worker --burst` (a work-horse forked per job), `preload` the same with
`jobs.runtime.runner` imported in the worker before it forks, `simple` is RQ's SimpleWorker.
The code-task memory benchmark is bench/jobs_memory.py.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import psycopg
from redis import Redis
from rq.job import Job, JobStatus

from bench.machine import (
    CpuSpent,
    cpu_by_group,
    cpu_sample,
    load_average,
    machine,
    other_share,
    percentile,
)
from bench.services import Services, provided_services, service_roots
from bench.workers import Finished, start, wait_all
from core.task_kinds import KINDS, TaskKind
from db import repositories, tasks, tenants
from db.pool import Database
from db.repositories import RepoRef
from db.tenancy import tenant_transaction, unscoped_transaction
from jobs.runtime.queues import enqueue_task, job_id

BENCH_DB = "morningai_bench_jobs"
INSTALLATION = 940_001
NOISE_SHARE = 0.05
# The trivial kinds exist only in this process's registry: enqueue_task looks the function up
# here, and a worker imports it from the job's dotted path.
TRIVIAL = {
    "noop": TaskKind("bench_noop", "bench.trivial_jobs.noop", "default", 60),
    "lifecycle": TaskKind("bench_lifecycle", "bench.trivial_jobs.lifecycle", "default", 60),
    "unreported": TaskKind("bench_unreported", "bench.trivial_jobs.unreported", "default", 60),
}
# worker class -> (bench.workers class, module the worker imports before forking)
CLASSES = {
    "fork": ("fork", None),  # `morningai worker --burst` as it is
    "preload": (
        "fork",
        "jobs.runtime.runner",
    ),  # the same, with the task lifecycle imported up front
    "simple": ("simple", None),
}


@dataclass(frozen=True)
class Options:
    tasks: int
    workers: tuple[int, ...]
    classes: tuple[str, ...]
    kinds: tuple[str, ...]
    timeout: float


@dataclass(frozen=True)
class Tenant:
    tenant_id: int
    repository_id: int


@dataclass(frozen=True)
class Round:
    """One kind through one worker class and count: what RQ and the workers reported."""

    kind: str
    worker_class: str
    workers: int
    enqueue_s: float
    times: JobTimes
    finished: list[Finished]
    spent: CpuSpent
    startup_s: float  # workers started .. first job started
    tasks_succeeded: int


def seed_tenant(db: Database) -> Tenant:
    with unscoped_transaction(db) as conn:
        tenant_id = tenants.upsert_installation(
            conn,
            installation_id=INSTALLATION,
            account_login="bench-org",
            account_id=None,
            account_type="Organization",
            status="active",
        )
    with tenant_transaction(db, tenant_id) as scope:
        repo = repositories.upsert(scope, RepoRef(940_101, "bench-org/jobs", False))
    return Tenant(tenant_id, repo)


class Producer:
    """Creates tasks as the webhook receiver does; numbers never repeat (one live task per
    issue and kind)."""

    def __init__(self, db: Database, redis: Redis, tenant: Tenant) -> None:
        self.db, self.redis, self.tenant = db, redis, tenant
        self.number = 0

    def create(self, kind: str, count: int) -> tuple[list[int], float]:
        started = time.perf_counter()
        ids = [self._one(f"bench_{kind}") for _ in range(count)]
        return ids, time.perf_counter() - started

    def _one(self, kind: str) -> int:
        self.number += 1
        new = tasks.NewTask(
            kind=kind,
            queue="default",
            trace_id=uuid.uuid4().hex,
            subject={"repository": "bench-org/jobs", "number": self.number},
            repository_id=self.tenant.repository_id,
        )
        with tenant_transaction(self.db, self.tenant.tenant_id) as scope:
            task = tasks.create(scope, new)
        enqueue_task(self.redis, task.id, 0, kind, "default")
        with tenant_transaction(self.db, self.tenant.tenant_id) as scope:
            tasks.mark_enqueued(scope, task.id)
        return task.id


def _succeeded(owner_url: str, ids: Sequence[int]) -> int:
    with psycopg.connect(owner_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM tasks WHERE id = ANY(%s) AND status = 'succeeded'", (list(ids),)
        ).fetchone()
    return int(row[0]) if row else 0


def _status(job: Job) -> str:
    status = job.get_status(refresh=False)
    return str(getattr(status, "value", status))


def close_rows(owner_url: str, ids: Sequence[int]) -> None:
    """`noop` never claims its row: close the rows before any worker starts, or the worker's
    reconciler would find queued tasks whose jobs ended and enqueue them again."""
    with psycopg.connect(owner_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE tasks SET status = 'succeeded', finished_at = now() WHERE id = ANY(%s)",
            (list(ids),),
        )


@dataclass(frozen=True)
class JobTimes:
    statuses: Counter[str]
    first: float  # epoch seconds the first job started
    span_s: float  # first job started .. last job ended
    in_job_s: list[float]  # ended - started per job, ascending


def job_times(redis: Redis, ids: Sequence[int]) -> JobTimes:
    """RQ's own record of the tasks' first jobs."""
    jobs = Job.fetch_many([job_id(i, 0) for i in ids], connection=redis)
    present = [j for j in jobs if j is not None]
    statuses = Counter(_status(j) for j in present)
    statuses["missing"] += len(jobs) - len(present)
    spans = [(j.started_at, j.ended_at) for j in present if j.started_at and j.ended_at]
    if not spans:
        return JobTimes(statuses, math.nan, math.nan, [])
    first = min(a for a, _ in spans)
    last = max(b for _, b in spans)
    in_job = sorted((b - a).total_seconds() for a, b in spans)
    return JobTimes(statuses, first.timestamp(), (last - first).total_seconds(), in_job)


def idle_worker_cpu(services: Services, worker_class: str) -> float:
    """CPU seconds a worker of the class spends starting and finding the queues empty: taken
    off the rounds' CPU, which is per job in steady state."""
    base, preload = CLASSES[worker_class]
    env = {"DATABASE_URL": services.urls.app, "REDIS_URL": services.redis_url}
    procs, _ = start(1, base, [env], preload=preload, label="bench-jobs-idle")
    return wait_all(procs, 120.0)[0].cpu_s


def run_round(
    services: Services,
    producer: Producer,
    opts: Options,
    *,
    kind: str,
    worker_class: str,
    workers: int,
) -> Round:
    ids, enqueue_s = producer.create(kind, opts.tasks)
    if kind == "noop":
        close_rows(services.urls.owner, ids)
    env = {"DATABASE_URL": services.urls.app, "REDIS_URL": services.redis_url}
    # this process reaps the workers, so their CPU (horses included) lands in "bench"
    roots = {os.getpid(): "bench", **service_roots(services)}
    before = cpu_sample()
    base, preload = CLASSES[worker_class]
    procs, began = start(workers, base, [env] * workers, preload=preload, label="bench-jobs-worker")
    finished = wait_all(procs, opts.timeout)
    spent = cpu_by_group(before, cpu_sample(), roots)
    times = job_times(producer.redis, ids)
    succeeded = _succeeded(services.urls.owner, ids) if kind == "lifecycle" else 0
    return Round(
        kind,
        worker_class,
        workers,
        enqueue_s,
        times,
        finished,
        spent,
        times.first - began,
        succeeded,
    )


def report(r: Round, n: int, idle_cpu_s: float) -> None:
    t = r.times
    cpu_workers = sum(f.cpu_s for f in r.finished) - r.workers * idle_cpu_s
    groups = r.spent.groups
    print(f"\n{r.kind} jobs, {r.workers} x {r.worker_class} worker(s), {n} jobs")
    print(
        f"  enqueue (task row + enqueue_task + mark enqueued, one client): "
        f"{n / r.enqueue_s:,.0f} tasks/s, {r.enqueue_s * 1000 / n:.2f} ms each"
    )
    print(
        f"  throughput        {n / t.span_s:,.1f} jobs/s over {t.span_s:.2f} s "
        f"(first job started .. last ended); {t.span_s * r.workers * 1000 / n:.2f} ms "
        "per job per worker"
    )
    print(
        f"  in the job        p50 {percentile(t.in_job_s, 50) * 1000:.2f}  "
        f"p99 {percentile(t.in_job_s, 99) * 1000:.2f} ms (RQ's started_at .. ended_at)"
    )
    print(
        f"  CPU per job       workers {cpu_workers * 1000 / n:.2f} ms (work-horses included; "
        f"a start-up of {idle_cpu_s:.2f} s per worker taken off), "
        f"postgres {groups.get('postgres', 0.0) * 1000 / n:.2f} ms, "
        f"redis {groups.get('redis', 0.0) * 1000 / n:.2f} ms"
    )
    print(
        f"  workers           start-up to first job {r.startup_s:.2f} s; exit codes "
        f"{sorted({f.exit_code for f in r.finished})}; max RSS "
        f"{max(f.max_rss for f in r.finished) / 2**20:.0f} MiB"
    )
    statuses = ", ".join(f"{k} {v}" for k, v in t.statuses.most_common())
    succeeded = f"; tasks succeeded {r.tasks_succeeded}" if r.kind == "lifecycle" else ""
    print(f"  jobs              {statuses}{succeeded}")
    share = other_share(r.spent)
    print(
        f"  machine           idle {groups.get('idle', 0.0):.1f} core-s, other processes "
        f"{share:.0%} of the CPU" + ("  (warning: not a quiet run)" if share > NOISE_SHARE else "")
    )


def complete(r: Round, n: int) -> bool:
    """Every job finished, and every lifecycle task ended `succeeded`."""
    finished = r.times.statuses.get(JobStatus.FINISHED.value, 0) == n
    return finished and (r.kind != "lifecycle" or r.tasks_succeeded == n)


def run_rounds(services: Services, producer: Producer, opts: Options) -> bool:
    idle = {c: idle_worker_cpu(services, c) for c in opts.classes}
    print(
        "idle burst worker start-up CPU: " + ", ".join(f"{c} {v:.2f} s" for c, v in idle.items()),
        flush=True,
    )
    ok = True
    for workers in opts.workers:
        for worker_class in opts.classes:
            for kind in opts.kinds:
                r = run_round(
                    services, producer, opts, kind=kind, worker_class=worker_class, workers=workers
                )
                report(r, opts.tasks, idle[worker_class])
                ok &= complete(r, opts.tasks)
    return ok


def run(opts: Options) -> int:
    KINDS.update({spec.name: spec for spec in TRIVIAL.values()})
    print(machine())
    print(f"load average at start: {load_average()}", flush=True)
    with provided_services(BENCH_DB, redis_dir="bench-jobs-redis") as services:
        db = Database(services.urls.app, max_size=2).open(wait=True)
        redis = Redis.from_url(services.redis_url)
        try:
            ok = run_rounds(services, Producer(db, redis, seed_tenant(db)), opts)
        finally:
            redis.close()
            db.close()
    print(f"\nload average at end: {load_average()}")
    print("PASS every job finished" if ok else "FAIL some jobs did not finish")
    return 0 if ok else 1


def _csv(text: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in text.split(",") if v.strip())


def parse_args(argv: Sequence[str]) -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench.jobs throughput")
    parser.add_argument("--tasks", type=int, default=300, help="jobs per round")
    parser.add_argument("--workers", default="1,2", help="worker processes per round")
    parser.add_argument(
        "--classes", default="fork,preload,simple", help="fork, preload and/or simple"
    )
    parser.add_argument(
        "--kinds", default="noop,lifecycle", help="noop, lifecycle and/or unreported"
    )
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per round")
    a = parser.parse_args(argv)
    workers = tuple(int(w) for w in _csv(a.workers))
    classes, kinds = _csv(a.classes), _csv(a.kinds)
    if a.tasks < 1 or not workers or min(workers) < 1 or max(workers) > 2 * (os.cpu_count() or 1):
        parser.error("--tasks and --workers must be at least 1 (workers at most 2 per core)")
    if not set(classes) <= set(CLASSES) or not set(kinds) <= set(TRIVIAL):
        parser.error("--classes: fork, preload, simple; --kinds: noop, lifecycle, unreported")
    return Options(a.tasks, workers, classes, kinds, a.timeout)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    which = args.pop(0) if args and not args[0].startswith("-") else "both"
    if which not in ("throughput", "memory", "both"):
        sys.exit(f"usage: python -m bench.jobs [throughput|memory] [options]; not {which!r}")
    status = 0
    if which in ("throughput", "both"):
        status |= run(parse_args(args if which == "throughput" else []))
    if which in ("memory", "both"):
        from bench import jobs_memory

        status |= jobs_memory.main(args if which == "memory" else [])
    return status


if __name__ == "__main__":
    sys.exit(main())
