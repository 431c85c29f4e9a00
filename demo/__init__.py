"""The whole product offline — GitHub simulator, app, worker, model replay (`make demo`):
an issue becomes a pull request, then `/morningai ask` answers a question about the repository.

A program beside the product, like `bench/`: it imports the simulator, which the product never
does (the import contracts in `pyproject.toml` say so); `morningai demo` runs `python -m demo`.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, TextIO

import httpx
from pydantic import SecretStr
from redis import Redis
from rq import SimpleWorker
from werkzeug.serving import WSGIRequestHandler, make_server

from core.settings import Settings
from demo import ask
from github_app.signature import sign
from jobs.runtime import context
from jobs.runtime.context import JobContext
from jobs.runtime.queues import QUEUE_NAMES, queue
from morningai.embedded import (
    EmbeddedRedis,
    drop_database,
    provision_database,
    start_postgres,
)
from morningai.schema import migrate_all
from simulator import GitHubSimulator
from simulator.openai_server import ScriptedModelServer
from simulator.shapes import repository
from web import create_app

OWNER, REPO, REQUESTER, LABEL = "acme", "thermo", "alice", "morningai"
SECRET = b"morningai-demo-webhook-secret"  # throwaway: the app listens on loopback only
DATA = files("demo") / "data"
NOTICE = (
    "The model's replies are a recording (demo/data/transcript.json); "
    "set OPENAI_API_KEY or OPENAI_BASE_URL to use a real model."
)
STATUS_TAG = "<!-- morningai:status"
# Loggers that would otherwise interleave request and job lines with what the demo prints.
QUIET = (
    "",
    "werkzeug",
    "rq",
    "rq.worker",
    "httpx",
    "morningai",
    "web",
    "github_app",
    "jobs",
    "agents",
)


class DemoError(Exception):
    """A step of the demo went wrong; the message says which, in plain words."""


@dataclass(frozen=True)
class Seeded:
    """What the demo put into the simulated GitHub."""

    installation_id: int
    repository: dict[str, Any]
    issue: dict[str, Any]


def wants_real_model(env: Mapping[str, str]) -> bool:
    return bool(env.get("OPENAI_API_KEY") or env.get("OPENAI_BASE_URL"))


def run_demo(
    data_dir: Path,
    *,
    use_real_model: bool | None = None,
    out: TextIO = sys.stdout,
    admin_url: str | None = None,
    redis_url: str | None = None,
) -> int:
    """Run one issue → pull request round offline and print what a user would see.

    `admin_url` / `redis_url` reuse running servers (a fresh database is made and dropped);
    without them embedded ones start under `data_dir`.
    """
    real = wants_real_model(os.environ) if use_real_model is None else use_real_model
    try:
        with _quiet_logs(), ExitStack() as stack:
            _demo(
                stack,
                data_dir.resolve(),
                real=real,
                out=out,
                admin_url=admin_url,
                redis_url=redis_url,
            )
    except DemoError as exc:
        print(f"\nThe demo failed: {exc}", file=out)
        return 1
    except Exception as exc:  # a clear line instead of a traceback; the cause is named
        print(f"\nThe demo failed: {type(exc).__name__}: {exc}", file=out)
        return 1
    print("\nEverything ran on this machine, and has been stopped and removed.", file=out)
    return 0


def _demo(
    stack: ExitStack,
    data_dir: Path,
    *,
    real: bool,
    out: TextIO,
    admin_url: str | None,
    redis_url: str | None,
) -> None:
    transcript = json.loads((DATA / "transcript.json").read_text(encoding="utf-8"))
    print(_model_notice(real), file=out, flush=True)
    database_url, redis_url = _services(stack, data_dir, admin_url, redis_url)
    print("PostgreSQL and Redis are up, migrations applied.", file=out, flush=True)
    sim, seeded = _github(stack, transcript["issue"])
    model_url, key, model, scripted = _model(stack, real, transcript)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=database_url,
        redis_url=redis_url,
        github_webhook_secret=SecretStr(SECRET.decode()),
        github_app_id=str(sim.app_id),
        github_private_key=SecretStr(sim.private_key_pem),
        github_api_url=sim.url,
        openai_api_key=SecretStr(key) if key else None,
        openai_base_url=model_url,
        morningai_model=model,
        morningai_trigger_label=LABEL,
    )
    url = _serve(stack, settings)
    _deliver(url, seeded, out)
    code_comment = _work(settings, sim, seeded, out)
    _report(sim, out)
    _ask(url, settings, sim, seeded, code_comment, out)
    if scripted is not None:
        _all_replies_used(scripted)


def _model_notice(real: bool) -> str:
    if not real:
        return NOTICE
    where = os.environ.get("OPENAI_BASE_URL") or "OpenAI"
    model = os.environ.get("MORNINGAI_MODEL") or "gpt-4.1-mini"
    return f"Using a real model: {model} at {where} (OPENAI_API_KEY / OPENAI_BASE_URL are set)."


@contextmanager
def _quiet_logs() -> Iterator[None]:
    saved = {name: logging.getLogger(name).level for name in QUIET}
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        yield
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


def _services(
    stack: ExitStack, data_dir: Path, admin_url: str | None, redis_url: str | None
) -> tuple[str, str]:
    """A fresh, migrated database and a Redis; returns (app database URL, Redis URL)."""
    if admin_url is None:
        admin_url, name = start_postgres(data_dir / "postgres"), "morningai_demo"
    else:  # a shared server: a name of our own, so parallel runs never meet
        name = f"morningai_demo_{os.getpid()}_{secrets.token_hex(3)}"
    drop_database(admin_url, name)
    urls = provision_database(admin_url, name)
    stack.callback(drop_database, admin_url, name)
    migrate_all(urls.owner)
    if redis_url is None:
        shutil.rmtree(data_dir / "redis", ignore_errors=True)  # no job left from a past run
        redis = EmbeddedRedis(data_dir / "redis")
        redis_url = redis.start()
        stack.callback(redis.stop)
    return urls.app, redis_url


def _github(stack: ExitStack, issue: Mapping[str, str]) -> tuple[GitHubSimulator, Seeded]:
    """The simulator with the sample repository and its issue, git repos in a temp dir."""
    root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="morningai-demo-")))
    sim = stack.enter_context(GitHubSimulator(root / "github"))
    installation = sim.add_installation(OWNER)
    repo = sim.create_repo(OWNER, REPO, installation_id=installation, files=sample_files())
    sim.set_permission(OWNER, REPO, REQUESTER, "write")
    number = sim.add_issue(
        OWNER, REPO, issue["title"], issue["body"], user=REQUESTER, labels=[LABEL]
    )
    seeded = Seeded(installation, repository(sim.site, repo), sim.issue(OWNER, REPO, number))
    return sim, seeded


def sample_files() -> dict[str, str]:
    """The sample repository shipped in `demo_data/repo/`, path → text."""
    return dict(_tree(DATA / "repo"))


def _tree(folder: Traversable, prefix: str = "") -> Iterator[tuple[str, str]]:
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name == "__pycache__":
            continue
        if entry.is_dir():
            yield from _tree(entry, f"{prefix}{entry.name}/")
        elif not entry.name.endswith((".pyc", ".pyo")):
            yield f"{prefix}{entry.name}", entry.read_text(encoding="utf-8")


def _model(
    stack: ExitStack, real: bool, transcript: Mapping[str, Any]
) -> tuple[str | None, str | None, str, ScriptedModelServer | None]:
    """(base URL, key, model name, the replay's server): from the environment, or the replay."""
    if real:
        model = os.environ.get("MORNINGAI_MODEL") or "gpt-4.1-mini"
        return os.environ.get("OPENAI_BASE_URL"), os.environ.get("OPENAI_API_KEY"), model, None
    server = ScriptedModelServer().start()
    stack.callback(server.stop)
    for step in transcript["replies"]:
        usage = step["usage"]
        server.expect_chat(
            step.get("reply"),
            tool_calls=step.get("tool_calls"),
            match=step["match"],
            usage=(usage["prompt_tokens"], usage["completion_tokens"]),
        )
    return server.base_url, "demo-key-not-a-secret", str(transcript["model"]), server


def _all_replies_used(server: ScriptedModelServer) -> None:
    """The recording and the product's calls must agree exactly: a reply left over or a call
    nothing answered means the demo no longer shows what the product does."""
    problems = [*server.pending(), *(f"unexpected {call}" for call in server.unexpected)]
    if problems:
        raise DemoError(f"the model calls did not match the recording: {'; '.join(problems)}")


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """No access log: the demo prints what matters itself."""


def _serve(stack: ExitStack, settings: Settings) -> str:
    """Serve the app on loopback; returns its webhook URL. Jobs in this process use `settings`."""
    ctx = context.build(settings)
    stack.callback(ctx.close)
    stack.enter_context(_installed(ctx))
    app = create_app(settings)
    stack.callback(app.extensions["morningai"].close)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    stack.callback(thread.join, 5)
    stack.callback(server.shutdown)
    return f"http://127.0.0.1:{server.server_port}/api/github/webhooks"


def _post(url: str, event: str, payload: Mapping[str, Any]) -> None:
    """Send one signed delivery, as GitHub would; the app must accept it (202)."""
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "GitHub-Hookshot/morningai-demo",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": secrets.token_hex(16),
        "X-Hub-Signature-256": sign(SECRET, body),
    }
    answer = httpx.post(url, content=body, headers=headers, timeout=30.0)
    if answer.status_code != 202:
        raise DemoError(f"the app answered the webhook with {answer.status_code}: {answer.text}")


