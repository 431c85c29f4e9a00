"""The status comment's estimate, budget warning and cost receipt — pure."""

from __future__ import annotations

from jobs.steps.status_comment import Status, render


def test_the_estimate_shows_while_working_and_the_cost_beside_it_at_the_end() -> None:
    working = render(Status(1, "t", stage="planning", estimate="up to ~10 tokens (~$0.0100)"))
    assert "💰 Estimate: up to ~10 tokens (~$0.0100)" in working
    done = render(
        Status(1, "t", final="succeeded", tokens=2840, cost_usd=0.003, estimate="up to ~10")
    )
    assert "💰 Cost: 2,840 tokens (~$0.0030) · estimated up to ~10" in done
    refused = render(Status(1, "t", final="failed", estimate="up to ~10"))
    assert "💰 Cost: nothing (no model calls) · estimated up to ~10" in refused
    assert "💰" not in render(Status(1, "t", final="succeeded", tokens=5))


def test_the_budget_warning_comes_before_the_detail() -> None:
    text = render(Status(1, "t", detail="Planning.", budget_notice="⚠️ 85 % used"))
    assert text.index("⚠️ 85 % used") < text.index("Planning.")
