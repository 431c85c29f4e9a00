"""The one command grammar of Slack, Discord and Telegram, including hostile input."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chat.commands import (
    MAX_INPUT,
    MAX_QUESTION,
    Ask,
    Code,
    Help,
    Link,
    RepoRef,
    clean,
    make_ask,
    parse_code_target,
    parse_command,
    parse_repo,
)

REPO = RepoRef("octo-org", "hello.world")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ask how does retry work?", Ask("how does retry work?")),
        ("ASK   octo-org/hello.world   how does retry work?", Ask("how does retry work?", REPO)),
        ("ask octo-org/hello.world\nwhy?", Ask("why?", REPO)),
        ("ask\nwhat is this", Ask("what is this")),
        ("ask what about a/b/c paths?", Ask("what about a/b/c paths?")),
        ("ask and/or which?", Ask("which?", RepoRef("and", "or"))),
        ("code octo-org/hello.world#123", Code(REPO, 123)),
        ("code  octo-org/hello.world#1 ", Code(REPO, 1)),
        ("link AbC-12_xyz", Link("AbC-12_xyz")),
        ("help", Help()),
        ("HELP me", Help()),
    ],
)
def test_commands(text: str, expected: object) -> None:
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty command"),
        ("   \t\n ", "empty command"),
        ("deploy prod", "unknown command"),
        ("ask", "ask needs a question"),
        ("ask octo/hello", "ask needs a question after the repository"),
        ("code octo/hello", "code needs owner/repo#number"),
        ("code octo/hello#0", "code needs owner/repo#number"),
        ("code octo/hello#-3", "code needs owner/repo#number"),
        ("code octo/hello#12abc", "code needs owner/repo#number"),
        ("code octo/hello#99999999999", "code needs owner/repo#number"),
        ("code octo/hello#9999999999", "that issue number is too large"),
        ("code -octo/hello#1", "code needs owner/repo#number"),
        ("code octo-/hello#1", "code needs owner/repo#number"),
        ("code oc--to/hello#1", "code needs owner/repo#number"),
        ("code octo/..#1", "code needs owner/repo#number"),
        ("code octo/.#1", "code needs owner/repo#number"),
        ("code octo/hel lo#1", "code needs owner/repo#number"),
        ("code octo/hello#1 and more", "code needs owner/repo#number"),
        ("code ../../etc/passwd#1", "code needs owner/repo#number"),
        ("code " + "a" * 40 + "/hello#1", "code needs owner/repo#number"),
        ("code octo/" + "r" * 101 + "#1", "code needs owner/repo#number"),
        ("link", "link needs the code"),
        ("link short", "link needs the code"),
        ("link has space in it", "link needs the code"),
        ("link " + "x" * 65, "link needs the code"),
        ("link <script>alert(1)</script>", "link needs the code"),
    ],
)
def test_refusals_are_help_with_a_reason(text: str, problem: str) -> None:
    found = parse_command(text)
    assert isinstance(found, Help)
    assert found.problem.startswith(problem)


def test_longest_legal_names_pass() -> None:
    owner, name = "a" + "-b" * 19, "r" * 100
    assert len(owner) == 39
    assert parse_code_target(f"{owner}/{name}#2147483647") == Code(RepoRef(owner, name), 2**31 - 1)


def test_control_and_format_characters_are_dropped() -> None:
    text = "ask what\x00 is\x1b[31m this\u202e\u200b\u2028?\r"
    assert parse_command(text) == Ask("what is[31m this?")


def test_a_repo_with_control_characters_is_not_a_repo() -> None:
    # the control character is dropped before parsing: what remains is checked as a whole
    assert parse_command("code oc\x00to/hello#5") == Code(RepoRef("octo", "hello"), 5)
    assert parse_repo("octo/hel\nlo") is None


def test_very_long_questions_are_refused_not_truncated_silently() -> None:
    long_question = "why " * (MAX_QUESTION // 4 + 10)
    found = parse_command("ask " + long_question)
    assert isinstance(found, Help)
    assert "limited" in found.problem
    exact = "w" * MAX_QUESTION
    assert parse_command("ask " + exact) == Ask(exact)


def test_huge_input_is_capped_before_parsing() -> None:
    assert len(clean("x" * (MAX_INPUT * 10))) == MAX_INPUT
    assert isinstance(parse_command("ask " + "y" * 10**6), Help)


def test_mentions_default_to_a_question() -> None:
    assert parse_command("how does X work?", default_ask=True) == Ask("how does X work?")
    assert parse_command("code o/r#3", default_ask=True) == Code(RepoRef("o", "r"), 3)
    assert parse_command("   ", default_ask=True) == Help("empty command")


def test_make_ask_from_discord_options() -> None:
    assert make_ask("why?", "octo-org/hello.world") == Ask("why?", REPO)
    assert make_ask("why?", "") == Ask("why?")
    assert make_ask("why?", "not a repo") == Help("the repository must be written owner/repo")
    assert make_ask("  \x00 ", None) == Help("ask needs a question")


_NAME = re.compile(r"[A-Za-z0-9._-]{1,100}")


@given(st.text(max_size=300))
def test_any_text_parses_to_a_safe_command(text: str) -> None:
    found = parse_command(text, default_ask=True)
    assert isinstance(found, Ask | Code | Link | Help)
    if isinstance(found, Ask):
        assert found.question
        assert len(found.question) <= MAX_QUESTION
        assert not any(ord(c) < 32 and c != "\n" for c in found.question)
    if isinstance(found, Code):
        assert _NAME.fullmatch(found.repo.name)
        assert found.repo.name not in (".", "..")
        assert 1 <= found.issue_number < 2**31


@given(st.from_regex(r"[A-Za-z0-9]{1,10}/[A-Za-z0-9_.-]{1,20}#[1-9][0-9]{0,5}", fullmatch=True))
def test_every_well_formed_target_parses(target: str) -> None:
    found = parse_command("code " + target)
    name = target.split("/")[1].split("#", maxsplit=1)[0]
    if name in (".", ".."):
        assert isinstance(found, Help)
    else:
        assert isinstance(found, Code)
        assert f"{found.repo.full_name}#{found.issue_number}" == target
