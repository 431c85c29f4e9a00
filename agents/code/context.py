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
