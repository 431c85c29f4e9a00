"""Job entry point for `chat_ask` tasks (being written)."""

from __future__ import annotations

from jobs.runtime.errors import PermanentError
from jobs.runtime.runner import TaskRun, run_task


def run(task_id: int) -> None:
    """RQ entry point: the argument is the task id, nothing else."""
    run_task(task_id, _act)


def _act(run: TaskRun) -> str:
    raise PermanentError("answers in chat are not built yet")
