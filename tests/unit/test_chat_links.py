"""Link codes and sealed bot tokens, the pure half (github_app/chat_links.py): a code is 160
random bits a person can paste back in any case or spacing, never shown in a repr; a bot token
opens only as what it was sealed for."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime

import pytest

from chat.commands import Link, parse_link
from core.secrets_at_rest import SealedValueError, SecretBox, new_key
from github_app import chat_links


def test_a_code_is_160_random_bits_in_groups_of_four() -> None:
    codes = {chat_links.new_code() for _ in range(500)}
    assert len(codes) == 500
    for code in codes:
        assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){7}", code), code
        raw = base64.b32decode(code.replace("-", ""))
        assert len(raw) * 8 == 160
    # every letter position varies (no fixed prefix or padding)
    for position in range(39):
        if position % 5 != 4:
            assert len({c[position] for c in codes}) > 16, position


def test_the_chat_grammar_accepts_a_code_as_one_word() -> None:
    code = chat_links.new_code()
    assert parse_link(code) == Link(code)


@pytest.mark.parametrize(
    "typed",
    [
        "{code}",
        "{lower}",
        "  {code}\n",
        "{bare}",
        "{spaced}",
    ],
)
def test_a_pasted_code_normalizes_to_its_letters(typed: str) -> None:
    code = chat_links.new_code()
    bare = code.replace("-", "")
    presented = typed.format(
        code=code, lower=code.lower(), bare=bare, spaced=" ".join(code.split("-"))
    )
    assert chat_links.normalize(presented) == bare


def test_digits_people_confuse_with_letters_are_read_as_the_letters() -> None:
    assert chat_links.normalize("0" * 32) == "O" * 32
    assert chat_links.normalize("1" * 32) == "I" * 32
    assert chat_links.normalize("8" * 32) == "B" * 32


@pytest.mark.parametrize(
    "presented",
    ["", "ABCD", "A" * 31, "A" * 33, "A" * 31 + "9", "A" * 31 + "!", "A" * 200, "Ä" * 32],
)
def test_what_cannot_be_a_code_is_refused_before_any_lookup(presented: str) -> None:
    assert chat_links.normalize(presented) is None


def test_an_issued_code_is_not_in_its_repr() -> None:
    issued = chat_links.IssuedCode("ABCD-EFGH", datetime(2026, 1, 1, tzinfo=UTC))
    assert "ABCD" not in repr(issued)
    assert "ABCD" not in str(issued)


@pytest.mark.parametrize("platform", chat_links.PLATFORMS)
@pytest.mark.parametrize("purpose", chat_links.PURPOSES)
def test_instructions_name_the_command_and_the_code(purpose: str, platform: str) -> None:
    words = chat_links.instructions(purpose, platform, "ABCD-EFGH")
    assert "ABCD-EFGH" in words
    assert "10 minutes" in words
    said = {"slack": "/morningai link ", "discord": "code:", "telegram": "/link "}[platform]
    if (purpose, platform) == ("workspace", "slack"):
        said = "/api/slack/install?code="  # the bot token comes with Slack's OAuth install
    assert said in words


def test_a_bot_token_is_sealed_for_its_column_only() -> None:
    box = SecretBox.from_setting(new_key())
    token = "xoxb-1234-5678-abcdefabcdef"
    sealed = chat_links.seal_bot_token(box, token)
    assert token.encode() not in sealed
    assert chat_links.open_bot_token(box, sealed) == token
    with pytest.raises(SealedValueError):
        box.open(sealed, "user_sessions.access_token")
    with pytest.raises(SealedValueError):
        chat_links.open_bot_token(SecretBox.from_setting(new_key()), sealed)
    moved = box.seal(token.encode(), "app_registration.client_secret")
    with pytest.raises(SealedValueError):
        chat_links.open_bot_token(box, moved)
