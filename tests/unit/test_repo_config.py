"""`.github/morningai.yml`: defaults, a full file, and every error with the line it names."""

from __future__ import annotations

import dataclasses
import time

import pytest

from core import repo_config
from core.repo_config import FaqConfig, RepoConfig, RepoConfigError, parse_repo_config

FULL = """\
# MorningAI settings for this repository
trigger_label: ai-please
base_branch: develop
draft: true
forbidden_paths:
  - "migrations/**"
  - secrets/*.pem
test_command: pytest -q
test_timeout_seconds: 900
max_attempts: 5
token_budget: 50000
faq:
  auto_update: true
"""


def _error(text: str) -> RepoConfigError:
    with pytest.raises(RepoConfigError) as caught:
        parse_repo_config(text)
    return caught.value


@pytest.mark.parametrize("text", [None, "", "   \n", "# just a comment\n", "~\n", "---\n"])
def test_missing_or_empty_file_gives_the_defaults(text: str | None) -> None:
    assert parse_repo_config(text) == RepoConfig()


def test_defaults() -> None:
    config = RepoConfig()
    assert config.trigger_label == "morningai"
    assert config.base_branch is None
    assert config.draft is False
    assert config.forbidden_paths == ()
    assert config.test_command is None
    assert config.test_timeout_seconds == 600
    assert config.max_attempts == 3
    assert config.token_budget == 200_000
    assert config.faq == FaqConfig(auto_update=False)


def test_full_valid_file() -> None:
    assert parse_repo_config(FULL) == RepoConfig(
        trigger_label="ai-please",
        base_branch="develop",
        draft=True,
        forbidden_paths=("migrations/**", "secrets/*.pem"),
        test_command="pytest -q",
        test_timeout_seconds=900,
        max_attempts=5,
        token_budget=50_000,
        faq=FaqConfig(auto_update=True),
    )


def test_partial_file_keeps_other_defaults_and_nulls_mean_default() -> None:
    config = parse_repo_config("draft: true\nbase_branch:\ntest_command: ~\nfaq:\n")
    assert config == RepoConfig(draft=True)


def test_config_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        RepoConfig().draft = True  # type: ignore[misc]


def test_schema_table_matches_the_dataclasses() -> None:
    names = {field.name for field in dataclasses.fields(RepoConfig)}
    # `_extends` names the file this one builds on; it is not a setting (core.org_config)
    assert names == (set(repo_config._FIELDS) - {repo_config.EXTENDS}) | set(repo_config._SECTIONS)
    assert {f.name for f in dataclasses.fields(FaqConfig)} == set(repo_config._FAQ_FIELDS)
    budget = {f.name for f in dataclasses.fields(repo_config.BudgetConfig)}
    assert budget == set(repo_config._BUDGET_FIELDS)


def test_quoted_and_forced_strings_are_strings() -> None:
    config = parse_repo_config("base_branch: '1.0'\ntrigger_label: !!str 42\n")
    assert config.base_branch == "1.0"
    assert config.trigger_label == "42"


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("draft: true\ndarft: false\n", 2, "unknown key 'darft'; did you mean 'draft'?"),
        ("draft: true\nzzz: 1\n", 2, "unknown key 'zzz'; known keys: trigger_label"),
        ("faq:\n  auto_updte: true\n", 2, "unknown key 'auto_updte'; did you mean 'auto_update'?"),
        ("draft: true\ndraft: false\n", 2, "duplicate key 'draft'"),
        ("? [a, b]\n: 1\n", 1, "keys must be plain names"),
        ("1: x\n", 1, "keys must be plain names"),
    ],
)
def test_unknown_duplicate_and_odd_keys(text: str, line: int, words: str) -> None:
    error = _error(text)
    assert error.line == line
    assert words in str(error)
    assert str(error).startswith(f".github/morningai.yml, line {line}: ")


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("# c\n\ndraft: 1\n", 3, "'draft' must be true or false, not 1"),
        ("draft: 'true'\n", 1, "'draft' must be true or false, not 'true'"),
        ("max_attempts: three\n", 1, "'max_attempts' must be a whole number, not 'three'"),
        ("max_attempts: 2.5\n", 1, "'max_attempts' must be a whole number, not 2.5"),
        ("token_budget: true\n", 1, "'token_budget' must be a whole number, not true"),
        ("base_branch: 1.0\n", 1, "'base_branch' must be a string, not 1.0 (put it in quotes)"),
        ("base_branch: 2024-01-01\n", 1, "must be a string, not a date (put it in quotes)"),
        ("base_branch: 2024-13-45\n", 1, "YAML cannot read '2024-13-45'; put it in quotes"),
        ("trigger_label:\n", 1, "'trigger_label' must be a string, not empty"),
        ("test_command: ''\n", 1, "'test_command' must not be empty"),
        ("trigger_label: [a]\n", 1, "'trigger_label' must be a string, not a list"),
        ("draft: {a: 1}\n", 1, "'draft' must be true or false, not a mapping"),
        ("trigger_label: " + "x" * 51 + "\n", 1, "longer than 50 characters"),
        ("forbidden_paths: src/\n", 1, "'forbidden_paths' must be a list of path patterns"),
        ("forbidden_paths:\n  - a\n  - 3\n", 3, "'forbidden_paths[1]' must be a string, not 3"),
        ("faq: 3\n", 1, "'faq' must be a mapping of keys to values"),
        ("faq:\n  auto_update: maybe\n", 2, "'auto_update' must be true or false, not 'maybe'"),
    ],
)
def test_wrong_types_name_the_key_and_line(text: str, line: int, words: str) -> None:
    error = _error(text)
    assert (error.line, words in error.problem) == (line, True), str(error)


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("max_attempts: 0\n", 1, "'max_attempts' must be at least 1, not 0"),
        ("draft: false\nmax_attempts: 11\n", 2, "'max_attempts' must be at most 10, not 11"),
        ("token_budget: 0\n", 1, "'token_budget' must be at least 1, not 0"),
        ("token_budget: -5\n", 1, "'token_budget' must be at least 1, not -5"),
        ("test_timeout_seconds: 0\n", 1, "'test_timeout_seconds' must be at least 1"),
        ("test_timeout_seconds: 3601\n", 1, "'test_timeout_seconds' must be at most 3600"),
    ],
)
def test_bounds(text: str, line: int, words: str) -> None:
    error = _error(text)
    assert (error.line, words in error.problem) == (line, True), str(error)


