from __future__ import annotations

import pytest

from github_app.commands import Command, parse_command


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("/morningai code", Command("code", "")),
        ("/morningai code use the v2 API\nthanks", Command("code", "use the v2 API")),
        ("Please look.\n\n/morningai code  ", Command("code", "")),
        ("/morningai", Command("help", "")),
        ("  /morningai faq", Command("faq", "")),
        ("/morningai ask What is the architecture?", Command("ask", "What is the architecture?")),
    ],
)
def test_commands_at_line_start(body: str, expected: Command) -> None:
    assert parse_command(body) == expected


@pytest.mark.parametrize(
    "body",
    [
        None,
        "",
        "please run /morningai code",
        "> /morningai code",
        "```\n/morningai code\n```",
        "~~~md\n/morningai code\n~~~",
        "    /morningai code",
        "/morningaicode",
        "/MorningAI code",
    ],
)
def test_no_command(body: str | None) -> None:
    assert parse_command(body) is None


def test_command_after_closed_fence_counts() -> None:
    body = "```\n/morningai faq\n```\n/morningai code now"
    assert parse_command(body) == Command("code", "now")
