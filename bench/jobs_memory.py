"""How many code tasks one worker host runs at once within its memory (`bench.jobs memory`).

    .venv/bin/python -m bench.jobs memory [--concurrency 1,2,4,8] [--repo DIR]
        [--model-delay 2] [--preload [import|freeze]] [--test-command CMD] [--interval 0.05]

For each K it runs K code tasks at once, each in its own worker process (the app's
`morningai worker --burst`, a forking RQ worker: the task runs in a forked work-horse), against
the GitHub simulator (one installation, one repository holding `--repo`'s files, by default
this project's tree at HEAD, plus a small `greeting.py` the change is about) and one scripted
OpenAI-compatible model server per worker answering the plan and the edit, each after
`--model-delay` seconds (a model's latency; it also keeps the K tasks resident together). The
tasks come from signed `issues.labeled` webhooks through the app's real receiver (in process),
so they are ordinary task rows and RQ jobs; every task must end `succeeded` with its pull
request. Every `--interval` seconds it reads /proc for each worker and everything below it
(work-horse, and whatever the horse runs, e.g. the test command): resident (RSS), proportional
(PSS: shared pages split among the processes sharing them) and private (USS) memory, and each
horse's own high-water mark (VmHWM). The figure to plan with is the peak of the summed PSS of
all K worker trees, divided by K; RSS sums overcount the pages forked processes share.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import secrets
import subprocess
import tarfile
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from flask.testing import FlaskClient
from pydantic import SecretStr

from bench.machine import (
    MIB,
    NO_MEMORY,
    CpuSpent,
    Memory,
    available_memory,
    children,
    cpu_by_group,
    cpu_sample,
    descendants,
    forked_not_exec,
    load_average,
    machine,
    memory_of,
    other_share,
    percentile,
)
from bench.services import ROOT, Services, ensure_fixtures, provided_services, service_roots
from bench.workers import Finished, start, wait_all
from core.settings import Settings
from github_app.signature import sign
from simulator import GitHubSimulator
from simulator.openai_server import ScriptedModelServer
from web import create_app

BENCH_DB = "morningai_bench_jobs"
OWNER, REPO, REQUESTER = "bench-org", "service", "alice"
MODEL = "gpt-4.1-mini"
GREETING = "greeting.py"
APP = "def greet(name):\n    return 'hey ' + name\n"
TITLE = "Greeting is rude"
BODY = f"`greet()` in {GREETING} says 'hey'. It should say Hello."
PLAN = f"- In `{GREETING}`, make `greet` say Hello.\nTitle: Greet people politely"
EDIT = f"""{GREETING}
<<<<<<< SEARCH
    return 'hey ' + name
=======
    return 'Hello, ' + name + '!'
>>>>>>> REPLACE
"""
BUDGETS_GIB = (2, 24)
SKIPPED_DIRS = frozenset({".git", ".venv", ".morningai", "__pycache__", ".mypy_cache"})


@dataclass(frozen=True)
class Options:
    concurrency: tuple[int, ...]
    repo: Path | None
    model_delay: float
    preload: str | None  # None, import (jobs.code.code_task in the worker), freeze (and gc.freeze)
    test_command: str | None
    interval: float
    timeout: float


# --- the repository -------------------------------------------------------------------------


def _head_files() -> dict[str, bytes]:
    """This project's committed tree at HEAD."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", "HEAD"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    files = {}
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        for member in tar.getmembers():
            handle = tar.extractfile(member) if member.isfile() else None
            if handle is not None:
                files[member.name] = handle.read()
    return files


def _tree_files(root: Path) -> dict[str, bytes]:
    files = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.is_file() and not path.is_symlink() and not SKIPPED_DIRS & set(rel.parts):
            files[rel.as_posix()] = path.read_bytes()
    return files


def repository_files(opts: Options) -> dict[str, bytes]:
    if opts.repo is not None:
        files = _tree_files(opts.repo)
    elif (ROOT / ".git").exists():
        files = _head_files()
    else:
        files = _tree_files(ROOT)
    if GREETING in files:
        raise SystemExit(f"the repository already has {GREETING}; pick another --repo")
    files[GREETING] = APP.encode()
    if opts.test_command:
        files[".github/morningai.yml"] = f"test_command: {json.dumps(opts.test_command)}\n".encode()
    return files


