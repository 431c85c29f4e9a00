"""The dashboard's task list (`GET /api/tasks`) at 10,000 tasks in one tenant: the real gunicorn
serving the app, one signed-in browser, a first page and a deep page (by cursor), against two
baselines measured in the same run — `GET /healthz` (what HTTP, gunicorn and Flask cost),
`GET /api/me` (that plus the signed-in viewer: session, reach) and the read model's own query
(`db.reads.task_list.list_tasks` in the tenant's scope, from this process: what PostgreSQL
costs). The ratios say what the API adds.

    .venv/bin/python -m bench.task_list_api [--tasks 10000] [--requests 300] [--deep 9000]

It provides PostgreSQL and Redis (bench/services.py: the embedded ones unless DATABASE_URL, a
superuser URL, and REDIS_URL are set), drops and re-creates the `morningai_bench_tasks`
database, FLUSHES the Redis database, starts the GitHub simulator in this process (sign-in and
the viewer's reach: alice with write access to the five repositories), inserts the tasks in
the tenant's scope (one pipelined executemany: COPY is refused under row-level security),
signs in and measures each request `--requests` times, one at a time, after a warm-up. The
viewer's reach is cached for 60 s, so a run longer than that includes GitHub calls, as in
production. No secret is printed.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
from psycopg.types.json import Jsonb

from bench.load import HOST
from bench.machine import load_average, machine, percentile
from bench.services import provided_services
from bench.sse_latency import USER, running_server, sign_in
from db import repositories, tenants
from db.pool import Database
from db.reads.task_list import Cursor, TaskFilter, list_tasks
from db.repositories import RepoRef
from db.tenancy import tenant_transaction, unscoped_transaction
from simulator import GitHubSimulator

BENCH_DB = "morningai_bench_tasks"
OWNER = "acme"
REPOS = ("widgets", "gadgets", "gizmos", "doohickeys", "sprockets")
KINDS = (("code", 0.6), ("revise", 0.1), ("faq_pr", 0.15), ("ask", 0.1), ("faq_history", 0.05))
FINISHED = (("succeeded", 0.7), ("failed", 0.2), ("cancelled", 0.1))
PAGE = 50


def seed(sim: GitHubSimulator, db: Database, count: int, seed_: int) -> int:
    installation = sim.add_installation(OWNER)
    for name in REPOS:
        sim.create_repo(OWNER, name, installation_id=installation)
        sim.set_permission(OWNER, name, USER, "write")
    sim.approve_as(USER)
    with unscoped_transaction(db) as conn:
        tenant_id = tenants.upsert_installation(
            conn,
            installation_id=installation,
            account_login=OWNER,
            account_id=None,
            account_type="Organization",
            status="active",
        )
    rng = random.Random(seed_)
    now = datetime.now(UTC)
    with tenant_transaction(db, tenant_id) as scope:
        repo_ids = [
            repositories.upsert(scope, RepoRef(700 + i, f"{OWNER}/{name}"))
            for i, name in enumerate(REPOS)
        ]
        rows = [_row(rng, now, tenant_id, repo_ids, n) for n in range(count)]
        with scope.conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO tasks (tenant_id, repository_id, kind, status, subject, trace_id,"
                " attempts, model, prompt_tokens, completion_tokens, cost_usd, created_at,"
                " started_at, finished_at)"
                " VALUES (%s, %s, %s, %s, %s, %s, 1, 'gpt-4.1-mini', %s, %s, %s, %s, %s, %s)",
                rows,
            )
    return tenant_id


def _row(
    rng: random.Random, now: datetime, tenant_id: int, repo_ids: list[int], n: int
) -> tuple[object, ...]:
    """One finished task, created over the last 90 days, each on its own issue."""
    index = rng.randrange(len(REPOS))
    created = now - timedelta(seconds=rng.uniform(60, 90 * 86400))
    kind = rng.choices([k for k, _ in KINDS], [w for _, w in KINDS])[0]
    status = rng.choices([s for s, _ in FINISHED], [w for _, w in FINISHED])[0]
    subject = {
        "repository": f"{OWNER}/{REPOS[index]}",
        "number": n + 1,
        "requested_by": rng.choice(("alice", "bob", "carol")),
        "trigger": "label:morningai",
    }
    prompt, completion = rng.randrange(500, 40_000), rng.randrange(100, 8_000)
    started = created + timedelta(seconds=rng.uniform(0.5, 5))
    return (
        tenant_id,
        repo_ids[index],
        kind,
        status,
        Jsonb(subject),
        uuid.UUID(int=rng.getrandbits(128)).hex,
        prompt,
        completion,
        Decimal(prompt * 4 + completion * 16) / Decimal(10_000_000),
        created,
        started,
        started + timedelta(seconds=rng.uniform(5, 600)),
    )


def timed(call: Callable[[], object], count: int) -> list[float]:
    for _ in range(min(20, count)):  # warm-up: pools, caches, the planner
        call()
    spent = []
    for _ in range(count):
        start = time.perf_counter()
        call()
        spent.append(time.perf_counter() - start)
    return sorted(spent)


def fetch(browser: httpx.Client, path: str, expected: int = 200) -> Callable[[], object]:
    def call() -> object:
        answer = browser.get(path)
        if answer.status_code != expected:
            raise RuntimeError(f"GET {path}: HTTP {answer.status_code}")
        return answer.content

    return call


def query(db: Database, tenant_id: int, after: Cursor | None) -> Callable[[], object]:
    reached = tuple(f"{OWNER}/{name}" for name in REPOS)

    def call() -> object:
        with tenant_transaction(db, tenant_id) as scope:
            return list_tasks(scope, TaskFilter(repositories=reached), limit=PAGE, after=after)

    return call


def deep_cursor(browser: httpx.Client, depth: int) -> tuple[str, int]:
    """Walk the API's pages to about `depth` tasks in; the cursor there and pages walked."""
    cursor, pages = "", 0
    while pages * PAGE < depth:
        body = json.loads(browser.get(f"/api/tasks?limit={PAGE}&cursor={cursor}").content)
        if body.get("next_cursor") is None:
            break
        cursor, pages = body["next_cursor"], pages + 1
    return cursor, pages


