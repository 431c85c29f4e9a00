"""The analytics answer from tenants' parts (db/reads/analytics.summarize) and the failure
categories (failure_reason) — pure, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from db.reads.analytics import (
    Analytics,
    AnalyticsParts,
    DayOutcomes,
    FailureCount,
    Percentiles,
    PullRequestCounts,
    failure_reason,
    nearest_rank,
    summarize,
    window_start,
)

TODAY = date(2026, 12, 4)


def test_nothing_at_all_is_every_day_at_zero() -> None:
    answer = summarize([], 3, TODAY)
    assert answer == Analytics(
        days=3,
        outcomes_by_day=(
            DayOutcomes(date(2026, 12, 2)),
            DayOutcomes(date(2026, 12, 3)),
            DayOutcomes(date(2026, 12, 4)),
        ),
        pull_requests=PullRequestCounts(0, 0, 0, 0, None),
        time_to_pr_seconds=None,
        cost_per_merged_pr_usd=None,
        total_cost_usd=Decimal(0),
        failures_by_reason=(),
    )


def test_tenants_combine_exactly() -> None:
    acme = AnalyticsParts(
        outcomes={(date(2026, 12, 4), "succeeded"): 2, (date(2026, 12, 3), "failed"): 1},
        pull_requests={"merged": 1, "open": 1},
        time_to_pr_seconds=(30.0, 300.0),
        total_cost_usd=Decimal("1.500000"),
        merged_cost_usd=Decimal("0.600000"),
        failures={"tests failed": 1},
    )
    globex = AnalyticsParts(
        outcomes={(date(2026, 12, 4), "succeeded"): 1, (date(2026, 12, 4), "running"): 1},
        pull_requests={"merged": 2, "closed": 1},
        time_to_pr_seconds=(60.0, 90.0, 120.0),
        total_cost_usd=Decimal("2.000000"),
        merged_cost_usd=Decimal("1.000000"),
        failures={"tests failed": 2, "timed out": 2, "app uninstalled": 1},
    )
    answer = summarize([acme, globex], 2, TODAY)
    assert answer.outcomes_by_day == (
        DayOutcomes(date(2026, 12, 3), failed=1),
        DayOutcomes(date(2026, 12, 4), succeeded=3, running=1),
    )
    assert answer.pull_requests == PullRequestCounts(
        opened=5, merged=3, closed=1, open=1, merge_rate=0.75
    )
    # nearest rank over all five durations, not a mean of each tenant's percentiles
    assert answer.time_to_pr_seconds == Percentiles(p50=90.0, p90=300.0)
    assert answer.total_cost_usd == Decimal("3.5")
    assert answer.cost_per_merged_pr_usd == Decimal("0.533333")  # 1.60 / 3
    # most frequent first, then by name
    assert answer.failures_by_reason == (
        FailureCount("tests failed", 3),
        FailureCount("timed out", 2),
        FailureCount("app uninstalled", 1),
    )
    assert summarize([globex, acme], 2, TODAY) == answer  # the order of tenants is irrelevant


def test_days_outside_the_window_are_left_out() -> None:
    part = AnalyticsParts(
        outcomes={
            (date(2026, 11, 1), "failed"): 9,
            (date(2026, 12, 5), "failed"): 9,
            (date(2026, 12, 4), "queued"): 1,
        }
    )
    [day] = summarize([part], 1, TODAY).outcomes_by_day
    assert day == DayOutcomes(TODAY, queued=1)


def test_merge_rate_waits_for_a_closed_or_merged_pull_request() -> None:
    only_open = summarize([AnalyticsParts(pull_requests={"open": 4})], 7, TODAY)
    assert only_open.pull_requests == PullRequestCounts(4, 0, 0, 4, None)
    assert only_open.cost_per_merged_pr_usd is None
    closed = summarize([AnalyticsParts(pull_requests={"closed": 2, "open": 1})], 7, TODAY)
    assert closed.pull_requests.merge_rate == 0.0


def test_the_json_is_the_documented_shape() -> None:
    part = AnalyticsParts(
        outcomes={(TODAY, "succeeded"): 3, (TODAY, "failed"): 1},
        pull_requests={"merged": 6, "closed": 2, "open": 2},
        time_to_pr_seconds=(95.0, 300.0),
        total_cost_usd=Decimal("5.040000"),
        merged_cost_usd=Decimal("5.040000"),
        failures={"tests failed": 3},
    )
    assert summarize([part], 1, TODAY).as_json() == {
        "days": 1,
        "outcomes_by_day": [
            {
                "day": "2026-12-04",
                "succeeded": 3,
                "failed": 1,
                "cancelled": 0,
                "running": 0,
                "queued": 0,
            }
        ],
        "pull_requests": {"opened": 10, "merged": 6, "closed": 2, "open": 2, "merge_rate": 0.75},
        "time_to_pr_seconds": {"p50": 95.0, "p90": 300.0},
        "cost_per_merged_pr_usd": "0.840000",
        "total_cost_usd": "5.040000",
        "failures_by_reason": [{"reason": "tests failed", "count": 3}],
    }
    assert summarize([], 1, TODAY).as_json()["time_to_pr_seconds"] is None
    assert summarize([], 1, TODAY).as_json()["cost_per_merged_pr_usd"] is None


def test_nearest_rank_percentiles() -> None:
    assert nearest_rank([7.0], 50) == nearest_rank([7.0], 90) == 7.0
    ten = [float(n) for n in range(1, 11)]
    assert (nearest_rank(ten, 50), nearest_rank(ten, 90), nearest_rank(ten, 100)) == (5, 9, 10)
    assert nearest_rank([1.0, 2.0], 50) == 1.0
    assert nearest_rank([1.0, 2.0], 90) == 2.0
    with pytest.raises(ValueError, match="no values"):
        nearest_rank([], 50)


def test_the_window_starts_at_midnight_utc() -> None:
    assert window_start(30, TODAY) == datetime(2026, 11, 5, tzinfo=UTC)
    assert window_start(1, TODAY) == datetime(2026, 12, 4, tzinfo=UTC)
    with pytest.raises(ValueError, match="at least 1"):
        window_start(0, TODAY)


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        ("the change did not pass its checks: `pytest -q` (after 3 attempts)", "tests failed"),
        (
            "the change did not pass its checks: parse app.py (after 2 attempts)",
            "the changed code does not parse",
        ),
        (
            "the model's edit did not apply (app.py: no match for the SEARCH block) "
            "(after 3 attempts)",
            "the edit did not apply",
        ),
        ("the model's edit touches a binary file (logo.png)", "the edit did not apply"),
        ("the model proposed no change", "no change proposed"),
        ("the agent produced no change", "no change proposed"),
        ("the task used 210,000 tokens of its 200,000 budget", "token budget exhausted"),
        ("the task ran out of time", "timed out"),
        (
            "the worker running this task stopped 3 times before it finished",
            "the worker kept stopping",
        ),
        (
            "`.github/morningai.yml` is invalid: .github/morningai.yml, line 1: unknown key",
            "invalid .github/morningai.yml",
        ),
        ("the base branch `develop` does not exist", "base branch missing"),
        ("the default branch `main` has no commits", "base branch missing"),
        ("the installation is gone", "app uninstalled"),
        ("the repository is no longer installed", "app uninstalled"),
        (
            "the draft cited files that do not exist: a.py (after 2 attempts)",
            "FAQ draft failed its checks",
        ),
        ("the draft did not pass its checks after 2 attempts: x", "FAQ draft failed its checks"),
        ("no FAQ document was written", "FAQ draft failed its checks"),
        ("the branch `feature` of #4 is gone", "pull request branch changed"),
        ("`feature` kept moving while the FAQ was being committed", "pull request branch changed"),
        ("no closed issues or merged pull requests to learn from", "nothing to learn from yet"),
        (
            "GitHub answered 404: the repository or issue is gone, or the app lost access to it",
            "GitHub: not found or access lost",
        ),
        (
            "GitHub refused the app (403): check the installation's permissions",
            "GitHub permissions",
        ),
        ("GitHub's rate limit was reached", "GitHub rate limit"),
        ("GitHub answered 502", "GitHub unavailable"),
        ("GitHub answered 429", "GitHub unavailable"),
        ("GitHub did not answer in time", "GitHub unavailable"),
        ("GitHub answered 422", "GitHub refused a request"),
        ("the model server answered 500", "model server error"),
        ("the model server did not answer", "model server error"),
        ("a service was unavailable (OperationalError)", "service unavailable"),
        ("internal error (KeyError)", "internal error"),
        ("something nobody wrote yet", "other"),
        (None, "unknown"),
        ("  ", "unknown"),
    ],
)
def test_failure_reasons(error: str | None, reason: str) -> None:
    assert failure_reason(error) == reason
