"""Job entry point for `code` tasks: issue → pull request.

The composition root: builds the adapters (GitHub, the model, the checkpointer), runs the
code graph on a snapshot of the base commit, and publishes the result. Every path ends with
the status comment in a final state that says what happened.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from langchain_core.runnables import RunnableConfig

from agents import prompts
from agents.code import graph as code_graph
from agents.code.context import CodeContext
from agents.code.nodes import PACKAGE, PROMPTS
from agents.code.state import CodeState
from agents.llm import OpenAIChatModel, estimated_cost
from agents.ports import Usage
from db import tasks, tenants
from db.tenancy import tenant_transaction
from github_app.client import WRITE_PERMISSIONS, RepoClient
from github_app.publish import (
    FileChange,
    branch_sha,
    commit,
    default_branch,
    download_tarball,
    open_pull_request,
    point_branch,
    request_review,
)
from jobs import pull_request
from jobs.checkpoints import saver_for, thread_id
from jobs.errors import Cancelled, PermanentError
from jobs.repo_config import RepoConfig, RepoConfigError, parse_repo_config
from jobs.runner import TaskRun, run_task
from jobs.snapshot import extract_snapshot
from jobs.status_comment import Status, StatusComment

CONFIG_PATH = ".github/morningai.yml"


def run(task_id: int) -> None:
    """RQ entry point: the argument is the task id, nothing else."""
    run_task(task_id, _work, _report)


@dataclass(frozen=True)
class Request:
    installation_id: int
    repository: str
    number: int
    requester: str
    instructions: str


def _request(run: TaskRun) -> Request:
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
_live: dict[int, StatusComment] = {}


def _status(run: TaskRun, client: RepoClient, number: int) -> StatusComment:
    if run.task.id not in _live:
        model = run.ctx.settings.morningai_model
        status = Status(run.task.id, run.task.trace_id, model=model)
        _live[run.task.id] = StatusComment(client, number, status)
    return _live[run.task.id]


def _work(run: TaskRun) -> str:
    req = _request(run)
    client = run.ctx.repo(req.installation_id, req.repository)
    permission = client.permission(req.requester)
    if permission not in WRITE_PERMISSIONS:
        client.create_comment(
            req.number,
            f"@{req.requester} MorningAI takes requests only "
            "from people with write access to this repository.",
        )
        raise Cancelled(f"@{req.requester} lacks write access")
    client.react(req.number, "eyes")
    status = _status(run, client, req.number)
    status.update(stage="reading", detail="Reading the repository.")
    run.event("acknowledged", f"acknowledged #{req.number} for @{req.requester}")
    config = _config(client)
    base = config.base_branch or default_branch(client)
    # a resumed run keeps the base it started from, so its checkpoint still applies
    base_sha = run.task.base_sha or branch_sha(client, base)
    if base_sha is None:
        raise PermanentError(f"the base branch `{base}` does not exist")
    _remember(run, base_sha=base_sha)
    issue = client.issue(req.number)
    if issue.state != "open" or issue.locked:
        raise Cancelled(f"issue #{req.number} is {'locked' if issue.locked else issue.state}")
    with tempfile.TemporaryDirectory(prefix="morningai-task-") as tmp:
        snapshot = extract_snapshot(download_tarball(client, base_sha), Path(tmp) / "repo")
        state = _run_graph(
            run,
            status,
            config,
            snapshot.root,
            {
                "issue_number": req.number,
                "issue_title": issue.title,
                "issue_body": issue.body,
                "instructions": req.instructions,
            },
        )
        return _publish(run, client, status, config, req, base, base_sha, snapshot.root, state)


def _config(client: RepoClient) -> RepoConfig:
    default = default_branch(client)
    try:
        return parse_repo_config(client.file_text(CONFIG_PATH, default))
    except RepoConfigError as exc:
        raise PermanentError(f"`{CONFIG_PATH}` is invalid: {exc}") from exc


def _remember(run: TaskRun, **columns: Any) -> None:
    with tenant_transaction(run.ctx.db, run.task.tenant_id) as scope:
        tasks.record_results(scope, run.task.id, **columns)


def _run_graph(
    run: TaskRun, status: StatusComment, config: RepoConfig, root: Path, request: CodeState
) -> CodeState:
    settings = run.ctx.settings
    api_key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    model = OpenAIChatModel.connect(settings.morningai_model, api_key, settings.openai_base_url)
    context = CodeContext(
        model=model,
        progress=status,
        repo_root=root,
        repository=status.client.full_name,
        forbidden_paths=config.forbidden_paths,
        max_attempts=config.max_attempts,
        token_budget=config.token_budget,
        test_command=config.test_command,
        test_timeout_seconds=config.test_timeout_seconds,
    )
    _remember(
        run, model=settings.morningai_model, prompt_hash=prompts.prompt_hash(PACKAGE, PROMPTS)
    )
    thread: RunnableConfig = {
        "configurable": {"thread_id": thread_id(run.task.tenant_id, run.task.id)}
    }
    with saver_for(settings.require_database_url(), run.task.tenant_id) as saver:
        graph = code_graph.build(saver)
        # a rerun after a crash resumes from the last completed step, paying no model call twice
        resume = bool(graph.get_state(thread).next)
        if resume:
            run.event("resumed", "resuming the graph from its last checkpoint")
        result = graph.invoke(None if resume else request, thread, context=context)
    return cast(CodeState, result)


def _usage(run: TaskRun, status: StatusComment, state: CodeState) -> tuple[int, str]:
    usage = Usage(state.get("prompt_tokens", 0), state.get("completion_tokens", 0))
    model = run.ctx.settings.morningai_model
    cost = estimated_cost(model, usage)
    _remember(
        run,
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=usage.completion_tokens,
        cost_usd=cost or 0,
    )
    status.set(tokens=usage.total, cost_usd=cost)
    return usage.total, ("unknown price" if cost is None else f"~${cost:.4f}")


def _publish(
    run: TaskRun,
    client: RepoClient,
    status: StatusComment,
    config: RepoConfig,
    req: Request,
    base: str,
    base_sha: str,
    root: Path,
    state: CodeState,
) -> str:
    tokens, cost = _usage(run, status, state)
    if state.get("outcome") != "ready":
        raise PermanentError(state.get("reason") or "the agent produced no change")
    status.update(stage="publishing", detail="Opening the pull request.")
    contents = state.get("new_contents", {})
    text = pull_request.render(
        issue_number=req.number,
        title=state.get("title", ""),
        plan=state.get("plan", ""),
        new_contents=contents,
        existing_paths={p for p in contents if (root / p).is_file()},
        checks=state.get("checks", []),
        test_command=config.test_command,
        draft_configured=config.draft,
        trace_id=run.task.trace_id,
        model=run.ctx.settings.morningai_model,
        tokens=tokens,
        cost=cost,
    )
    changes = [FileChange(p, c, _executable(root / p)) for p, c in sorted(contents.items())]
    sha = commit(client, base_sha, changes, f"{text.title}\n\nFixes #{req.number}")
    branch = pull_request.branch_name(req.number)
    point_branch(client, branch, sha)
    pr = open_pull_request(
        client, head=branch, base=base, title=text.title, body=text.body, draft=text.draft
    )
    request_review(client, pr.number, req.requester)
    _remember(run, branch=branch, pr_number=pr.number, pr_url=pr.url)
    if base != default_branch(client):
        client.create_comment(
            req.number,
            f"Opened {pr.url} against `{base}`; it will not "
            "close this issue by itself when merged.",
        )
    status.update(link=pr.url)
    return f"opened #{pr.number}" if pr.created else f"updated #{pr.number}"


def _executable(path: Path) -> bool:
    """Keep a script's executable bit: the tree entry's mode is ours to give."""
    return path.is_file() and bool(path.stat().st_mode & 0o111)


def _report(run: TaskRun, state: str, reason: str) -> None:
    """Leave the status comment in its final state, whatever ended the task."""
    if state == "cancelled":
        return  # the requester was already answered
    req = _request(run)
    client = run.ctx.repo(req.installation_id, req.repository)
    with tenant_transaction(run.ctx.db, run.task.tenant_id) as scope:
        task = tasks.get(scope, run.task.id)
    status = _status(run, client, req.number)
    _live.pop(run.task.id, None)
    changes: dict[str, Any] = {"final": state}
    if task is not None:
        changes.update(link=task.pr_url, tokens=task.prompt_tokens + task.completion_tokens)
    if state == "failed":
        changes["detail"] = f"I could not finish: {reason}."
    else:
        changes.update(stage="publishing", detail="The pull request is ready for review.")
    status.update(**changes)