# --- memory sampling -----------------------------------------------------------------------


@dataclass
class Peak:
    """The largest figures one process tree reached (bytes), each at its own sample."""

    rss: int = 0
    pss: int = 0
    uss: int = 0
    hwm: int = 0  # the root process's own VmHWM: its exact peak RSS
    processes: int = 0  # the most processes in the tree at one sample
    seen: list[float] = field(default_factory=list)  # first and last sample times

    def update(self, tree: Memory, own_hwm: int, processes: int, now: float) -> None:
        self.rss = max(self.rss, tree.rss)
        self.pss = max(self.pss, tree.pss)
        self.uss = max(self.uss, tree.uss)
        self.hwm = max(self.hwm, own_hwm)
        self.processes = max(self.processes, processes)
        self.seen = [self.seen[0] if self.seen else now, now]


class Sampler(threading.Thread):
    """Reads the memory of every worker tree every `interval` seconds until stopped."""

    def __init__(self, workers: Sequence[int], interval: float) -> None:
        super().__init__(name="memory-sampler", daemon=True)
        self.workers = list(workers)
        self.interval = interval
        self.stop = threading.Event()
        self.parents = {pid: Peak() for pid in self.workers}
        self.horses: dict[int, Peak] = {}
        self.horse_worker: dict[int, int] = {}
        self.total = Peak()  # all trees summed at one sample
        self.available_before = available_memory()
        self.available_min = self.available_before
        self.samples = 0

    def run(self) -> None:
        while not self.stop.is_set():
            self.sample()
            self.stop.wait(self.interval)

    def sample(self) -> None:
        now = time.monotonic()
        total, processes = NO_MEMORY, 0
        for worker in self.workers:
            own = memory_of(worker)
            if own is None:
                continue  # exited
            self.parents[worker].update(own, own.hwm, 1, now)
            total, processes = total + own, processes + 1
            for horse in children(worker):
                tree, count, hwm = self._tree(horse)
                self.horses.setdefault(horse, Peak()).update(tree, hwm, count, now)
                self.horse_worker[horse] = worker
                total, processes = total + tree, processes + count
        self.total.update(total, 0, processes, now)
        self.available_min = min(self.available_min, available_memory())
        self.samples += 1

    @staticmethod
    def _tree(pid: int) -> tuple[Memory, int, int]:
        own = memory_of(pid)
        tree, count = own or NO_MEMORY, 1 if own else 0
        for child in descendants(pid):
            if forked_not_exec(child):
                continue  # a subprocess between fork and exec: its parent's pages
            found = memory_of(child)
            if found is not None:
                tree, count = tree + found, count + 1
        return tree, count, own.hwm if own else 0


# --- one round: K tasks at once ------------------------------------------------------------


@dataclass(frozen=True)
class Environment:
    sim: GitHubSimulator
    installation: int
    repo_id: int
    services: Services
    client: FlaskClient
    secret: str


@dataclass(frozen=True)
class TaskRow:
    task_id: int
    status: str
    worker: str | None
    seconds: float
    started: float
    finished: float
    error: str | None
    pr_url: str | None


@dataclass(frozen=True)
class RoundResult:
    k: int
    tasks: list[TaskRow]
    finished: list[Finished]
    sampler: Sampler
    wall_s: float
    pulls_opened: int
    spent: CpuSpent


def _labeled(env: Environment, number: int) -> dict[str, Any]:
    """GitHub's example `issues.labeled`, pointed at the simulator's repository and issue."""
    from tests.fakes.npm_fixtures import webhook_example

    payload = webhook_example("issues", "labeled")
    payload["repository"].update(id=env.repo_id, name=REPO, full_name=f"{OWNER}/{REPO}")
    payload["issue"].update(number=number, state="open", locked=False)
    payload["label"]["name"] = "morningai"
    payload["sender"].update(login=REQUESTER, type="User")
    payload["installation"] = {"id": env.installation}
    return payload


