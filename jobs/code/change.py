"""What code and revise tasks share: the code graph run on a commit's files, and its change
committed onto a branch — one path from a request to a pushed commit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from agents.code import graph as code_graph
from agents.code.context import CodeContext
from agents.code.nodes import PACKAGE, PROMPTS
from agents.code.state import CheckResult, CodeState
from agents.ports import Progress
from core.settings import Settings
from github_app.client import RepoClient
from github_app.publish import FileChange, commit, point_branch
from jobs.runtime.errors import PermanentError
from jobs.runtime.runner import TaskRun
from jobs.steps.checkout import checkout, executable
from jobs.steps.graph_run import run_graph
from jobs.steps.models import chat_model
from jobs.steps.progress import TaskProgress
from jobs.steps.repo_config import RepoConfig
from jobs.steps.results import Spend, record_spend


@dataclass(frozen=True)
class Change:
    """A finished graph's change: the files, which of them existed, and what it cost."""

    title: str
    plan: str
    files: tuple[FileChange, ...]
    existing: frozenset[str]
    checks: Sequence[CheckResult]
    spend: Spend


def solve(
    run: TaskRun,
    client: RepoClient,
    progress: TaskProgress,
    *,
    config: RepoConfig,
    sha: str,
    request: CodeState,
) -> Change:
    """Run the code graph on commit `sha`; the change it made, or why there is none."""
    with checkout(client, sha) as root:
        context = code_context(run.ctx.settings, progress, root, client.full_name, config)
        state = cast(
            CodeState,
            run_graph(run, code_graph.build, dict(request), context, (PACKAGE, PROMPTS)),
        )
        spend = record_spend(run, progress, state)
        if state.get("outcome") != "ready":
            raise PermanentError(state.get("reason") or "the agent produced no change")
        contents = state.get("new_contents", {})
        return Change(
            title=state.get("title", ""),
            plan=state.get("plan", ""),
            files=tuple(
                FileChange(p, c, executable(root / p)) for p, c in sorted(contents.items())
            ),
            existing=frozenset(p for p in contents if (root / p).is_file()),
            checks=state.get("checks", []),
            spend=spend,
        )


def code_context(
    settings: Settings, progress: Progress, root: Path, repository: str, config: RepoConfig
) -> CodeContext:
    """What the code graph needs to work on the files under `root`, within the repository's
    rules (`.github/morningai.yml`): a task's checkout, or `morningai solve`'s working copy."""
    return CodeContext(
        model=chat_model(settings),
        progress=progress,
        repo_root=root,
        repository=repository,
        forbidden_paths=config.forbidden_paths,
        max_attempts=config.max_attempts,
        token_budget=config.token_budget,
        test_command=config.test_command,
        test_timeout_seconds=config.test_timeout_seconds,
    )


def issue_request(number: int, title: str, body: str, instructions: str) -> CodeState:
    """What the graph is asked: an issue (or a pull request to revise) and the asker's words."""
    return {
        "issue_number": number,
        "issue_title": title,
        "issue_body": body,
        "instructions": instructions,
    }


def push(client: RepoClient, change: Change, *, parent: str, branch: str, message: str) -> str:
    """Commit the change on top of `parent` and point `branch` (ours) at it; the new sha."""
    sha = commit(client, parent, change.files, message)
    point_branch(client, branch, sha)
    return sha
