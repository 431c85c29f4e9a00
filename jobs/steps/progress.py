"""What a task tells people as it goes — its stage, a detail, a link, what it spent — sent to
every sink of the run (the status comment, live views). Also the graphs' progress port."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from agents.llm import estimated_cost
from agents.ports import Usage
from jobs.runtime.runner import TaskRun


class TaskProgress:
    def __init__(self, run: TaskRun) -> None:
        self.run = run
        self.model = run.ctx.settings.morningai_model
        self._stage: str | None = None
        # the price of a usage: the built-in table, or the organisation's (jobs.steps.budget)
        self.cost: Callable[[Usage], float | None] = partial(estimated_cost, self.model)
        # asked before each step of a graph; raising stops the task there (the budget does)
        self.before_step: Callable[[str], None] | None = None
        self.usage = Usage()  # what the graph has spent so far

    def update(
        self, *, stage: str | None = None, detail: str = "", link: str | None = None
    ) -> None:
        """Show a change now. A new stage is also recorded, so the task's stored timeline (the
        dashboard, a stream resumed after a disconnect) has every step the status comment had."""
        if stage is not None:
            self._stage = stage
            self.run.record("stage", detail, stage=stage, link=link)
        self.run.emit("progress", detail, stage=stage, link=link)

    def set(
        self, *, link: str | None = None, tokens: int | None = None, cost_usd: float | None = None
    ) -> None:
        """A change shown with the next update."""
        self.run.emit("progress", link=link, tokens=tokens, cost_usd=cost_usd, quiet=True)

    def stage(self, name: str, detail: str) -> None:
        """The graphs' progress port: one update per step."""
        if self.before_step is not None:
            self.before_step(name)
        self.update(stage=name, detail=detail)

    def note(self, kind: str, message: str, **data: object) -> None:
        """The graphs' progress port: one thing done (a tool call, a sandboxed run), recorded in
        the task's timeline."""
        self.run.record(kind, message, stage=self._stage, **data)

    def spent(self, usage: Usage) -> None:
        """The graphs' progress port: tokens so far (after each model call), shown with the next
        update and recorded, so the dashboard lists the calls (each one the difference between
        two records) and the stage that made them."""
        self.usage = usage
        cost = self.cost(usage)
        self.run.record(
            "model",
            f"{usage.total} tokens so far",
            model=self.model,
            stage=self._stage,
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            cost_usd=cost,
        )
        self.set(tokens=usage.total, cost_usd=cost)