def request_tasks(env: Environment, k: int) -> list[int]:
    """K new labeled issues, each delivered to the app's receiver; returns the task ids."""
    deliveries = []
    for _ in range(k):
        number = env.sim.add_issue(OWNER, REPO, TITLE, BODY, user=REQUESTER, labels=["morningai"])
        body = json.dumps(_labeled(env, number)).encode()
        delivery = str(uuid.uuid4())
        answer = env.client.post(
            "/api/github/webhooks",
            data=body,
            headers={
                "Content-Type": "application/json",
                "X-GitHub-Event": "issues",
                "X-GitHub-Delivery": delivery,
                "X-Hub-Signature-256": sign(env.secret.encode(), body),
            },
        )
        if answer.status_code != 202 or answer.get_json()["outcome"] != "accepted":
            raise RuntimeError(f"the receiver answered {answer.status_code}: {answer.text}")
        deliveries.append(delivery)
    with psycopg.connect(env.services.urls.owner, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT id FROM tasks WHERE delivery_id = ANY(%s) ORDER BY id", (deliveries,)
        ).fetchall()
    return [int(r[0]) for r in rows]


def worker_settings(env: Environment, model: ScriptedModelServer) -> dict[str, str]:
    return {
        "DATABASE_URL": env.services.urls.app,
        "REDIS_URL": env.services.redis_url,
        "GITHUB_APP_ID": str(env.sim.app_id),
        "GITHUB_PRIVATE_KEY": env.sim.private_key_pem,
        "GITHUB_API_URL": env.sim.url,
        "OPENAI_API_KEY": "sk-bench-not-a-real-key",
        "OPENAI_BASE_URL": model.base_url,
        "MORNINGAI_MODEL": MODEL,
    }


@contextmanager
def model_servers(k: int, delay: float) -> Iterator[list[ScriptedModelServer]]:
    """One scripted server per worker: a worker runs one task at a time, so its server sees
    plan, edit, plan, edit… in order, whichever task the worker took."""
    servers = [ScriptedModelServer().start() for _ in range(k)]
    try:
        for server in servers:
            for _ in range(k):  # enough for a worker that ends up taking several tasks
                server.expect_chat(PLAN, usage=(1200, 80), delay=delay)
                server.expect_chat(EDIT, usage=(1500, 60), delay=delay)
        yield servers
    finally:
        for server in servers:
            server.stop()


def read_tasks(owner_url: str, ids: Sequence[int]) -> list[TaskRow]:
    with psycopg.connect(owner_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT id, status, worker, extract(epoch FROM finished_at - started_at),"
            " extract(epoch FROM started_at), extract(epoch FROM finished_at), error, pr_url"
            " FROM tasks WHERE id = ANY(%s) ORDER BY id",
            (list(ids),),
        ).fetchall()
    return [
        TaskRow(int(i), str(s), w, float(d or math.nan), float(a or 0), float(b or 0), e, p)
        for i, s, w, d, a, b, e, p in rows
    ]


def run_round(env: Environment, k: int, opts: Options) -> RoundResult:
    pulls_before = len(env.sim.pulls(OWNER, REPO))
    ids = request_tasks(env, k)
    # this process runs the simulator and the model servers, and reaps the workers
    roots = {os.getpid(): "bench", **service_roots(env.services)}
    before = cpu_sample()
    with model_servers(k, opts.model_delay) as servers:
        settings = [worker_settings(env, server) for server in servers]
        began = time.monotonic()
        procs, _ = start(
            k,
            "fork",
            settings,
            preload="jobs.code.code_task" if opts.preload else None,
            freeze=opts.preload == "freeze",
            label="bench-jobs-code-worker",
        )
        sampler = Sampler([p.pid for p in procs], opts.interval)
        sampler.start()
        try:
            finished = wait_all(procs, opts.timeout)
        finally:
            sampler.stop.set()
            sampler.join()
        wall = time.monotonic() - began
    spent = cpu_by_group(before, cpu_sample(), roots)
    tasks = read_tasks(env.services.urls.owner, ids)
    pulls = len(env.sim.pulls(OWNER, REPO)) - pulls_before
    return RoundResult(k, tasks, finished, sampler, wall, pulls, spent)


