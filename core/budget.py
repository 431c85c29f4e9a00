"""An installation's monthly budget: the month it counts, how much of it is used, what a task
is estimated to cost, and the words people read about it — pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from core.repo_config import BudgetConfig

WARN_AT = 0.8  # the share of the budget from which status comments warn
CHARS_PER_TOKEN = 4  # the usual rule of thumb for English text and code
CALLS_ESTIMATED = 2  # a plan and one edit: what a task that works first time asks
OUTPUT_TOKENS_ESTIMATED = 1_000  # per call


def month_start(now: datetime) -> datetime:
    """The first instant of `now`'s calendar month, UTC: where the budget's month begins."""
    return now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def next_reset(now: datetime) -> datetime:
    """The first instant of the next month, UTC: when the budget starts again."""
    start = month_start(now)
    return (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )


@dataclass(frozen=True)
class Spent:
    tokens: int
    usd: float


def share_used(budget: BudgetConfig, spent: Spent) -> float | None:
    """The larger of the token and dollar shares used (None: no budget is set)."""
    shares = []
    if budget.monthly_tokens is not None:
        shares.append(spent.tokens / budget.monthly_tokens)
    if budget.monthly_usd is not None:
        shares.append(spent.usd / budget.monthly_usd if budget.monthly_usd else 1.0)
    return max(shares) if shares else None


def describe_limit(budget: BudgetConfig, spent: Spent) -> str:
    parts = []
    if budget.monthly_usd is not None:
        parts.append(f"${spent.usd:,.2f} of ${budget.monthly_usd:,.2f}")
    if budget.monthly_tokens is not None:
        parts.append(f"{spent.tokens:,} of {budget.monthly_tokens:,} tokens")
    return " and ".join(parts)


def exhausted(budget: BudgetConfig, spent: Spent, now: datetime) -> str:
    """Why a task does not start, or stops: the budget is used up, and when it comes back."""
    return (
        f"this installation's monthly budget is used up ({describe_limit(budget, spent)});"
        f" it resets on {next_reset(now):%Y-%m-%d} at 00:00 UTC"
    )


def warning(budget: BudgetConfig, spent: Spent, now: datetime) -> str | None:
    """The line status comments carry from WARN_AT of the budget on (None: below it)."""
    share = share_used(budget, spent)
    if share is None or share < WARN_AT:
        return None
    return (
        f"⚠️ This installation has used {min(share, 1.0):.0%} of its monthly budget"
        f" ({describe_limit(budget, spent)}); at 100 % new tasks stop. It resets on"
        f" {next_reset(now):%Y-%m-%d} (UTC)."
    )


def estimate_tokens(prompt_chars: int) -> tuple[int, int]:
    """(prompt, completion) tokens a task is expected to use when it sends `prompt_chars`
    characters with each of its calls."""
    per_call = -(-prompt_chars // CHARS_PER_TOKEN)
    return per_call * CALLS_ESTIMATED, OUTPUT_TOKENS_ESTIMATED * CALLS_ESTIMATED
