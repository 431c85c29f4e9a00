"""The installation's monthly budget around one task: refused at once when it is used up, an
estimate before anything is spent, a warning from 80 %, and a stop between the graph's steps
once the task's own spend takes the month past 100 %."""

from __future__ import annotations

from datetime import UTC, datetime

from agents.code.context import CodeContext
from agents.llm import estimated_cost
from agents.ports import Usage
from core import budget as words
from core.budget import Spent, estimate_tokens, month_start
from core.repo_config import BudgetConfig
from db.reads.usage import month_to_date
from db.tenancy import tenant_transaction
from jobs.runtime.errors import PermanentError
from jobs.runtime.runner import TaskRun
from jobs.steps.progress import TaskProgress
from jobs.steps.results import remember

# what each call of the code graph sends besides the request: its prompts, and at most this
# much of the repository's files
PROMPT_CHARS = 4_000
CONTEXT_CHARS = CodeContext.max_context_chars


def guard(run: TaskRun, progress: TaskProgress, config: BudgetConfig, asked: str) -> Budget:
    """Before a code task spends anything: refuse it when the month is used up, show its
    estimate (the request `asked`, the prompts and the code it may send), warn from 80 %, and
    check again before each step of its graph."""
    budget = Budget(run, progress, config)
    budget.start(len(asked) + PROMPT_CHARS + CONTEXT_CHARS)
    return budget


class Budget:
    """One task's view of its installation's month: what the other tasks spent, and its own."""

    def __init__(self, run: TaskRun, progress: TaskProgress, config: BudgetConfig) -> None:
        self.run = run
        self.progress = progress
        self.config = config
        self.now = datetime.now(UTC)
        with tenant_transaction(run.ctx.db, run.task.tenant_id) as scope:
            used = month_to_date(scope, month_start(self.now), excluding=run.task.id)
        self.before = Spent(used.tokens, float(used.cost_usd))
        self._warned = False
        progress.cost = self.price

    def price(self, usage: Usage) -> float | None:
        """Dollars for `usage`: the organisation's price when it sets one, else the table's."""
        given = (self.config.input_usd_per_million, self.config.output_usd_per_million)
        if given[0] is None and given[1] is None:
            return estimated_cost(self.progress.model, usage)
        per_input, per_output = (p or 0.0 for p in given)
        return (usage.prompt_tokens * per_input + usage.completion_tokens * per_output) / 1e6

    def spent(self, usage: Usage) -> Spent:
        """The month so far with `usage` of this task on top."""
        return Spent(self.before.tokens + usage.total, self.before.usd + (self.price(usage) or 0))

    def start(self, prompt_chars: int) -> None:
        """Before any model call: refuse when the month is used up; else show the estimate (from
        the `prompt_chars` each call will send) and, from 80 %, the warning; then check before
        each of the graph's steps."""
        self._check(self.before, "")
        prompt, completion = estimate_tokens(prompt_chars)
        usage = Usage(prompt, completion)
        cost = self.price(usage)
        price = "unknown price" if cost is None else f"~${cost:.4f}"
        estimate = (
            f"up to ~{usage.total:,} tokens ({price}) for a plan and one edit"
            " (more when it looks around or reproduces the issue)"
        )
        self.run.emit("progress", quiet=True, data={"estimate": estimate})
        self.run.event("estimate", estimate, tokens=usage.total, cost_usd=cost)
        self._warn(self.before)
        self.progress.before_step = self.before_step

    def before_step(self, stage: str) -> None:
        """The graph's next step: stop here when the month is used up."""
        usage = self.progress.usage
        now = self.spent(usage)
        if self._share(now) >= 1:
            # the task ends here without reaching record_spend: what it spent counts
            cost = self.price(usage)
            remember(
                self.run,
                prompt_tokens=usage.prompt_tokens,
                completion_tokens=usage.completion_tokens,
                cost_usd=cost or 0,
            )
            self.progress.set(tokens=usage.total, cost_usd=cost)
        self._check(now, f"stopped before {stage}: ")
        self._warn(now)

    def _share(self, spent: Spent) -> float:
        return words.share_used(self.config, spent) or 0.0

    def _check(self, spent: Spent, prefix: str) -> None:
        if self._share(spent) >= 1:
            raise PermanentError(prefix + words.exhausted(self.config, spent, self.now))

    def _warn(self, spent: Spent) -> None:
        notice = words.warning(self.config, spent, self.now)
        if notice is not None and not self._warned:
            self._warned = True
            self.run.emit("progress", quiet=True, data={"budget_notice": notice})
