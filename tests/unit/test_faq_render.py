"""Rendering a checked document to Markdown: fences, links and the footer hold any content."""

from __future__ import annotations

from agents.faq.context import ThreadRef
from agents.faq.document import Document, Entry, Example, FileCite, Pair, Related, Section
from agents.faq.render import Footer, render_markdown, summary

FOOTER = Footer("What | why?", "tr-1", "m-1", "acme/demo")


def doc(**overrides: object) -> Document:
    base = Document(
        title="T",
        overview="First sentence. Second one.",
        entries=(Entry("Q?", "A.", (FileCite("a.py", 3, 3), ThreadRef("issue", 4, ""))),),
    )
    return Document(**{**vars(base), **overrides})


def test_code_holding_backticks_gets_a_longer_fence() -> None:
    example = Example("docs/x.md", 1, 3, "", "text\n```\nmore")
    md = render_markdown(doc(sections=(Section("S", "", (example,)),)), FOOTER)
    assert "[docs/x.md#L1-L3](../x.md#L1-L3):\n\n````markdown\ntext\n```\nmore\n````" in md


def test_sources_and_links_are_relative_to_the_documents_folder() -> None:
    md = render_markdown(doc(related=(Related("README.md", ""),)), FOOTER, base_dir="docs/faq")
    assert "Sources: [a.py#L3](../../a.py#L3), #4" in md
    assert "- [README.md](../../README.md) — `README.md`" in md
    elsewhere = render_markdown(doc(), FOOTER, base_dir="")
    assert "[a.py#L3](a.py#L3)" in elsewhere


def test_the_footer_table_cannot_be_broken_by_the_task_text() -> None:
    md = render_markdown(doc(), Footer("What\n| why?", "", "", "acme/demo"))
    assert "| Task | What \\| why? |" in md
    assert "| Trace id | - |" in md


def test_empty_parts_are_left_out() -> None:
    md = render_markdown(doc(entries=()), FOOTER)
    for heading in ("## Frequently", "## Related", "## Troubleshooting"):
        assert heading not in md
    with_pairs = render_markdown(doc(troubleshooting=(Pair("Fails?", "Retry."),)), FOOTER)
    assert "## Troubleshooting\n\n**Fails?**\n\nRetry." in with_pairs


def test_summary_is_the_first_sentence_within_its_limit() -> None:
    assert summary(doc()) == "First sentence."
    assert summary(doc(overview="word " * 100), limit=20) == "word word word word…"
