"""What the code graph is handed at run time: the model, the snapshot, the repository's rules."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from agents.ports import ChatModel, Progress


@dataclass(frozen=True)
class CodeContext:
    model: ChatModel
    progress: Progress
    repo_root: Path  # the pristine snapshot of the base commit; never modified
    repository: str
    forbidden_paths: tuple[str, ...] = ()
    max_attempts: int = 3
    token_budget: int = 200_000
    test_command: str | None = None
    test_timeout_seconds: int = 600
    top_files: int = 8
    max_context_chars: int = 60_000
    max_output_tokens: int = 8_000
    # looking around before planning: model calls with tools, and their share of token_budget
    explore_steps: int = 12
    explore_budget_percent: int = 30
    max_tool_chars: int = 12_000  # one tool result, as the model sees it
    max_opened_chars: int = 40_000  # files opened while exploring, added to the edit's context
    # a test that shows the issue before the fix, unless this says why not; kept in the change
    # only when `keep_reproduction`
    no_reproduction: str | None = None
    reproduce_tries: int = 2  # tests written at most, while each passes on the base
    keep_reproduction: bool = False
    sandbox_mode: str = "auto"  # agents.code.sandbox: "auto", "bubblewrap" or "process"
    sandbox_paths: tuple[str, ...] = ()  # host toolchains runs may read (sandbox_plan.shared_paths)