def _deliver(url: str, seeded: Seeded, out: TextIO) -> None:
    """The requester labels the issue: a signed `issues.labeled` reaches the app."""
    _post(url, "issues", _labeled(seeded))
    issue = seeded.issue
    print(f"\n@{REQUESTER} labeled {OWNER}/{REPO}#{issue['number']} `{LABEL}`:", file=out)
    print(f"  “{issue['title']}”", file=out)
    print("The app verified the signed webhook and queued a task (202).\n", file=out, flush=True)


@contextmanager
def _installed(ctx: JobContext) -> Iterator[None]:
    """Jobs in this process use `ctx`; afterwards whatever was installed before is back."""
    # jobs.runtime.context keeps one context per process and has no uninstall: restore it by hand,
    # so nothing is left pointing at servers this demo stops
    pid = os.getpid()
    previous = context._contexts.get(pid)
    context.install(ctx)
    try:
        yield
    finally:
        if previous is None:
            context._contexts.pop(pid, None)
        else:
            context._contexts[pid] = previous


def _labeled(seeded: Seeded) -> dict[str, Any]:
    """An `issues.labeled` payload from the simulator's own issue and repository JSON."""
    issue = seeded.issue
    label = next(lbl for lbl in issue["labels"] if lbl["name"] == LABEL)
    return {
        "action": "labeled",
        "issue": issue,
        "label": label,
        "repository": seeded.repository,
        "sender": issue["user"],
        "installation": {"id": seeded.installation_id},
    }


