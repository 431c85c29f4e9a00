"""Analytics for the dashboard: what one tenant's tasks came to (`collect`, SQL under row-level
security), and the answer of `GET /api/analytics` for everything a person reaches
(`summarize`, pure).

The web API calls `collect` once per installation the person reaches, in that tenant's scope,
and hands every part to `summarize`. Parts hold counts, sums and one duration per pull request,
never ratios or percentiles, so combining tenants is exact: a percentile of the combined
durations, not an average of percentiles.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from psycopg import sql

from db.reads.task_list import REPOSITORY
from db.tenancy import TenantScope

STATUSES = ("succeeded", "failed", "cancelled", "running", "queued")
# money as the tasks table keeps it: numeric(12, 6)
MICRO_USD = Decimal("0.000001")


@dataclass(frozen=True)
class AnalyticsParts:
    """One tenant's tasks created since `since`, in the repositories asked for.

    `pull_requests`: MorningAI's pull requests (tasks with a pr_number and a pr_state; one per
    repository and number) whose first task was created since `since`, by what they are now:
    "open", "merged" or "closed". `time_to_pr_seconds`: for those of them whose opening was
    recorded, seconds from the creation of the task that opened it to its opening.
    `merged_cost_usd`: what every task of the merged ones cost."""

    outcomes: Mapping[tuple[date, str], int] = field(default_factory=dict)
    pull_requests: Mapping[str, int] = field(default_factory=dict)
    time_to_pr_seconds: tuple[float, ...] = ()
    total_cost_usd: Decimal = Decimal(0)
    merged_cost_usd: Decimal = Decimal(0)
    failures: Mapping[str, int] = field(default_factory=dict)  # failed tasks by failure_reason


@dataclass(frozen=True)
class DayOutcomes:
    day: date
    succeeded: int = 0
    failed: int = 0
    cancelled: int = 0
    running: int = 0
    queued: int = 0


@dataclass(frozen=True)
class PullRequestCounts:
    opened: int
    merged: int
    closed: int
    open: int
    merge_rate: float | None  # merged / (merged + closed); None while none has closed


@dataclass(frozen=True)
class Percentiles:
    p50: float
    p90: float


@dataclass(frozen=True)
class FailureCount:
    reason: str
    count: int


@dataclass(frozen=True)
class Analytics:
    """The answer of `GET /api/analytics` (docs/api.md); `as_json()` is its JSON."""

    days: int
    outcomes_by_day: tuple[DayOutcomes, ...]
    pull_requests: PullRequestCounts
    time_to_pr_seconds: Percentiles | None
    cost_per_merged_pr_usd: Decimal | None
    total_cost_usd: Decimal
    failures_by_reason: tuple[FailureCount, ...]

    def as_json(self) -> dict[str, Any]:
        """Days as ISO dates, money as decimal strings (docs/api.md)."""
        return {
            "days": self.days,
            "outcomes_by_day": [
                {"day": d.day.isoformat(), **{s: getattr(d, s) for s in STATUSES}}
                for d in self.outcomes_by_day
            ],
            "pull_requests": vars(self.pull_requests).copy(),
            "time_to_pr_seconds": (
                vars(self.time_to_pr_seconds).copy() if self.time_to_pr_seconds else None
            ),
            "cost_per_merged_pr_usd": _money(self.cost_per_merged_pr_usd),
            "total_cost_usd": _money(self.total_cost_usd),
            "failures_by_reason": [vars(f).copy() for f in self.failures_by_reason],
        }


def _money(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def window_start(days: int, today: date) -> datetime:
    """The first instant (UTC) of the `days` days ending with `today`: `collect`'s `since`."""
    if days < 1:
        raise ValueError("days must be at least 1")
    return datetime.combine(today - timedelta(days=days - 1), time(0), UTC)


# ---- collect: SQL over one tenant ----------------------------------------------------------

_FROM = sql.SQL("FROM tasks k LEFT JOIN repositories r ON r.id = k.repository_id")


def _in(repositories: Sequence[str] | None) -> tuple[sql.Composable, list[Any]]:
    """The repositories condition: full names compared ignoring case, as GitHub does."""
    if repositories is None:
        return sql.SQL("true"), []
    return sql.SQL("lower({}) = ANY(%s)").format(REPOSITORY), [[n.lower() for n in repositories]]


