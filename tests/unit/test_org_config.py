"""The organisation's `.github/morningai.yml` under a repository's, and the monthly budget's
arithmetic and words — pure."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.budget import Spent, estimate_tokens, exhausted, next_reset, share_used, warning
from core.org_config import merge
from core.repo_config import BudgetConfig, RepoConfig, RepoConfigError, parse_config_file

ORG = parse_config_file(
    "token_budget: 100000\n"
    "draft: true\n"
    "forbidden_paths: ['secrets/**']\n"
    "budget:\n"
    "  monthly_usd: 50\n"
    "  input_usd_per_million: 0.5\n"
)


def _merged(repo: str, org: str | None = None) -> RepoConfig:
    return merge(ORG if org is None else parse_config_file(org), parse_config_file(repo), "acme")


def test_without_a_repository_file_the_organisation_applies() -> None:
    config = _merged("")
    assert config == ORG.config
    assert config.budget == BudgetConfig(monthly_usd=50.0, input_usd_per_million=0.5)


def test_without_an_organisation_file_the_repository_applies() -> None:
    config = merge(None, parse_config_file("token_budget: 900000\n"), "acme")
    assert config.token_budget == 900_000


def test_a_repository_overrides_freely_and_lowers_ceilings() -> None:
    config = _merged("_extends: .github\ndraft: false\ntoken_budget: 5000\nmax_attempts: 1\n")
    assert (config.draft, config.token_budget, config.max_attempts) == (False, 5000, 1)
    assert config.budget.monthly_usd == 50.0  # the organisation's, untouched


def test_a_repository_may_not_raise_a_ceiling_the_organisation_set() -> None:
    with pytest.raises(RepoConfigError) as raised:
        _merged("draft: false\n\ntoken_budget: 100001\n")
    assert raised.value.line == 3
    assert raised.value.problem == (
        "'token_budget' may be at most 100,000 here (the organisation's limit in"
        " acme/.github), not 100,001"
    )
    # a ceiling the organisation did not set is the repository's to choose
    assert _merged("max_attempts: 10\n").max_attempts == 10


def test_the_budget_is_the_organisations_only() -> None:
    with pytest.raises(RepoConfigError) as raised:
        _merged("draft: true\nbudget:\n  monthly_usd: 1000\n")
    assert raised.value.line == 2
    assert "'budget' is set for the whole installation, in acme/.github" in raised.value.problem


def test_forbidden_paths_are_added_to_never_removed() -> None:
    assert _merged("forbidden_paths: ['*.pem', 'secrets/**']\n").forbidden_paths == (
        "secrets/**",
        "*.pem",
    )
    assert _merged("forbidden_paths: []\n").forbidden_paths == ("secrets/**",)


@pytest.mark.parametrize("extends", [".github", "acme/.github", "ACME/.github"])
def test_extends_names_the_organisations_github(extends: str) -> None:
    assert _merged(f"_extends: {extends}\n").draft is True


def test_extends_naming_another_repository_is_refused_by_line() -> None:
    with pytest.raises(RepoConfigError) as raised:
        _merged("draft: true\n_extends: other/repo:config.yml\n")
    assert raised.value.line == 2
    assert "'_extends' may only name .github" in raised.value.problem


@pytest.mark.parametrize("value", ["-1", "'ten'", "true", ".nan", ".inf"])
def test_budget_amounts_are_numbers_of_0_or_more(value: str) -> None:
    with pytest.raises(RepoConfigError) as raised:
        parse_config_file(f"budget:\n  monthly_usd: {value}\n")
    assert raised.value.line == 2


NOW = datetime(2026, 12, 4, 23, 0, tzinfo=UTC)


def test_the_budget_resets_on_the_first_of_next_month_utc() -> None:
    assert next_reset(NOW) == datetime(2027, 1, 1, tzinfo=UTC)
    assert next_reset(datetime(2026, 2, 28, 23, 59, tzinfo=UTC)) == datetime(2026, 3, 1, tzinfo=UTC)


def test_the_share_used_is_the_larger_of_tokens_and_dollars() -> None:
    both = BudgetConfig(monthly_usd=10, monthly_tokens=1000)
    assert share_used(both, Spent(tokens=500, usd=9.0)) == pytest.approx(0.9)
    assert share_used(both, Spent(tokens=1000, usd=1.0)) == 1.0
    assert share_used(BudgetConfig(), Spent(10**9, 10**6)) is None
    assert share_used(BudgetConfig(monthly_usd=0), Spent(0, 0.0)) == 1.0


def test_the_warning_starts_at_80_percent() -> None:
    budget = BudgetConfig(monthly_usd=10)
    assert warning(budget, Spent(0, 7.99), NOW) is None
    assert warning(budget, Spent(0, 8.0), NOW) == (
        "⚠️ This installation has used 80% of its monthly budget ($8.00 of $10.00); at 100 %"
        " new tasks stop. It resets on 2027-01-01 (UTC)."
    )
    assert exhausted(budget, Spent(0, 10.0), NOW) == (
        "this installation's monthly budget is used up ($10.00 of $10.00);"
        " it resets on 2027-01-01 at 00:00 UTC"
    )


def test_the_estimate_counts_each_call_and_its_output() -> None:
    assert estimate_tokens(4001) == (2002, 2000)
