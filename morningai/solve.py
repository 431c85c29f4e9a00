"""`morningai solve --repo DIR "issue text"`: the code graph on a local git checkout.

Same graph and settings as the app; the result becomes one commit on a new branch (the
checkout's current branch is left as it was), or is printed as a diff with `--diff`.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO, cast

from agents.code import graph as code_graph
from agents.code.context import CodeContext
from agents.code.state import CodeState
from agents.ports import Usage
from core.repo_config import RepoConfigError, parse_repo_config
from core.settings import Settings
from core.task_kinds import BRANCH_PREFIX
from jobs.code.change import code_context
from jobs.steps.rules import CONFIG_PATH
from morningai.preflight import cli_chat_model, require_checkout


class SolveError(RuntimeError):
    """Why no change was made, in words for the person at the terminal."""


@dataclass
class PrintProgress:
    out: TextIO

    def stage(self, name: str, detail: str) -> None:
        print(f"[{name}] {detail}", file=self.out)

    def spent(self, usage: Usage) -> None:
        print(f"[tokens] {usage.total:,} so far", file=self.out)

    def note(self, kind: str, message: str, **data: object) -> None:
        print(f"[{kind}] {message}", file=self.out)


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SolveError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def _context(repo: Path, settings: Settings, out: TextIO) -> CodeContext:
    config_file = repo / CONFIG_PATH
    try:
        config = parse_repo_config(config_file.read_text() if config_file.exists() else None)
    except RepoConfigError as exc:
        raise SolveError(str(exc)) from exc
    context = code_context(settings, PrintProgress(out), repo, repo.name, config)
    return replace(context, model=cli_chat_model(settings))  # short timeout, one retry


def solve(
    repo: Path,
    issue: str,
    *,
    diff_only: bool = False,
    settings: Settings | None = None,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
) -> str:
    """Run the graph; return the new branch's name (or the diff with `diff_only`)."""
    require_checkout(repo)
    repo = repo.resolve()
    if not diff_only and _git(repo, "status", "--porcelain").strip():
        raise SolveError("the checkout has uncommitted changes; commit or stash them first")
    settings = settings or Settings()
    cli_chat_model(settings)  # no model configured: say so before reading anything
    title, _, body = issue.strip().partition("\n")
    request: CodeState = {
        "issue_number": 0,
        "issue_title": title,
        "issue_body": body,
        "instructions": "",
    }
    ctx = _context(repo, settings, err)
    state = cast(CodeState, code_graph.build().invoke(request, context=ctx))
    if state.get("outcome") != "ready":
        raise SolveError(state.get("reason") or "the agent produced no change")
    if diff_only:
        print(state.get("diff", ""), file=out, end="")
        return state.get("diff", "")
    return _commit(repo, state)


def _commit(repo: Path, state: CodeState) -> str:
    title = state.get("title") or "MorningAI change"
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:40] or "change"
    branch = f"{BRANCH_PREFIX}solve-{slug}"
    _git(repo, "switch", "-c", branch)
    for rel, content in state.get("new_contents", {}).items():
        target = repo / rel
        if content is None:
            _git(repo, "rm", "-q", "--", rel)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
        _git(repo, "add", "--", rel)
    _git(repo, "commit", "-q", "-m", f"{title}\n\n{state.get('plan', '')}".strip())
    return branch
