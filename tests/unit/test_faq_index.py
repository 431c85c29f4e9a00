"""docs/faq/README.md: rendering the index and merging one document's line into it."""

from __future__ import annotations

import pytest

from agents.faq.index import BEGIN, END, merge_index, render_index


def listed(markdown: str) -> list[str]:
    block = markdown.split(BEGIN, 1)[1].split(END, 1)[0]
    return [line for line in block.splitlines() if line]


def test_the_index_lists_documents_sorted_by_title_with_links() -> None:
    text = render_index(
        [
            ("pr-7-retry", "Retries", "How retries work."),
            ("history", "From the history", ""),
            ("what-is-x", "architecture [v2]", "The parts."),
        ]
    )
    assert text.startswith("# Frequently asked questions\n")
    assert listed(text) == [
        r"- [architecture \[v2\]](what-is-x.md) — The parts.",
        "- [From the history](history.md)",
        "- [Retries](pr-7-retry.md) — How retries work.",
    ]


def test_merge_adds_a_line_and_replaces_its_own_older_line() -> None:
    first = render_index([("history", "History", "Old summary."), ("b-doc", "Beta", "B.")])
    merged = merge_index(first, "history", "History", "New\nsummary.")
    assert listed(merged) == ["- [Beta](b-doc.md) — B.", "- [History](history.md) — New summary."]
    added = merge_index(merged, "a-doc", "Alpha [draft]", "A.")
    assert listed(added) == [
        r"- [Alpha \[draft\]](a-doc.md) — A.",
        "- [Beta](b-doc.md) — B.",
        "- [History](history.md) — New summary.",
    ]
    assert merge_index(added, "a-doc", "Alpha [draft]", "A.") == added  # idempotent


def test_merge_keeps_a_maintainers_text_and_lines_it_did_not_write() -> None:
    existing = (
        "# Our FAQ\n\nHand-written intro.\n\n"
        f"{BEGIN}\n- [Beta](b-doc.md) — B.\n* a note someone added\n{END}\n\nFooter text.\n"
    )
    merged = merge_index(existing, "a-doc", "Alpha", "A.")
    assert merged.startswith("# Our FAQ\n\nHand-written intro.\n\n")
    assert merged.endswith(f"{END}\n\nFooter text.\n")
    assert listed(merged) == [
        "- [Alpha](a-doc.md) — A.",
        "- [Beta](b-doc.md) — B.",
        "* a note someone added",
    ]


def test_merge_into_nothing_or_a_readme_without_markers() -> None:
    assert merge_index(None, "x", "X", "S.") == render_index([("x", "X", "S.")])
    assert merge_index("  \n", "x", "X", "S.") == render_index([("x", "X", "S.")])
    merged = merge_index("# Docs\n\nWritten by hand.\n", "x", "X", "S.")
    assert merged.startswith("# Docs\n\nWritten by hand.\n\n")
    assert listed(merged) == ["- [X](x.md) — S."]


def test_a_slug_that_is_not_a_file_name_is_refused() -> None:
    with pytest.raises(ValueError, match="not a FAQ slug"):
        merge_index(None, "../../etc/passwd", "X", "")
