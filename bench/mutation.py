"""Mutation testing over the modules behind the README's Guarantees table (#12).

Each target names its files and the tests that cover them. For every file the script makes
mutants — a comparison or boolean operator swapped, a `not` dropped, a constant changed, an
`if` body, a call, a `raise` or a returned value removed, and in SQL (Python strings and
migrations) a guard taken out: `ON CONFLICT … DO NOTHING`, `FOR UPDATE`, `SKIP LOCKED`, a
`WHERE` condition, forced row-level security, a policy's predicate, `<` turned into `>` — and
runs the target's tests against each, one at a time, in a git worktree of HEAD under /tmp, never
in the working tree. A mutant the tests fail on is killed; one they pass is a survivor, listed
in MUTATION_TESTING.md with a verdict (VERDICTS below: harmless and why, or the test that now
kills it).

    .venv/bin/python -m bench.mutation                  # every target, then the report
    .venv/bin/python -m bench.mutation --module tasks   # one target (results of the others kept)
    .venv/bin/python -m bench.mutation --list           # the mutants only, nothing run

Deterministic: mutants are generated in source order and, above a target's cap, chosen by a
seeded round-robin over the kinds of mutation. Results are kept per target in
.morningai/mutation/<target>.json; a rerun at the same commit skips mutants already run
(`--fresh` runs them again). The tests get their own PostgreSQL and Redis (DATABASE_URL and
REDIS_URL, started here), so a mutated migration never touches the suite's shared server.
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import psutil  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / ".morningai" / "mutation"
REPORT = ROOT / "MUTATION_TESTING.md"
SEED = 12
PYTHON = sys.executable

U = "tests/unit/"
I = "tests/integration/"  # noqa: E741


@dataclass(frozen=True)
class Target:
    # "path", "path:first-last" (lines) or, for Python, "path:name,name" (functions, classes)
    files: tuple[str, ...]
    tests: tuple[str, ...]  # pytest selections, cheapest first (the run stops at a failure)
    cap: int = 40
    sql_only: bool = False  # .py files: only the mutations of their SQL strings


TARGETS: dict[str, Target] = {
    "signature": Target(
        ("github_app/signature.py",),
        (
            U + "test_signature.py",
            I + "test_webhooks.py::test_bad_signature_is_401_and_stores_nothing",
        ),
    ),
    "chat_signatures": Target(
        ("chat/slack/signature.py", "chat/discord/signature.py", "chat/telegram/secret.py"),
        (U + "test_chat_signatures.py", U + "test_mutation_kills_chat.py"),
        cap=25,
    ),
    "logs": Target(
        ("core/logs.py", "chat/errors.py"),
        (
            U + "test_logs.py",
            U + "test_logs_redaction.py",
            U + "test_mutation_kills_logs.py",
            U + "test_chat_retry.py",
        ),
        cap=24,
    ),
    "tasks": Target(
        ("db/tasks.py:tenant_of,claim,heartbeat,record_results,finish,requeue,to_reconcile",),
        (
            I + "test_claim_race.py",
            I + "test_mutation_kills_tasks.py",
            I + "test_tenancy.py",
            I + "test_webhooks.py::test_redelivery_runs_nothing_twice",
        ),
        cap=25,
    ),
    "claim": Target(
        (
            "jobs/runtime/runner.py",
            "jobs/runtime/reconciler.py",
            "db/migrations/0001_core.sql:184-205",
        ),
        (
            U + "test_jobs_pure.py",
            U + "test_mutation_kills_claim.py",
            I + "test_mutation_kills_claim.py",
            I + "test_claim_race.py",
            I + "test_faults_redis.py",
        ),
        cap=20,
    ),
    "tenancy": Target(
        (
            "db/tenancy.py",
            "db/migrations/0001_core.sql:1-139",
            "db/migrations/0003_faq_memory.sql:90-113",
            "db/migrations/0009_chat.sql:85-111",
        ),
        (
            I + "test_mutation_kills_tenancy.py",
            I + "test_tenancy.py",
            I + "test_attack_tenants.py",
            I + "test_chat_storage.py",
        ),
        cap=35,
    ),
    "dashboard_reach": Target(
        ("web/task_access.py", "web/viewer.py:58-128", "web/viewer.py:188-318"),
        (
            U + "test_mutation_kills_reach.py",
            I + "test_mutation_kills_dashboard.py",
            I + "test_tasks_api.py",
            I + "test_dashboard_api.py",
            I + "test_me_and_logout.py",
        ),
        cap=20,
    ),
    # after 342ce2b: the intake is one call of 0011's app_webhook_intake
    "intake": Target(
        (
            "github_app/intake.py",
            "db/deliveries.py:Intake,intake,record_unattributed",
            # 0011 but its app_intake_task, which 0012 replaces
            "db/migrations/0011_webhook_intake_in_one_call.sql:22-81",
            "db/migrations/0011_webhook_intake_in_one_call.sql:120-301",
            "db/migrations/0012_intake_notes_the_task_enqueued.sql",
        ),
        (
            U + "test_attack_events.py",
            I + "test_mutation_kills_intake.py",
            I + "test_webhooks.py",
            I + "test_pull_request_state.py",
            I + "test_sign_out_on_revoke.py",
        ),
        cap=32,
    ),
}

# The survivors read and judged (bench/mutation_verdicts.json): "<file>:<line>: <mutation>" →
# one line. A survivor not there is reported as "not yet judged".
VERDICTS: dict[str, str] = json.loads(
    (Path(__file__).parent / "mutation_verdicts.json").read_text()
)


# ---------------------------------------------------------------------------------- mutants


@dataclass(frozen=True)
class Mutant:
    file: str
    line: int
    kind: str
    description: str
    start: int  # character offsets into the file's text
    end: int
    replacement: str

    @property
    def key(self) -> str:
        return f"{self.file}:{self.line}: {self.description}"

    def apply(self, text: str) -> str:
        return text[: self.start] + self.replacement + text[self.end :]


_COMPARE_SWAPS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
_OP_TEXT = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Is: "is",
    ast.IsNot: "is not",
}
_SQL_WORDS = re.compile(
    r"\b(SELECT|INSERT INTO|UPDATE|DELETE FROM|WHERE|RETURNING|set_config)\b|ON CONFLICT"
)
_LOGGERS = {"log", "logger", "logging"}

# (pattern, replacement, what it does) — over SQL text, one mutant per match
_ATOM = r"(?:\([^()]*\)|'[^']*'|%\(\w+\)s|%s|[\w.]+(?:\(\))?)"
_COND = r"[\w.]+\s*(?:=\s*ANY|=|<>|!=|<=|>=|<|>|IS(?: NOT)?(?: DISTINCT FROM)?|IN)\s*" + _ATOM
SQL_MUTATIONS: tuple[tuple[str, str, str], ...] = (
    (r"\s*ON CONFLICT\s*(?:\([^)]*\))?\s*DO NOTHING", "", "remove ON CONFLICT … DO NOTHING"),
    (r"\s*FOR UPDATE(?: SKIP LOCKED)?", "", "remove FOR UPDATE"),
    (r"\s*SKIP LOCKED", "", "remove SKIP LOCKED"),
    (r"\s+AND\s+" + _COND, "", "remove a WHERE condition (AND …)"),
    (r"(?<=WHERE )" + _COND + r"\s+AND\s+", "", "remove a WHERE condition (… AND)"),
    (r"(?<![<>!=-])<(?![=>])", ">", "SQL < → >"),
    (r"(?<![<>!=-])>(?![=>])", "<", "SQL > → <"),
    (r"\bAND\b", "OR", "SQL AND → OR"),
    (r"\bOR\b(?! REPLACE)", "AND", "SQL OR → AND"),
    (
        r"EXECUTE format\('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t\);",
        "NULL;",
        "remove FORCE ROW LEVEL SECURITY",
    ),
    (
        r"EXECUTE format\('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t\);",
        "NULL;",
        "remove ENABLE ROW LEVEL SECURITY",
    ),
    (r"\b(?:tenant_id|id) = app_current_tenant\(\)", "true", "policy predicate → true"),
    (r"\bNOBYPASSRLS\b", "BYPASSRLS", "NOBYPASSRLS → BYPASSRLS"),
    (r"\bSECURITY DEFINER\b", "SECURITY INVOKER", "SECURITY DEFINER → INVOKER"),
    (r"(?<=set_config\('app\.tenant_id', %s, )true", "false", "set_config local → session"),
    (r"\bUNIQUE\b ?", "", "remove UNIQUE"),
    # PL/pgSQL (the intake function of 0011)
    (r"\bIF NOT\b", "IF", "drop NOT in IF NOT"),
    (r"\bIS NULL\b", "IS NOT NULL", "IS NULL → IS NOT NULL"),
    (r"\bIS NOT NULL\b", "IS NULL", "IS NOT NULL → IS NULL"),
    (r"RAISE EXCEPTION[^;]*;", "NULL;", "remove RAISE EXCEPTION"),
    (r"PERFORM set_config\('app\.tenant_id',[^;]*;", "NULL;", "remove the tenant scoping"),
    (r"(?<=::text, )true(?=\))", "false", "set_config local → session"),
    (r"= 'active'", "<> 'active'", "= 'active' → <> 'active'"),
    (r"(?<=> )0\b", "1", "> 0 → > 1"),
)


def _sql_mutants(file: str, text: str, lo: int, hi: int, base_line: int) -> Iterator[Mutant]:
    """One mutant per match of each SQL mutation inside text[lo:hi] (not in -- comments)."""
    segment = text[lo:hi]
    for pattern, replacement, what in SQL_MUTATIONS:
        for m in re.finditer(pattern, segment):
            line_start = segment.rfind("\n", 0, m.start()) + 1
            if segment[line_start : m.start()].lstrip().startswith("--"):
                continue
            line = base_line + segment.count("\n", 0, m.start())
            shown = " ".join(m.group(0).split())
            yield Mutant(
                file,
                line,
                "sql",
                f"{what}: `{shown}`" if replacement != "" or len(shown) < 70 else what,
                lo + m.start(),
                lo + m.end(),
                replacement,
            )


class _Offsets:
    def __init__(self, text: str) -> None:
        self.lines = text.splitlines(keepends=True)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))

    def at(self, line: int, col_bytes: int) -> int:
        raw = self.lines[line - 1].encode()[:col_bytes].decode()
        return self.starts[line - 1] + len(raw)

    def span(self, node: ast.AST) -> tuple[int, int]:
        return (
            self.at(node.lineno, node.col_offset),  # type: ignore[attr-defined]
            self.at(node.end_lineno, node.end_col_offset),  # type: ignore[attr-defined]
        )


def _is_log_call(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id in _LOGGERS
    )


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _inside(node: ast.AST, parents: dict[ast.AST, ast.AST], test: type[ast.AST]) -> bool:
    while node in parents:
        node = parents[node]
        if _is_log_call(node) if test is ast.Call else isinstance(node, test):
            return True
    return False


def _is_key(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    parent = parents.get(node)
    return isinstance(parent, ast.Dict) and any(k is node for k in parent.keys)


def _docstrings(tree: ast.AST) -> set[ast.AST]:
    found: set[ast.AST] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        value = first.value if isinstance(first, ast.Expr) else None
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            found.add(value)
    return found


def _in_annotation(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    child = node
    while child in parents:
        parent = parents[child]
        if isinstance(parent, ast.AnnAssign) and child is parent.annotation:
            return True
        if isinstance(parent, ast.arg) and child is parent.annotation:
            return True
        if isinstance(parent, ast.FunctionDef) and child is parent.returns:
            return True
        child = parent
    return False


def python_mutants(file: str, text: str, sql_only: bool) -> Iterator[Mutant]:
    tree = ast.parse(text)
    off = _Offsets(text)
    parents = _parents(tree)
    docs = _docstrings(tree)

    def rewrite(node: ast.expr, new: ast.expr, kind: str, what: str) -> Mutant:
        start, end = off.span(node)
        return Mutant(file, node.lineno, kind, what, start, end, f"({ast.unparse(new)})")

    node: ast.AST

    for node in ast.walk(tree):
        if _in_annotation(node, parents) or node in docs:
            continue
        if (
            isinstance(node, ast.Constant | ast.JoinedStr)
            and _SQL_WORDS.search(ast.unparse(node))
            and not isinstance(parents.get(node), ast.JoinedStr)
        ):
            start, end = off.span(node)
            yield from _sql_mutants(file, text, start, end, node.lineno)
            continue
        if sql_only or _inside(node, parents, ast.Call):  # log calls and their messages: noise
            continue
        yield from _node_mutants(node, file, off, parents, rewrite)


Rewrite = Callable[[ast.expr, ast.expr, str, str], Mutant]


def _node_mutants(  # noqa: PLR0912
    node: ast.AST, file: str, off: _Offsets, parents: dict[ast.AST, ast.AST], rewrite: Rewrite
) -> Iterator[Mutant]:
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            swap = _COMPARE_SWAPS.get(type(op))
            if swap is None:
                continue
            new = copy.deepcopy(node)
            new.ops[i] = swap()
            what = f"`{_OP_TEXT[type(op)]}` → `{_OP_TEXT[swap]}`"
            yield rewrite(node, new, "compare", what)
    elif isinstance(node, ast.BoolOp):
        flipped = copy.deepcopy(node)
        flipped.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        what = "`and` → `or`" if isinstance(node.op, ast.And) else "`or` → `and`"
        yield rewrite(node, flipped, "boolean", what)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        yield rewrite(node, node.operand, "not", f"drop `not` in `{ast.unparse(node)[:50]}`")
    elif isinstance(node, ast.Constant) and not isinstance(parents.get(node), ast.JoinedStr):
        value = node.value
        if isinstance(value, bool):
            yield rewrite(node, ast.Constant(not value), "constant", f"`{value}` → `{not value}`")
        elif isinstance(value, int | float) and not isinstance(parents.get(node), ast.UnaryOp):
            for delta in (1, -1):
                changed = value + delta
                yield rewrite(node, ast.Constant(changed), "number", f"`{value}` → `{changed}`")
        elif isinstance(value, str) and value and not _is_key(node, parents):
            yield rewrite(node, ast.Constant(""), "string", f"`{value[:40]!r}` → `''`")
    elif isinstance(node, ast.If):
        start = off.at(node.body[0].lineno, node.body[0].col_offset)
        last = node.body[-1]
        end = off.at(last.end_lineno or last.lineno, last.end_col_offset or 0)
        test = ast.unparse(node.test)[:50]
        yield Mutant(
            file, node.lineno, "if-body", f"`if {test}:` body → `pass`", start, end, "pass"
        )
    elif isinstance(node, ast.Return) and node.value is not None:
        # `return False` → None is the constant's mutant's weaker twin
        if not isinstance(node.value, ast.Constant):
            start, end = off.span(node)
            shown = ast.unparse(node)[:50]
            yield Mutant(
                file, node.lineno, "return", f"`{shown}` → `return None`", start, end, "return None"
            )
    elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        if not _is_log_call(node.value):
            start, end = off.span(node)
            shown = ast.unparse(node)[:50]
            yield Mutant(file, node.lineno, "call", f"remove `{shown}`", start, end, "pass")
    elif isinstance(node, ast.Raise):
        start, end = off.span(node)
        shown = ast.unparse(node)[:50]
        yield Mutant(file, node.lineno, "raise", f"remove `{shown}`", start, end, "pass")


def file_mutants(spec: str, tree: Path, sql_only: bool) -> list[Mutant]:
    path, _, lines = spec.partition(":")
    text = (tree / path).read_text()
    if path.endswith(".sql"):
        off = _Offsets(text)
        first, _, last = lines.partition("-") if lines else ("1", "", str(len(off.lines)))
        lo, hi = off.starts[int(first) - 1], off.starts[min(int(last), len(off.lines))]
        found = list(_sql_mutants(path, text, lo, hi, int(first)))
    elif lines and not lines[0].isdigit():  # "path:name,name": those functions or classes
        names = set(lines.split(","))
        spans = [
            (node.lineno, node.end_lineno or node.lineno)
            for node in ast.parse(text).body
            if isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name in names
        ]
        found = [
            m
            for m in python_mutants(path, text, sql_only)
            if any(lo <= m.line <= hi for lo, hi in spans)
        ]
    else:
        first, _, last = lines.partition("-") if lines else ("1", "", str(10**9))
        found = [
            m for m in python_mutants(path, text, sql_only) if int(first) <= m.line <= int(last)
        ]
    original = ast.dump(ast.parse(text)) if path.endswith(".py") else text
    kept = []
    for m in found:
        mutated = m.apply(text)
        if path.endswith(".py"):
            try:
                if ast.dump(ast.parse(mutated)) == original:
                    continue  # the same program
            except SyntaxError:
                continue
        kept.append(m)
    # the same mutation twice on one line (a policy's USING and WITH CHECK, two ANDs): the
    # second and later are told apart by their order on the line
    kept.sort(key=lambda m: m.start)
    seen: dict[str, int] = {}
    for i, m in enumerate(kept):
        seen[m.key] = seen.get(m.key, 0) + 1
        if seen[m.key] > 1:
            kept[i] = replace(m, description=f"{m.description} (#{seen[m.key]} on the line)")
    return kept


# Mutants that survived an earlier run and got a test: always in the sample, whatever the cap
KEEP = frozenset(
    {
        "jobs/runtime/runner.py:82: `if tenant_id is None:` body → `pass`",
        "jobs/runtime/runner.py:90: drop `not` in"
        " `not stop.wait(ctx.heartbeat_every.total_seconds())`",
        "jobs/runtime/runner.py:181: remove `enqueue_task(run.ctx.redis, task.id, task.attempts`",
        "chat/telegram/secret.py:13: `'X-Telegram-Bot-Api-Secret-Token'` → `''`",
    }
)


def choose(mutants: list[Mutant], cap: int) -> list[Mutant]:
    """All of them, or `cap` of them: every SQL mutant, then a seeded round-robin over the
    other kinds, so each kind is tried before any gets a second turn; then in source order."""
    unique = {m.key: m for m in sorted(mutants, key=lambda m: (m.file, m.start, m.description))}
    pool = list(unique.values())
    if len(pool) <= cap:
        return pool
    rng = random.Random(SEED)
    kinds: dict[str, list[Mutant]] = {}
    for m in pool:
        kinds.setdefault(m.kind, []).append(m)
    for group in kinds.values():
        rng.shuffle(group)
    order = [
        "sql",
        "compare",
        "boolean",
        "not",
        "raise",
        "if-body",
        "return",
        "call",
        "constant",
        "number",
        "string",
    ]
    # the kept ones, then the SQL guards: they are what most of the promises rest on
    chosen = [m for m in pool if m.key in KEEP]
    for group in kinds.values():
        group[:] = [m for m in group if m.key not in KEEP]
    chosen += sorted(kinds.pop("sql", []), key=lambda m: m.start)[: max(0, cap - len(chosen))]
    while len(chosen) < cap:
        for kind in order:
            if kinds.get(kind) and len(chosen) < cap:
                chosen.append(kinds[kind].pop())
    return sorted(chosen, key=lambda m: (m.file, m.start, m.description))


def target_mutants(target: Target, tree: Path) -> tuple[int, list[Mutant]]:
    every = [m for spec in target.files for m in file_mutants(spec, tree, target.sql_only)]
    return len(every), choose(every, target.cap)


# ---------------------------------------------------------------------------------- running


@dataclass
class Outcome:
    key: str
    file: str
    line: int
    kind: str
    description: str
    status: str  # killed | survived | timeout
    seconds: float
    failed: str = ""  # the first failing test, when killed
    commit: str = ""  # of the tree it ran in
    earlier: str = ""  # "survived at <commit>": a test was written for it since


@dataclass
class TargetResult:
    target: str
    commit: str
    started: str
    tests: list[str]
    generated: int
    baseline_seconds: float
    outcomes: list[Outcome] = field(default_factory=list)


def _git(*args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


@contextmanager
def worktree() -> Iterator[Path]:
    """A detached worktree of HEAD under /tmp, with the npm fixtures the tests read."""
    path = Path(tempfile.mkdtemp(prefix="mut-", dir="/tmp"))
    path.rmdir()
    _git("worktree", "add", "--detach", str(path), "HEAD")
    try:
        (path / ".morningai").mkdir()
        (path / ".morningai" / "fixtures").symlink_to(ROOT / ".morningai" / "fixtures")
        yield path
    finally:
        _git("worktree", "remove", "--force", str(path))
        _git("worktree", "prune")


@contextmanager
def services() -> Iterator[dict[str, str]]:
    """PostgreSQL and Redis of our own for the whole run (stopped when it ends)."""
    if os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL"):
        yield {"DATABASE_URL": os.environ["DATABASE_URL"], "REDIS_URL": os.environ["REDIS_URL"]}
        return
    from morningai.embedded import EmbeddedRedis, start_postgres

    home = Path(tempfile.mkdtemp(prefix="mut-services-", dir="/tmp"))
    redis = EmbeddedRedis(home / "redis")
    try:
        pg_url = start_postgres(home / "postgres")
        yield {"DATABASE_URL": pg_url, "REDIS_URL": redis.start()}
    finally:
        redis.stop()
        _stop_postgres(home)
        shutil.rmtree(home, ignore_errors=True)


def _stop_postgres(home: Path) -> None:
    """Our PostgreSQL's postmaster (its data directory is under `home`): a fast shutdown."""
    for p in psutil.process_iter(["pid", "cmdline"]):
        cmdline = p.info["cmdline"] or []
        if any(str(home) in part for part in cmdline) and "postgres" in " ".join(cmdline[:1]):
            with suppress(psutil.NoSuchProcess):
                p.send_signal(signal.SIGINT)
                p.wait(timeout=30)
            return


