"""What every agent task shares: who asked, the status comment, the repository's rules,
running a graph under its tenant's checkpointer, and the final report on GitHub."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from langchain_core.runnables import RunnableConfig
from langgraph.pregel import Pregel
from redis import Redis

from agents import prompts
from agents.code import graph as code_graph
from agents.code.context import CodeContext
from agents.code.nodes import PACKAGE, PROMPTS
from agents.code.state import CodeState
from agents.llm import estimated_cost
from agents.ports import Usage
from db import tasks, tenants
from db.tenancy import tenant_transaction
from github_app.client import WRITE_PERMISSIONS, RepoClient
from github_app.publish import default_branch, download_tarball
from jobs.runtime.checkpoints import saver_for, thread_id
from jobs.runtime.errors import Cancelled, PermanentError
from jobs.runtime.runner import TaskRun
from jobs.steps.models import chat_model
from jobs.steps.repo_config import RepoConfig, RepoConfigError, parse_repo_config
from jobs.steps.snapshot import extract_snapshot
from jobs.steps.status_comment import STAGES, Status, StatusComment

CONFIG_PATH = ".github/morningai.yml"


@dataclass(frozen=True)
class Request:
    installation_id: int
    repository: str
    number: int
    requester: str
    instructions: str


def load_request(run: TaskRun) -> Request:
    with tenant_transaction(run.ctx.db, run.task.tenant_id) as scope:
        tenant = tenants.get(scope)
    if tenant is None:
        raise PermanentError("the installation is gone")
    s = run.task.subject
    return Request(
        int(tenant["installation_id"]),
        str(s["repository"]),
        int(s["number"]),
        str(s["requested_by"]),
        str(s.get("instructions") or ""),
    )


# the status comment of each task this process is running, so the final report keeps the
# stage the task reached
# (keyed by trace id: unique per task, where ids of a fresh database repeat)
_live: dict[str, StatusComment] = {}


def status_for(
    run: TaskRun, client: RepoClient, number: int, stages: tuple[tuple[str, str], ...] = STAGES
) -> StatusComment:
    if run.task.trace_id not in _live:
        model = run.ctx.settings.morningai_model
        status = Status(run.task.id, run.task.trace_id, model=model, stages=stages)
        _live[run.task.trace_id] = StatusComment(client, number, status)
    return _live[run.task.trace_id]


PERMISSION_TTL_SECONDS = 60


def permission(client: RepoClient, user: str, cache: Redis) -> str:
    """The user's permission on the repository, remembered briefly: a burst of commands
    costs one GitHub call, and a revoked permission takes effect within a minute."""
    key = f"morningai:permission:{client.full_name}:{user.lower()}"
    cached = cache.get(key)
    if isinstance(cached, bytes):
        return cached.decode()
    found = client.permission(user)
    cache.set(key, found, ex=PERMISSION_TTL_SECONDS)
    return found


@contextmanager
def checkout(client: RepoClient, sha: str) -> Iterator[Path]:
    """The files of commit `sha`, extracted safely into a temporary directory for the block."""
    with tempfile.TemporaryDirectory(prefix="morningai-task-") as tmp:
        yield extract_snapshot(download_tarball(client, sha), Path(tmp) / "repo").root


def with_repo(run: TaskRun, act: Callable[[TaskRun, Request, RepoClient], str]) -> str:
    """Load the request and run `act` with one GitHub client held open for the whole job."""
    req = load_request(run)
    with run.ctx.repo(req.installation_id, req.repository) as client:
        return act(run, req, client)


def require_writer(client: RepoClient, req: Request, cache: Redis) -> None:
    """Only people with write access may ask; others get one polite answer."""
    if permission(client, req.requester, cache) not in WRITE_PERMISSIONS:
        client.create_comment(
            req.number,
            f"@{req.requester} MorningAI takes requests only "
            "from people with write access to this repository.",
        )
        raise Cancelled(f"@{req.requester} lacks write access")


def load_config(client: RepoClient) -> RepoConfig:
    default = default_branch(client)
    try:
        return parse_repo_config(client.file_text(CONFIG_PATH, default))
    except RepoConfigError as exc:
        raise PermanentError(f"`{CONFIG_PATH}` is invalid: {exc}") from exc


def remember(run: TaskRun, **columns: Any) -> None:
    with tenant_transaction(run.ctx.db, run.task.tenant_id) as scope:
        tasks.record_results(scope, run.task.id, **columns)


def run_graph(
    run: TaskRun, status: StatusComment, config: RepoConfig, root: Path, request: CodeState
) -> CodeState:
    settings = run.ctx.settings
    context = CodeContext(
        model=chat_model(settings),
        progress=status,
        repo_root=root,
        repository=status.client.full_name,
        forbidden_paths=config.forbidden_paths,
        max_attempts=config.max_attempts,
        token_budget=config.token_budget,
        test_command=config.test_command,
        test_timeout_seconds=config.test_timeout_seconds,
    )
    remember(run, model=settings.morningai_model, prompt_hash=prompts.prompt_hash(PACKAGE, PROMPTS))
    with saver_for(settings.require_database_url(), run.task.tenant_id) as saver:
        result = invoke_once(run, code_graph.build(saver), dict(request), context)
    return cast(CodeState, result)


def invoke_once(
    run: TaskRun, graph: Pregel[Any, Any, Any, Any], request: dict[str, Any], context: Any
) -> dict[str, Any]:
    """Run the task's graph on its checkpointed thread, paying no model call twice.

    A rerun after a crash resumes from the last completed step; a rerun after the graph had
    finished (and publishing then failed, e.g. GitHub answered 502) takes the saved result.
    """
    thread: RunnableConfig = {
        "configurable": {"thread_id": thread_id(run.task.tenant_id, run.task.id)}
    }
    saved = graph.get_state(thread)
    if saved.values and not saved.next:
        run.event("resumed", "the graph finished in an earlier run; publishing its result")
        return dict(saved.values)
    resume = bool(saved.next)
    if resume:
        run.event("resumed", "resuming the graph from its last checkpoint")
    return dict(graph.invoke(None if resume else request, thread, context=context))


def record_spend(run: TaskRun, state: Mapping[str, Any]) -> tuple[Usage, float | None]:
    """Store the tokens a graph used and their estimated price on the task."""
    usage = Usage(state.get("prompt_tokens", 0), state.get("completion_tokens", 0))
    cost = estimated_cost(run.ctx.settings.morningai_model, usage)
    remember(
        run,
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=usage.completion_tokens,
        cost_usd=cost or 0,
    )
    return usage, cost


def describe_spend(usage: Usage, cost: float | None) -> str:
    return f"{usage.total:,} tokens ({'unknown price' if cost is None else f'~${cost:.4f}'})"


def record_usage(run: TaskRun, status: StatusComment, state: Mapping[str, Any]) -> tuple[int, str]:
    usage, cost = record_spend(run, state)
    status.set(tokens=usage.total, cost_usd=cost)
    return usage.total, ("unknown price" if cost is None else f"~${cost:.4f}")


def executable(path: Path) -> bool:
    """Keep a script's executable bit: the tree entry's mode is ours to give."""
    return path.is_file() and bool(path.stat().st_mode & 0o111)


def forget_status(run: TaskRun) -> None:
    _live.pop(run.task.trace_id, None)


def report(run: TaskRun, state: str, reason: str, *, done: str | None = None) -> None:
    """Leave the status comment in its final state, whatever ended the task; `done` replaces
    the code task's closing words (other kinds set their own detail as they go)."""
    if state == "cancelled":
        return  # the requester was already answered
    req = load_request(run)
    client = run.ctx.repo(req.installation_id, req.repository)
    with tenant_transaction(run.ctx.db, run.task.tenant_id) as scope:
        task = tasks.get(scope, run.task.id)
    status = status_for(run, client, req.number)
    if state == "retrying":  # not final: the same comment goes on when the task resumes
        status.update(detail=f"Paused: {reason}.")
        return
    _live.pop(run.task.trace_id, None)
    changes: dict[str, Any] = {"final": state}
    if task is not None:
        changes.update(link=task.pr_url, tokens=task.prompt_tokens + task.completion_tokens)
    if state == "failed":
        changes["detail"] = f"I could not finish: {reason}."
    else:
        changes["stage"] = "publishing"
        if done != "":  # "": keep the detail the task left
            changes["detail"] = done or "The pull request is ready for review."
    status.update(**changes)