# --- figures -------------------------------------------------------------------------------


def overlap(tasks: Sequence[TaskRow]) -> int:
    """The most tasks running at one moment, from their rows' start and finish times."""
    edges = sorted([(t.started, 1) for t in tasks] + [(t.finished, -1) for t in tasks])
    running = most = 0
    for _, step in edges:
        running += step
        most = max(most, running)
    return most


def _mib(values: Sequence[int]) -> str:
    ordered = sorted(v / MIB for v in values)
    if not ordered:
        return "-"
    return f"{ordered[0]:.0f} / {percentile(ordered, 50):.0f} / {ordered[-1]:.0f}"


def fit(gib: int, per_task_bytes: float) -> int:
    """How many tasks of this size fit in `gib` GiB."""
    return math.floor(gib * 1024 * MIB / per_task_bytes) if per_task_bytes > 0 else 0


def per_task(r: RoundResult) -> tuple[float, float]:
    """Peak summed PSS and RSS of all worker trees, per task (bytes)."""
    return r.sampler.total.pss / r.k, r.sampler.total.rss / r.k


def report_round(r: RoundResult) -> None:
    s = r.sampler
    horses = [h for h in s.horses.values() if h.rss > 0]  # 0: seen only after it exited
    parents = list(s.parents.values())
    statuses = sorted({t.status for t in r.tasks})
    seconds = sorted(t.seconds for t in r.tasks)
    cpu = sum(f.cpu_s for f in r.finished)
    pss, rss = per_task(r)
    print(f"\nK = {r.k}: {r.k} code tasks at once, {r.k} worker processes")
    print(
        f"  tasks             {len(r.tasks)} ({', '.join(statuses)}), {r.pulls_opened} pull "
        f"requests opened; most running at once {overlap(r.tasks)}; on "
        f"{len({t.worker for t in r.tasks})} work-horses"
    )
    print(
        f"  time              {r.wall_s:.1f} s from workers started to all exited; per task "
        f"{seconds[0]:.1f} .. {seconds[-1]:.1f} s (claim to finish); CPU "
        f"{cpu:.1f} s in all ({cpu / r.k:.1f} s per task, work-horses included)"
    )
    print(f"  work-horses       {len(horses)}, min / median / max MiB:")
    print(f"    peak RSS, horse and children summed      {_mib([h.rss for h in horses])}")
    print(f"    peak PSS, horse and children summed      {_mib([h.pss for h in horses])}")
    print(f"    peak USS (private), horse and children   {_mib([h.uss for h in horses])}")
    print(f"    the horse's own VmHWM (exact peak RSS)   {_mib([h.hwm for h in horses])}")
    print(f"    most processes in a horse's tree         {max(h.processes for h in horses)}")
    print(
        f"  worker parents    peak RSS {_mib([p.rss for p in parents])}, PSS "
        f"{_mib([p.pss for p in parents])}, USS {_mib([p.uss for p in parents])} MiB"
    )
    print(
        f"  all {r.k} trees      peak at one sample: PSS {s.total.pss / MIB:.0f} MiB, RSS "
        f"{s.total.rss / MIB:.0f} MiB, USS {s.total.uss / MIB:.0f} MiB "
        f"({s.total.processes} processes); MemAvailable fell by "
        f"{(s.available_before - s.available_min) / MIB:.0f} MiB ({s.samples} samples)"
    )
    fits = ", ".join(f"{gib} GiB: {fit(gib, pss)} (by RSS {fit(gib, rss)})" for gib in BUDGETS_GIB)
    print(f"  per task          {pss / MIB:.0f} MiB PSS ({rss / MIB:.0f} MiB RSS); fit in {fits}")
    print(
        f"  machine           other processes took {other_share(r.spent):.0%} of the CPU "
        f"(idle {r.spent.groups.get('idle', 0.0):.1f} core-s)"
    )
    bad = [t for t in r.tasks if t.status != "succeeded"]
    for t in bad[:3]:
        print(f"  task {t.task_id} {t.status}: {t.error}")


