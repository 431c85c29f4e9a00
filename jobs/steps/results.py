"""What a task records on its row as it goes: results, the model it used, what it spent."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agents.ports import Usage
from db import tasks
from db.tenancy import tenant_transaction
from jobs.runtime.runner import TaskRun
from jobs.steps.progress import TaskProgress


def remember(run: TaskRun, **columns: Any) -> None:
    with tenant_transaction(run.ctx.db, run.task.tenant_id) as scope:
        tasks.record_results(scope, run.task.id, **columns)


def remember_pull(
    run: TaskRun, number: int, url: str, *, opened: bool, branch: str | None = None
) -> None:
    """The pull request the task opened (`opened`) or found open: its tasks follow it from
    here (the `pull_request` webhook records it merged, closed or reopened)."""
    with tenant_transaction(run.ctx.db, run.task.tenant_id) as scope:
        tasks.record_pull_request(
            scope, run.task.id, number=number, url=url, opened=opened, branch=branch
        )


@dataclass(frozen=True)
class Spend:
    usage: Usage
    cost_usd: float | None

    @property
    def tokens(self) -> int:
        return self.usage.total

    @property
    def price(self) -> str:
        return "unknown price" if self.cost_usd is None else f"~${self.cost_usd:.4f}"

    def __str__(self) -> str:
        return f"{self.tokens:,} tokens ({self.price})"


def record_spend(run: TaskRun, progress: TaskProgress, state: Mapping[str, Any]) -> Spend:
    """Store the tokens a graph used and their estimated price on the task, and show them."""
    usage = Usage(state.get("prompt_tokens", 0), state.get("completion_tokens", 0))
    cost = progress.cost(usage)
    remember(
        run,
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=usage.completion_tokens,
        cost_usd=cost or 0,
    )
    progress.set(tokens=usage.total, cost_usd=cost)
    return Spend(usage, cost)