class _StatusWatcher:
    """Prints each version of the status comment: it is edited in place as the task moves."""

    def __init__(
        self, sim: GitHubSimulator, number: int, out: TextIO, ignore: frozenset[int] = frozenset()
    ) -> None:
        self.sim, self.number, self.out, self.ignore = sim, number, out, ignore
        self.shown = 0
        self.latest = ""
        self.comment_id: int | None = None  # the first status comment not ignored
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="demo-status", daemon=True)

    def __enter__(self) -> _StatusWatcher:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(10)
        self.poll()  # whatever came after the last look

    def _loop(self) -> None:
        while not self._stop.wait(0.05):
            self.poll()

    def poll(self) -> None:
        for comment in self.sim.comments(OWNER, REPO, self.number):
            if comment["id"] in self.ignore or not str(comment["body"]).startswith(STATUS_TAG):
                continue
            if self.comment_id in (None, comment["id"]):
                self.comment_id = comment["id"]
                versions = [*comment["body_history"], comment["body"]]
                for body in versions[self.shown :]:
                    verb = "posted" if self.shown == 0 else "edited"
                    print(f"  status comment {verb}: {summary(body)}", file=self.out, flush=True)
                    self.shown += 1
                self.latest = versions[-1]


def summary(body: str) -> str:
    """One line for a version of the status comment: title, stage, detail, link and usage."""
    lines = [line.strip() for line in body.splitlines() if line.strip()]
    title = next((x for x in lines if x.startswith("**MorningAI**")), "")
    stage = next((x for x in lines if "⏳" in x or "❌" in x), "")
    stage = stage.removeprefix("- [ ] ").replace("⏳ ", "").replace("❌ ", "").strip("*")
    notes = [x for x in lines if not x.startswith(("<", "-", "**MorningAI**"))]
    usage = next((x for x in lines if x.startswith("<sub>")), "").removesuffix("</sub>")
    parts = (title.removeprefix("**MorningAI** — "), stage, *notes, usage.rpartition(" · ")[2])
    return " · ".join(part for part in parts if part)