@pytest.mark.parametrize("text", ["- a\n- b\n", "just a string\n", "42\n"])
def test_root_must_be_a_mapping(text: str) -> None:
    error = _error(text)
    assert error.line == 1
    assert "the file must be a mapping" in error.problem


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("draft: true\nforbidden_paths: [a, b\nmax_attempts: 3\n", 3, "expected ',' or ']'"),
        ("draft: true\n  max_attempts: 3\n", 2, "mapping values are not allowed here"),
        ("draft: true\n\tmax_attempts: 3\n", 2, "cannot start any token"),
        ("draft: true\n---\ndraft: false\n", 2, "expected a single document in the stream"),
        ("draft: true\n\x07\n", 2, "character U+0007 is not allowed"),
    ],
)
def test_yaml_syntax_errors_report_the_line(text: str, line: int, words: str) -> None:
    error = _error(text)
    assert (error.line, words in error.problem) == (line, True), str(error)


def test_alias_bomb_is_refused_quickly() -> None:
    # "Billion laughs": nine levels of ten aliases would be 10**9 strings if expanded.
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 10):
        refs = ",".join([f"*a{level - 1}"] * 10)
        lines.append(f"a{level}: &a{level} [{refs}]")
    started = time.monotonic()
    error = _error("\n".join(lines) + "\n")
    assert time.monotonic() - started < 1
    assert error.line == 2
    assert "aliases" in error.problem


def test_anchor_and_merge_key_tricks_are_refused() -> None:
    error = _error("base: &b {draft: true}\n<<: *b\n")
    assert error.line == 2
    assert "aliases" in error.problem


@pytest.mark.parametrize(
    "text",
    ["draft: !!python/object/apply:os.system ['true']\n", "draft: !!bool yes\n", "faq: !x {}\n"],
)
def test_explicit_tags_are_refused(text: str) -> None:
    error = _error(text)
    assert error.line == 1
    assert "YAML tag" in error.problem


def test_deep_nesting_is_refused_before_the_recursive_composer() -> None:
    error = _error("draft: " + "[" * 20_000 + "]" * 20_000 + "\n")
    assert error.line == 1
    assert "nested too deeply" in error.problem


def test_input_over_64_kb_is_refused() -> None:
    text = "# padding\n" * 7000  # 70,000 bytes of comments
    error = _error(text)
    assert error.line is None
    assert "larger than 64 KB" in str(error)
    assert str(error) == ".github/morningai.yml: the file is larger than 64 KB"


def test_just_under_the_cap_is_read() -> None:
    text = "# padding\n" * 6000 + "draft: true\n"
    assert parse_repo_config(text).draft is True


def test_ci_max_fix_rounds_defaults_to_two_and_is_read() -> None:
    assert parse_repo_config(None).ci.max_fix_rounds == 2
    assert parse_repo_config("ci:\n  max_fix_rounds: 0\n").ci.max_fix_rounds == 0
    with pytest.raises(RepoConfigError, match="line 2: 'max_fix_rounds' must be at most 10"):
        parse_repo_config("ci:\n  max_fix_rounds: 11\n")


def test_explore_and_reproduce_have_defaults_and_are_read() -> None:
    config = parse_repo_config(None)
    assert (config.explore.max_steps, config.explore.budget_percent) == (12, 30)
    assert (config.reproduce.enabled, config.reproduce.keep) == (True, False)
    text = "explore:\n  max_steps: 0\n  budget_percent: 50\nreproduce:\n  keep: true\n"
    config = parse_repo_config(text)
    assert config.explore == repo_config.ExploreConfig(max_steps=0, budget_percent=50)
    assert config.reproduce == repo_config.ReproduceConfig(enabled=True, keep=True)
    for fields, cls in (
        (repo_config._EXPLORE_FIELDS, repo_config.ExploreConfig),
        (repo_config._REPRODUCE_FIELDS, repo_config.ReproduceConfig),
    ):
        assert {f.name for f in dataclasses.fields(cls)} == set(fields)
    with pytest.raises(RepoConfigError, match="line 2: 'budget_percent' must be at least 1"):
        parse_repo_config("explore:\n  budget_percent: 0\n")
    with pytest.raises(RepoConfigError, match="line 2: 'max_steps' must be at most 50"):
        parse_repo_config("explore:\n  max_steps: 51\n")
    with pytest.raises(RepoConfigError, match="line 2: 'keep' must be true or false"):
        parse_repo_config("reproduce:\n  keep: sometimes\n")