def line(name: str, spent: Sequence[float], base: Sequence[float] | None = None) -> str:
    p50, p99 = (percentile(spent, p) * 1000 for p in (50, 99))
    text = f"  {name:<46} p50 {p50:7.2f}  p99 {p99:7.2f}  max {spent[-1] * 1000:7.2f} ms"
    if base:
        b50, b99 = (percentile(base, p) * 1000 for p in (50, 99))
        text += f"   x{p50 / b50:5.1f} / x{p99 / b99:5.1f}"
    return text


def run(count: int, requests: int, depth: int) -> int:
    print(machine())
    print(f"load average at start: {load_average()}")
    with (
        tempfile.TemporaryDirectory(prefix="morningai-bench-sim-") as sim_dir,
        GitHubSimulator(Path(sim_dir)) as sim,
        provided_services(BENCH_DB, redis_dir="bench-tasks-redis") as services,
    ):
        db = Database(services.urls.app, max_size=2).open(wait=True)
        started = time.perf_counter()
        tenant_id = seed(sim, db, count, 1)
        print(f"{count:,} tasks inserted in {time.perf_counter() - started:.1f} s", flush=True)
        with running_server(services, sim, log_name="bench-tasks-gunicorn.log") as port:
            browser = sign_in(f"http://{HOST}:{port}")
            first = browser.get(f"/api/tasks?limit={PAGE}")
            if first.status_code != 200 or len(first.json()["tasks"]) != PAGE:
                print(f"GET /api/tasks answered {first.status_code}: is web/tasks_api.py there?")
                return 1
            print(f"first page: {len(first.content):,} bytes of JSON", flush=True)
            cursor, pages = deep_cursor(browser, depth)
            deep_at = Cursor.parse(cursor)
            print(f"deep page: after {pages * PAGE:,} tasks ({pages} pages walked)", flush=True)
            health = timed(fetch(browser, "/healthz"), requests)
            me = timed(fetch(browser, "/api/me"), requests)
            sql_first = timed(query(db, tenant_id, None), requests)
            sql_deep = timed(query(db, tenant_id, deep_at), requests)
            api_first = timed(fetch(browser, f"/api/tasks?limit={PAGE}"), requests)
            api_deep = timed(fetch(browser, f"/api/tasks?limit={PAGE}&cursor={cursor}"), requests)
            browser.close()
        db.close()
    print(f"\n{requests} requests each, one at a time, page of {PAGE}; ratios against the line")
    print("named in brackets (p50 / p99)")
    print(line("GET /healthz (HTTP + Flask baseline)", health))
    print(line("GET /api/me (the signed-in viewer, no task)", me))
    print(line("list_tasks SQL, first page (query baseline)", sql_first))
    print(line(f"list_tasks SQL, after {pages * PAGE:,} tasks", sql_deep))
    print(line("GET /api/tasks, first page [SQL first]", api_first, sql_first))
    print(line(f"GET /api/tasks, after {pages * PAGE:,} [SQL deep]", api_deep, sql_deep))
    print(line("GET /api/tasks, first page [healthz]", api_first, health))
    print(line("GET /api/tasks, first page [/api/me]", api_first, me))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.task_list_api",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=300, help="timed requests per line")
    parser.add_argument("--deep", type=int, default=9_000, help="tasks before the deep page")
    a = parser.parse_args(argv)
    if not 1 <= a.tasks <= 200_000 or a.requests < 1 or a.deep < 0:
        parser.error("--tasks 1 to 200,000, --requests at least 1, --deep at least 0")
    return run(a.tasks, a.requests, a.deep)


if __name__ == "__main__":
    sys.exit(main())