def _work(settings: Settings, sim: GitHubSimulator, seeded: Seeded, out: TextIO) -> int:
    """Drain the queues (as `morningai worker --burst`), watching the issue; returns the id of
    the code task's status comment."""
    print("A worker runs the task; the issue's status comment, as it changes:", file=out)
    watcher = _drain(settings, sim, seeded, out, frozenset())
    print("\nThe final status comment:\n", file=out)
    print(_indent(_plain(watcher.latest)), file=out, flush=True)
    if watcher.comment_id is None:  # cannot be: a Done comment was seen
        raise DemoError("the code task's status comment was not found")
    return watcher.comment_id


def _drain(
    settings: Settings, sim: GitHubSimulator, seeded: Seeded, out: TextIO, ignore: frozenset[int]
) -> _StatusWatcher:
    """Run every queued job in this process; the task's status comment must end Done."""
    with ExitStack() as stack:
        redis = stack.enter_context(Redis.from_url(settings.require_redis_url()))
        worker = SimpleWorker([queue(redis, name) for name in QUEUE_NAMES], connection=redis)
        with _StatusWatcher(sim, seeded.issue["number"], out, ignore) as watcher:
            worker.work(burst=True, logging_level="WARNING")
    if "✅ Done" not in watcher.latest:
        reason = summary(watcher.latest) if watcher.latest else "no status comment was posted"
        raise DemoError(f"the task did not succeed: {reason}")
    return watcher


def _plain(markdown: str) -> str:
    """The comment without its hidden marker and HTML tags, as a reader sees it."""
    lines = [line for line in markdown.splitlines() if not line.startswith(STATUS_TAG)]
    text = "\n".join(lines).replace("<sub>", "").replace("</sub>", "")
    return text.replace("**", "").strip()


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" if line else "" for line in text.splitlines())


def _report(sim: GitHubSimulator, out: TextIO) -> None:
    """The pull request as a reviewer meets it: title, branch, body, then the diff."""
    pulls = sim.pulls(OWNER, REPO)
    if not pulls:
        raise DemoError("the task succeeded but no pull request was opened")
    pr = pulls[-1]
    base, head = pr["base"]["sha"], pr["head"]["sha"]
    print(f"\nPull request #{pr['number']}: {pr['title']}", file=out)
    print(f"  {pr['head']['ref']} → {pr['base']['ref']}, {pr['html_url']}\n", file=out)
    print(_indent(pr["body"]), file=out)
    git = ["git", "--git-dir", str(sim.git_dir(OWNER, REPO))]
    diff = subprocess.run(
        [*git, "diff", "--no-color", "--no-ext-diff", base, head],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    print(f"\nThe diff ({base[:7]}..{head[:7]}):\n", file=out)
    print(_indent(diff.rstrip("\n")), file=out, flush=True)


def _ask(  # noqa: PLR0917 - the demo's running parts, all required
    url: str,
    settings: Settings,
    sim: GitHubSimulator,
    seeded: Seeded,
    code_comment: int,
    out: TextIO,
) -> None:
    """The FAQ half: a question about the repository, answered in a comment with citations."""
    number = seeded.issue["number"]
    event = ask.comment_event(
        sim,
        owner=OWNER,
        repo=seeded.repository,
        issue_number=number,
        installation_id=seeded.installation_id,
        user=REQUESTER,
    )
    _post(url, "issue_comment", event)
    print(f"\n@{REQUESTER} comments on {OWNER}/{REPO}#{number}:", file=out)
    print(f"  {ask.COMMAND}", file=out)
    print("A worker answers from the repository's files; its status comment:", file=out)
    _drain(settings, sim, seeded, out, frozenset({code_comment}))
    answer = ask.answer_of(sim, OWNER, REPO, number)
    if answer is None:
        raise DemoError("the question was answered but no answer comment was posted")
    print("\nThe answer, commented on the issue:\n", file=out)
    print(_indent(ask.plain_answer(answer)), file=out, flush=True)
