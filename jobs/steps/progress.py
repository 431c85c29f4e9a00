"""What a task tells people as it goes — its stage, a detail, a link, what it spent — sent to
every sink of the run (the status comment, live views). Also the graphs' progress port."""

from __future__ import annotations

from agents.llm import estimated_cost
from agents.ports import Usage
from jobs.runtime.runner import TaskRun


class TaskProgress:
    def __init__(self, run: TaskRun) -> None:
        self.run = run
        self.model = run.ctx.settings.morningai_model

    def update(
        self, *, stage: str | None = None, detail: str = "", link: str | None = None
    ) -> None:
        """Show a change now."""
        self.run.emit("progress", detail, stage=stage, link=link)

    def set(
        self, *, link: str | None = None, tokens: int | None = None, cost_usd: float | None = None
    ) -> None:
        """A change shown with the next update."""
        self.run.emit("progress", link=link, tokens=tokens, cost_usd=cost_usd, quiet=True)

    def stage(self, name: str, detail: str) -> None:
        """The graphs' progress port: one update per step."""
        self.update(stage=name, detail=detail)

    def spent(self, usage: Usage) -> None:
        """The graphs' progress port: tokens so far, shown with the next update."""
        self.set(tokens=usage.total, cost_usd=estimated_cost(self.model, usage))