def report_summary(results: Sequence[RoundResult]) -> None:
    print(
        "\n   K   peak PSS all   per task PSS   per task RSS   horse USS max"
        "   fit 2 GiB   fit 24 GiB"
    )
    for r in results:
        pss, rss = per_task(r)
        uss = max((h.uss for h in r.sampler.horses.values()), default=0)
        print(
            f"  {r.k:2d} {r.sampler.total.pss / MIB:11.0f} MiB {pss / MIB:10.0f} MiB "
            f"{rss / MIB:10.0f} MiB {uss / MIB:11.0f} MiB {fit(2, pss):10d} {fit(24, pss):11d}"
        )


# --- main ----------------------------------------------------------------------------------


@contextmanager
def environment(files: dict[str, bytes]) -> Iterator[Environment]:
    with ExitStack() as stack:
        services = stack.enter_context(provided_services(BENCH_DB, redis_dir="bench-jobs-redis"))
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-jobs-")))
        sim = stack.enter_context(GitHubSimulator(tmp / "github"))
        installation = sim.add_installation(OWNER)
        started = time.perf_counter()
        repo = sim.create_repo(OWNER, REPO, installation_id=installation, files=files)
        print(f"simulator repository created in {time.perf_counter() - started:.1f} s", flush=True)
        sim.set_permission(OWNER, REPO, REQUESTER, "write")
        secret = secrets.token_hex(16)
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            database_url=services.urls.app,
            redis_url=services.redis_url,
            github_webhook_secret=SecretStr(secret),
            github_app_id=str(sim.app_id),
            github_private_key=SecretStr(sim.private_key_pem),
            github_api_url=sim.url,
        )
        app = create_app(settings)
        stack.callback(app.extensions["morningai"].close)
        yield Environment(sim, installation, repo.id, services, app.test_client(), secret)


def run(opts: Options) -> int:
    ensure_fixtures()
    files = repository_files(opts)
    size = sum(len(v) for v in files.values())
    print(machine())
    print(f"load average at start: {load_average()}")
    print(
        f"repository: {len(files)} files, {size / MIB:.1f} MiB "
        f"({opts.repo or 'this project at HEAD'}, plus {GREETING}); model delay "
        f"{opts.model_delay:g} s per reply; workers: `morningai worker --burst`"
        + (" with jobs.code.code_task preloaded" if opts.preload else "")
        + (" and gc.freeze()" if opts.preload == "freeze" else "")
        + (f"; test command: {opts.test_command}" if opts.test_command else ""),
        flush=True,
    )
    results = []
    with environment(files) as env:
        for k in opts.concurrency:
            result = run_round(env, k, opts)
            report_round(result)
            results.append(result)
    report_summary(results)
    print(f"\nload average at end: {load_average()}")
    ok = all(
        len(r.tasks) == r.k
        and all(t.status == "succeeded" for t in r.tasks)
        and r.pulls_opened == r.k
        for r in results
    )
    print("PASS every task succeeded with its pull request" if ok else "FAIL see above")
    return 0 if ok else 1


def parse_args(argv: Sequence[str]) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m bench.jobs memory",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--concurrency", default="1,2,4,8", help="K values, one round each")
    parser.add_argument("--repo", type=Path, help="directory whose files form the repository")
    parser.add_argument("--model-delay", type=float, default=2.0, help="seconds per reply")
    parser.add_argument(
        "--preload",
        nargs="?",
        const="import",
        choices=("import", "freeze"),
        help="workers import jobs.code.code_task before forking (freeze: then gc.freeze())",
    )
    parser.add_argument("--test-command", help="the repository's test_command (a child process)")
    parser.add_argument("--interval", type=float, default=0.05, help="seconds between samples")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per round")
    a = parser.parse_args(argv)
    ks = tuple(int(v) for v in a.concurrency.split(",") if v.strip())
    if not ks or min(ks) < 1 or max(ks) > 32:
        parser.error("--concurrency: values from 1 to 32")
    if a.repo is not None and not a.repo.is_dir():
        parser.error(f"--repo {a.repo} is not a directory")
    return Options(ks, a.repo, a.model_delay, a.preload, a.test_command, a.interval, a.timeout)


def main(argv: Sequence[str]) -> int:
    return run(parse_args(argv))
