"""What code and revise tasks share: the code graph run on a commit's files, and its change
committed onto a branch — one path from a request to a pushed commit."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from agents.code import graph as code_graph
from agents.code.context import CodeContext
from agents.code.model_calls import PACKAGE, PROMPTS
from agents.code.sandbox_plan import shared_paths
from agents.code.state import CheckResult, CodeState, Reproduction, SuiteResult
from agents.code.validate import kept_test
from agents.ports import Progress
from core.repo_config import RepoConfig
from core.settings import Settings
from github_app.client import RepoClient
from github_app.publish import FileChange, commit, point_branch
from jobs.runtime.errors import PermanentError
from jobs.runtime.runner import TaskRun
from jobs.steps.checkout import checkout, executable
from jobs.steps.graph_run import run_graph
from jobs.steps.models import chat_model
from jobs.steps.progress import TaskProgress
from jobs.steps.results import Spend, record_spend

# what one task keeps of its change in its timeline (task_events.data)
MAX_DIFF_CHARS = 200_000
MAX_CHECK_DETAIL = 4_000


@dataclass(frozen=True)
class Change:
    """A finished graph's change: the files, which of them existed, and what it cost."""

    title: str
    plan: str
    files: tuple[FileChange, ...]
    existing: frozenset[str]
    checks: Sequence[CheckResult]
    spend: Spend
    reproduction: Reproduction
    suite: SuiteResult
    kept_reproduction: bool  # the reproduction test is one of `files`


def solve(
    run: TaskRun,
    client: RepoClient,
    progress: TaskProgress,
    *,
    config: RepoConfig,
    sha: str,
    request: CodeState,
    reproduce: bool = True,
) -> Change:
    """Run the code graph on commit `sha`; the change it made, or why there is none. A
    reproduction test is written first when `reproduce` (an issue; not a review or failing
    checks, whose own words and tests are the measure) and the repository's config allow."""
    with checkout(client, sha) as root:
        context = code_context(
            run.ctx.settings, progress, root, client.full_name, config, reproduce=reproduce
        )
        state = cast(
            CodeState,
            run_graph(run, code_graph.build, dict(request), context, (PACKAGE, PROMPTS)),
        )
        spend = record_spend(run, progress, state)
        if state.get("outcome") != "ready":
            raise PermanentError(state.get("reason") or "the agent produced no change")
        kept = kept_test(context, state.get("reproduction", {}))
        contents = {**state.get("new_contents", {}), **kept}
        checks = state.get("checks", [])
        run.record(
            "change",
            f"{len(contents)} file(s) changed",
            diff=unified_diff(root, contents),
            checks=[
                {**c, "detail": c["detail"][-MAX_CHECK_DETAIL:]}
                for c in [*reproduction_checks(state.get("reproduction", {})), *checks]
            ],
        )
        return Change(
            title=state.get("title", ""),
            plan=state.get("plan", ""),
            files=tuple(
                FileChange(p, c, executable(root / p)) for p, c in sorted(contents.items())
            ),
            existing=frozenset(p for p in contents if (root / p).is_file()),
            checks=checks,
            spend=spend,
            reproduction=state.get("reproduction", {}),
            suite=state.get("suite", {}),
            kept_reproduction=bool(kept),
        )


def reproduction_checks(reproduction: Reproduction) -> list[CheckResult]:
    """The reproduction test's runs as the dashboard's checks: failing before the change and
    passing after are both what they should be."""
    path = reproduction.get("path")
    runs = (
        ("fails before the change", reproduction.get("before"), "failed"),
        ("passes after the change", reproduction.get("after"), "passed"),
    )
    return [
        CheckResult(
            name=f"reproduction `{path}` {what}",
            ok=run["status"] == expected,
            ran=run["status"] != "not_run",
            detail=f"{run['status']} ({run['reason']})",
        )
        for what, run, expected in runs
        if run is not None
    ]


def unified_diff(root: Path, contents: Mapping[str, str | None]) -> str:
    """The change as one unified diff (None: a deleted file), cut at MAX_DIFF_CHARS — what the
    dashboard shows beside the task; the pull request holds the whole of it."""
    parts: list[str] = []
    for path, new in sorted(contents.items()):
        old_file = root / path
        old = old_file.read_text(encoding="utf-8", errors="replace") if old_file.is_file() else ""
        before = f"a/{path}" if old_file.is_file() else "/dev/null"
        after = f"b/{path}" if new is not None else "/dev/null"
        parts.append(f"diff --git a/{path} b/{path}\n")
        lines = difflib.unified_diff(
            old.splitlines(keepends=True), (new or "").splitlines(keepends=True), before, after
        )
        for line in lines:
            parts.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    text = "".join(parts)
    if len(text) > MAX_DIFF_CHARS:
        return text[:MAX_DIFF_CHARS] + "\n… (cut: the pull request has the whole diff)\n"
    return text


def code_context(
    settings: Settings,
    progress: Progress,
    root: Path,
    repository: str,
    config: RepoConfig,
    *,
    reproduce: bool = True,
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
        explore_steps=config.explore.max_steps,
        explore_budget_percent=config.explore.budget_percent,
        no_reproduction=(
            None
            if reproduce and config.reproduce.enabled
            else "this task revises a pull request, measured by its review or checks"
            if not reproduce
            else "`reproduce.enabled` is false in `.github/morningai.yml`"
        ),
        keep_reproduction=config.reproduce.keep,
        sandbox_mode=settings.morningai_sandbox,
        sandbox_paths=shared_paths(settings.morningai_sandbox_paths)[0],
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
