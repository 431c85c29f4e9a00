"""FAQ document slugs are safe file names whatever the title or question holds."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from agents.faq import slug

SAFE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def test_each_mode_has_its_own_shape() -> None:
    assert slug.for_pull_request(12, "Fix: retry on 502 (again!)") == "pr-12-fix-retry-on-502-again"
    assert slug.for_pull_request(12, "日本語") == "pr-12"
    assert (
        slug.for_question("What is the system architecture?") == "what-is-the-system-architecture"
    )
    assert slug.for_history() == "history"


def test_nasty_text_becomes_plain_ascii_words() -> None:
    assert slug.slugify("../../etc/passwd") == "etc-passwd"
    assert slug.slugify("Ünïcödé café\u202e\u200bfile") == "unicode-cafefile"
    assert (
        slug.slugify("\ufb01le \uff26\uff35\uff2c\uff2c") == "file-full"
    )  # compatibility forms fold to ASCII


def test_a_question_never_takes_another_documents_name() -> None:
    assert slug.for_question("README") == "q-readme"
    assert slug.for_question("History?") == "q-history"
    assert slug.for_question("PR 12 fix") == "q-pr-12-fix"
    unicode_only = slug.for_question("\u8fd9\u662f\u4ec0\u4e48\uff1f")
    assert re.fullmatch(r"question-[0-9a-f]{10}", unicode_only)
    assert unicode_only != slug.for_question("\u90a3\u662f\u4ec0\u4e48\uff1f")


def test_long_text_is_cut_at_a_word_boundary() -> None:
    text = "word " * 40
    assert slug.slugify(text) == "-".join(["word"] * 12)
    assert slug.slugify("x" * 100) == "x" * 60


@given(st.text(), st.integers(1, 10**6))
def test_slugs_are_always_safe_file_names(text: str, number: int) -> None:
    for value in (slug.for_question(text), slug.for_pull_request(number, text)):
        assert SAFE.match(value), value
        assert len(value) <= slug.MAX_LENGTH
        assert value not in ("readme", "index")