def _kill_tree(proc: subprocess.Popen[bytes]) -> None:
    """The pytest run and everything it started, by pid (children in sessions of their own
    too)."""
    try:
        family = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        family = []
    for p in family:
        with suppress(psutil.NoSuchProcess):
            p.kill()
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def run_tests(
    tree: Path, tests: tuple[str, ...], env: dict[str, str], timeout: float
) -> tuple[str, float, str]:
    """'passed' | 'failed' | 'timeout', seconds, the first failing test."""
    command = [
        PYTHON,
        "-m",
        "pytest",
        "-x",
        "-q",
        "-p",
        "no:cacheprovider",
        "--no-header",
        "-W",
        "ignore::pytest.PytestUnraisableExceptionWarning",
        *tests,
    ]
    began = time.monotonic()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(
            command,
            cwd=tree,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_tree(proc)
            return "timeout", time.monotonic() - began, ""
        except BaseException:  # Ctrl-C: no test run outlives this one
            _kill_tree(proc)
            raise
        _kill_tree(proc)  # anything a test left running
        out.seek(0)
        text = out.read().decode(errors="replace")
    first = re.search(r"^(?:FAILED|ERROR) (\S+)", text, re.MULTILINE)
    failed = first.group(1) if first else ""
    if code == 0:
        return "passed", time.monotonic() - began, ""
    return "failed", time.monotonic() - began, failed or f"exit {code}: {text[-300:]!r}"


def _env(tree: Path, servers: dict[str, str], cache: Path) -> dict[str, str]:
    keep = ("DATABASE_", "REDIS_", "GITHUB_", "OPENAI_", "MORNINGAI_", "LOG_", "PYTEST_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(keep)}
    # the copy's packages first (the venv's editable install points at the working tree)
    env.update(servers, PYTHONPATH=str(tree), PYTHONPYCACHEPREFIX=str(cache))
    return env


def _load(name: str) -> TargetResult | None:
    path = RESULTS / f"{name}.json"
    if not path.exists():
        return None
    raw = json.loads(path.read_text())
    outcomes = [Outcome(**o) for o in raw.pop("outcomes")]
    return TargetResult(**raw, outcomes=outcomes)


def _save(result: TargetResult) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{result.target}.json").write_text(json.dumps(asdict(result), indent=1))


def _reusable(name: str, commit: str, tree: Path, survivors: bool) -> dict[str, Outcome]:
    """Outcomes of an earlier run to keep: those at this commit; with `survivors`, every
    killed or timed-out one whose file has not changed since it ran (survivors run again,
    e.g. after a test was added, and so does every mutant of a changed file)."""
    previous = _load(name)
    if previous is None:
        return {}
    if not survivors:
        return {o.key: o for o in previous.outcomes if (o.commit or previous.commit) == commit}
    unchanged: dict[tuple[str, str], bool] = {}
    kept = {}
    for o in previous.outcomes:
        o.commit = o.commit or previous.commit
        if (o.commit, o.file) not in unchanged:
            diff = ["git", "diff", "--quiet", o.commit, "HEAD", "--", o.file]
            same = subprocess.run(diff, cwd=tree, check=False).returncode == 0
            unchanged[o.commit, o.file] = same
            if not same:
                print(f"{name}: {o.file} changed since {o.commit}: its mutants run again")
        if o.status != "survived" and unchanged[o.commit, o.file]:
            kept[o.key] = o
    return kept


def run_target(
    name: str, tree: Path, servers: dict[str, str], *, fresh: bool, survivors: bool
) -> TargetResult:
    target = TARGETS[name]
    commit = _git("rev-parse", "--short", "HEAD", cwd=tree)
    generated, mutants = target_mutants(target, tree)
    done = {} if fresh else _reusable(name, commit, tree, survivors)
    cache = Path(tempfile.mkdtemp(prefix="mut-pycache-", dir="/tmp"))
    try:
        return _run_target(
            name,
            tree,
            servers=servers,
            commit=commit,
            mutants=mutants,
            generated=generated,
            done=done,
            cache=cache,
        )
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def _run_target(
    name: str,
    tree: Path,
    *,
    servers: dict[str, str],
    commit: str,
    mutants: list[Mutant],
    generated: int,
    done: dict[str, Outcome],
    cache: Path,
) -> TargetResult:
    target = TARGETS[name]
    env = _env(tree, servers, cache)
    previous = _load(name)
    survived = {}
    if previous is not None:
        survived = {
            o.key: o.commit or previous.commit for o in previous.outcomes if o.status == "survived"
        }
    if all(m.key in done for m in mutants) and previous is not None:
        status, baseline = "passed", previous.baseline_seconds  # nothing to run
    else:
        status, baseline, failed = run_tests(tree, target.tests, env, timeout=900)
    if status != "passed":
        raise RuntimeError(f"{name}: the tests fail without a mutant ({failed or status})")
    timeout = max(60.0, 3 * baseline + 30)
    result = TargetResult(
        name,
        commit,
        datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        list(target.tests),
        generated,
        round(baseline, 1),
    )
    print(
        f"\n{name}: {len(mutants)} of {generated} mutants at {commit}; tests take "
        f"{baseline:.0f} s (timeout {timeout:.0f} s)",
        flush=True,
    )
    for n, m in enumerate(mutants, 1):
        if m.key in done:
            result.outcomes.append(done[m.key])
            continue
        o = _run_mutant(m, tree, target, env, timeout=timeout, cache=cache)
        o.commit = commit
        if m.key in survived and o.status != "survived":
            o.earlier = f"survived at {survived[m.key]}"
        result.outcomes.append(o)
        print(f"  [{n:>3}/{len(mutants)}] {o.status:<8} {o.seconds:5.1f}s  {m.key}", flush=True)
        _save(result)
    _save(result)
    return result


def _run_mutant(
    m: Mutant, tree: Path, target: Target, env: dict[str, str], *, timeout: float, cache: Path
) -> Outcome:
    path = tree / m.file
    original = path.read_text()
    path.write_text(m.apply(original))
    # never a compiled copy of another mutant (a pyc is checked by mtime in seconds and size)
    for pyc in (cache / str(path.parent).lstrip("/")).glob(f"{path.stem}.*.pyc"):
        pyc.unlink()
    try:
        status, seconds, failed = run_tests(tree, target.tests, env, timeout)
    finally:
        path.write_text(original)
    verdict = {"passed": "survived", "failed": "killed", "timeout": "timeout"}[status]
    return Outcome(m.key, m.file, m.line, m.kind, m.description, verdict, round(seconds, 1), failed)


# ---------------------------------------------------------------------------------- report

NOT_COVERED = (
    "- Above each cap only a sample ran (the generated count is in brackets): most of",
    "  `dashboard_reach`, `claim`, `intake`, `logs` and `chat_signatures` was never mutated.",
    "  In `intake` the SQL (0011, 0012) filled the cap: `github_app/intake.py` and",
    "  `db/deliveries.py` got no mutant in the final run.",
    "- Modules outside the targets: routing and handlers (who may trigger work),",
    "  `web/tasks_api.py` (stop and retry's write checks), `web/task_stream.py`, the read",
    "  models' filters (`db/reads/`), `jobs/runtime/queues.py` (job ids, uniqueness), the",
    "  chat intake (`web/chat/intake.py`), the SECURITY DEFINER doors of 0005 and 0009.",
    "- Mutations not made: arithmetic operators, swapped arguments, removed assignments,",
    "  `except` clauses, SQL `=` ↔ `<>`, ORDER BY and LIMIT.",
    "- A mutant that matters only under a race (e.g. a lost `FOR UPDATE`) can pass a single",
    "  run of a race test by luck; each race test ran once per mutant.",
    "- The migration's own CREATE ROLE (NOBYPASSRLS) never runs in the tests: the test set-up",
    "  provisions the role first.",
)


def report(command: str) -> str:
    results = [r for name in TARGETS if (r := _load(name)) is not None]
    lines = [
        "# Mutation testing",
        "",
        "The modules behind the README's Guarantees table, mutated one change at a time, each",
        "mutant run against the tests mapped to its target in `bench/mutation.py` (issue #12),",
        "in a git worktree of HEAD under /tmp with a PostgreSQL and Redis of the run's own.",
        "A mutant is **killed** when a test fails, **survives** when all pass, and times out",
        "when the tests take over 3 times their unmutated time + 30 s (a hang counts as detected).",
        "Mutations: comparison and boolean operators, `not`, constants (True/False, numbers ±1,",
        "strings → ''), an `if` body, a call statement or a `raise` removed, a returned value",
        "→ None; in SQL strings and migrations: `ON CONFLICT … DO NOTHING`, `FOR UPDATE`, `SKIP",
        "LOCKED`, a WHERE condition removed, AND ↔ OR, `<` ↔ `>`, forced/enabled RLS removed, a",
        "policy's predicate → true, NOBYPASSRLS, SECURITY DEFINER, `set_config(…, true)` → false,",
        "UNIQUE removed, and in PL/pgSQL `IF NOT`, `IS [NOT] NULL`, RAISE removed, the tenant",
        "scoping removed. Log calls and their messages are not mutated (no promise rests on them).",
        "Above a target's cap the mutants are a seeded sample (every SQL mutant first, then a",
        "round-robin over the kinds); the count generated is in brackets.",
        "",
        "```sh",
        command,
        ".venv/bin/python -m bench.mutation --survivors   # after adding tests: survivors only",
        "```",
        "",
        "A survivor is judged against the target's tests only: some are killed elsewhere in the",
        "suite, which a target does not run (said so where known). Several targets' first runs",
        "were at earlier commits; the Commit column lists every commit an outcome ran at (a",
        "killed outcome is kept while its target's files are unchanged).",
        "",
        "| Target | Commit | Run | Mutants (of generated) | Killed | Survived | Timeouts | Score |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        k = sum(o.status == "killed" for o in r.outcomes)
        s = sum(o.status == "survived" for o in r.outcomes)
        t = sum(o.status == "timeout" for o in r.outcomes)
        total = len(r.outcomes)
        score = f"{100 * (k + t) / total:.0f} %" if total else "—"
        commits = sorted({o.commit or r.commit for o in r.outcomes}) or [r.commit]
        lines.append(
            f"| `{r.target}` | {', '.join(commits)} | {r.started} | {total} ({r.generated}) "
            f"| {k} | {s} | {t} | {score} |"
        )
    lines += ["", "Tests per target:", ""]
    for r in results:
        files = ", ".join(f"`{f}`" for f in TARGETS[r.target].files)
        tests = " ".join(f"`{t}`" for t in r.tests)
        lines.append(f"- `{r.target}` ({files}): {tests} — {r.baseline_seconds} s unmutated")
    lines += ["", "## Survivors that new tests kill", ""]
    lines.append(
        "Each survived an earlier run and is killed now by the test named: a test written for"
        " it (tests/*/test_mutation_kills_*.py), or one the target did not run then (the"
        " target's selection was widened)."
    )
    lines.append("")
    for r in results:
        for o in r.outcomes:
            if o.earlier:
                named = re.search(r"(?:FAILED|ERROR) (\S+)", o.failed)
                test = named.group(1) if named else o.failed
                lines.append(f"- `{o.file}:{o.line}` {o.description} — killed by `{test}`")
    lines += ["", "## Survivors judged", ""]
    for r in results:
        survivors = [o for o in r.outcomes if o.status == "survived"]
        lines.append(f"### `{r.target}` ({len(survivors)})")
        lines.append("")
        if not survivors:
            lines.append("None.")
        for o in survivors:
            verdict = VERDICTS.get(o.key, "not yet judged")
            lines.append(f"- `{o.file}:{o.line}` {o.description} — {verdict}")
        lines.append("")
    lines += ["## Not covered", "", *NOT_COVERED, ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--module",
        action="append",
        choices=sorted(TARGETS),
        help="run only this target (repeatable)",
    )
    parser.add_argument("--list", action="store_true", help="print the mutants, run nothing")
    parser.add_argument("--fresh", action="store_true", help="rerun mutants already run")
    parser.add_argument(
        "--survivors",
        action="store_true",
        help="rerun only the survivors of the last run (its kills kept), e.g. after adding tests",
    )
    parser.add_argument("--report-only", action="store_true", help="rewrite the report")
    args = parser.parse_args(argv)
    # cleanup (worktree, servers, the test run in flight) on Ctrl-C or kill, even in the
    # background, where a shell leaves SIGINT ignored
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    names = args.module or list(TARGETS)
    if args.list:
        for name in names:
            generated, mutants = target_mutants(TARGETS[name], ROOT)
            print(f"{name}: {len(mutants)} of {generated}")
            for m in mutants:
                print(f"  {m.kind:<8} {m.key}")
        return 0
    if not args.report_only:
        with worktree() as tree, services() as servers:
            for name in names:
                run_target(name, tree, servers, fresh=args.fresh, survivors=args.survivors)
    REPORT.write_text(report(".venv/bin/python -m bench.mutation  # or --module NAME"))
    print(f"\nwrote {REPORT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