def collect(
    scope: TenantScope, since: datetime, repositories: Sequence[str] | None
) -> AnalyticsParts:
    """What the scope's tenant's tasks created since `since` came to, in `repositories` (full
    names, ignoring case; None: all of them, an empty list: none)."""
    if since.tzinfo is None:
        raise ValueError("since must carry a time zone")
    repo, repo_params = _in(repositories)
    where = sql.SQL("k.created_at >= %s AND {}").format(repo)
    params = [since, *repo_params]
    outcomes: dict[tuple[date, str], int] = {}
    for day, status, count in scope.conn.execute(
        sql.SQL(
            "SELECT (k.created_at AT TIME ZONE 'UTC')::date, k.status, count(*) {} WHERE {}"
            " GROUP BY 1, 2"
        ).format(_FROM, where),
        params,
    ):
        outcomes[(day, status)] = int(count)
    total = scope.conn.execute(
        sql.SQL("SELECT coalesce(sum(k.cost_usd), 0) {} WHERE {}").format(_FROM, where), params
    ).fetchone()
    errors = scope.conn.execute(
        sql.SQL("SELECT k.error, count(*) {} WHERE {} AND k.status = 'failed' GROUP BY 1").format(
            _FROM, where
        ),
        params,
    ).fetchall()
    failures: Counter[str] = Counter()
    for error, count in errors:
        failures[failure_reason(error)] += int(count)
    states, durations, merged_cost = _pull_requests(scope, since, repo, repo_params)
    return AnalyticsParts(
        outcomes=outcomes,
        pull_requests=states,
        time_to_pr_seconds=durations,
        total_cost_usd=Decimal(total[0]) if total else Decimal(0),
        merged_cost_usd=merged_cost,
        failures=dict(failures),
    )


# One row per pull request: every task that recorded it (a code task and its reruns, revise
# and FAQ tasks on it), grouped by repository and number. A pull request is MorningAI's when a
# task recorded its state (the worker, or the webhook for one of our branches); a task that
# only worked on someone else's pull request (faq_pr) never has one. Its state: merged if any
# task says so (merged is final), else closed, else open. Its time to open: from the code task
# with the earliest recorded opening, created_at → pr_opened_at (issue → pull request: FAQ
# pull requests count among MorningAI's, not in this time).
_PULL_REQUESTS = sql.SQL(
    "SELECT CASE WHEN bool_or(k.pr_state = 'merged') THEN 'merged'"
    "            WHEN bool_or(k.pr_state = 'closed') THEN 'closed' ELSE 'open' END,"
    " coalesce(sum(k.cost_usd), 0),"
    " extract(epoch FROM (array_agg(k.pr_opened_at - k.created_at ORDER BY k.pr_opened_at)"
    "     FILTER (WHERE k.pr_opened_at IS NOT NULL AND k.kind = 'code'))[1])"
    " {source} WHERE k.pr_number IS NOT NULL AND {repo}"
    " GROUP BY lower({name}), k.pr_number"
    " HAVING bool_or(k.pr_state IS NOT NULL) AND min(k.created_at) >= %s"
)


def _pull_requests(
    scope: TenantScope, since: datetime, repo: sql.Composable, repo_params: list[Any]
) -> tuple[dict[str, int], tuple[float, ...], Decimal]:
    query = _PULL_REQUESTS.format(source=_FROM, repo=repo, name=REPOSITORY)
    states: Counter[str] = Counter()
    durations: list[float] = []
    merged_cost = Decimal(0)
    for state, cost, seconds in scope.conn.execute(query, [*repo_params, since]):
        states[state] += 1
        if state == "merged":
            merged_cost += Decimal(cost)
        if seconds is not None:
            durations.append(max(float(seconds), 0.0))
    return dict(states), tuple(sorted(durations)), merged_cost


# ---- failure reasons: stored error texts → words a maintainer understands -----------------

# The texts come from the jobs' own reasons (jobs/runtime/errors.py classify, PermanentError,
# the graphs' `reason`); first match wins, so the specific ones come first.
_REASONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), reason)
    for pattern, reason in (
        (r"^the change did not pass its checks: `", "tests failed"),
        (r"^the change did not pass its checks: parse ", "the changed code does not parse"),
        (r"^the change did not pass its checks", "checks failed"),
        (r"^the model's edit (did not apply|touches a binary file)", "the edit did not apply"),
        (r"^the (model proposed|agent produced) no change", "no change proposed"),
        (r"^the task used [\d,]+ tokens of its", "token budget exhausted"),
        (r"^the task ran out of time", "timed out"),
        (r"^the worker running this task stopped", "the worker kept stopping"),
        (r"^`\.github/morningai\.yml` is invalid", "invalid .github/morningai.yml"),
        (r"^the (base|default) branch `.*` (does not exist|has no commits)", "base branch missing"),
        (
            r"^(the installation is gone|the repository is no longer installed)",
            "app uninstalled",
        ),
        (r"^the draft (cited files|did not pass)|^no FAQ document", "FAQ draft failed its checks"),
        (r"^the branch `.*` of #\d+ is gone|kept moving while", "pull request branch changed"),
        (r"^no closed issues or merged pull requests", "nothing to learn from yet"),
        (r"^GitHub answered 404", "GitHub: not found or access lost"),
        (r"^GitHub refused the app", "GitHub permissions"),
        (r"^GitHub's rate limit", "GitHub rate limit"),
        (r"^GitHub (answered (5\d\d|429)|did not answer)", "GitHub unavailable"),
        (r"^GitHub answered", "GitHub refused a request"),
        (r"^the model server", "model server error"),
        (r"^a service was unavailable", "service unavailable"),
        (r"^internal error", "internal error"),
    )
)


def failure_reason(error: str | None) -> str:
    """The category of a failed task's stored error: a few words a maintainer understands,
    the same for every error of that kind (names of files, branches and counts left out)."""
    if not error or not error.strip():
        return "unknown"
    text = error.strip()
    for pattern, reason in _REASONS:
        if pattern.search(text):
            return reason
    return "other"


# ---- summarize: pure -----------------------------------------------------------------------


def summarize(parts: Sequence[AnalyticsParts], days: int, today: date) -> Analytics:
    """The analytics of the `days` days ending with `today` (UTC) from every tenant's parts,
    each collected with `since=window_start(days, today)`. Every day is present, zero-filled.
    Percentiles by nearest rank (always a duration that happened)."""
    first = window_start(days, today).date()
    counts: Counter[tuple[date, str]] = Counter()
    for part in parts:
        for (day, status), n in part.outcomes.items():
            counts[(day, status)] += n  # days and states outside the answer are never read
    by_day = tuple(
        DayOutcomes(day, **{s: counts[(day, s)] for s in STATUSES})
        for day in (first + timedelta(days=i) for i in range(days))
    )
    merged_cost = sum((p.merged_cost_usd for p in parts), Decimal(0))
    prs = _pull_request_counts(p.pull_requests for p in parts)
    durations = sorted(d for p in parts for d in p.time_to_pr_seconds)
    failures: Counter[str] = Counter()
    for part in parts:
        failures.update(part.failures)
    return Analytics(
        days=days,
        outcomes_by_day=by_day,
        pull_requests=prs,
        time_to_pr_seconds=(
            Percentiles(nearest_rank(durations, 50), nearest_rank(durations, 90))
            if durations
            else None
        ),
        cost_per_merged_pr_usd=(
            (merged_cost / prs.merged).quantize(MICRO_USD) if prs.merged else None
        ),
        total_cost_usd=sum((p.total_cost_usd for p in parts), Decimal(0)).quantize(MICRO_USD),
        failures_by_reason=tuple(
            FailureCount(reason, n)
            for reason, n in sorted(failures.items(), key=lambda item: (-item[1], item[0]))
        ),
    )


def _pull_request_counts(states: Iterable[Mapping[str, int]]) -> PullRequestCounts:
    total: Counter[str] = Counter()
    for found in states:
        total.update(found)
    merged, closed, still_open = total["merged"], total["closed"], total["open"]
    ended = merged + closed
    return PullRequestCounts(
        opened=merged + closed + still_open,
        merged=merged,
        closed=closed,
        open=still_open,
        merge_rate=merged / ended if ended else None,
    )


def nearest_rank(ordered: Sequence[float], percent: float) -> float:
    """The nearest-rank percentile of ascending `ordered` (not empty): the smallest value with
    at least `percent`% of the values at or below it."""
    if not ordered:
        raise ValueError("no values")
    rank = max(math.ceil(percent / 100 * len(ordered)), 1)
    return float(ordered[rank - 1])
