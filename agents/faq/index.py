"""docs/faq/README.md: the index of FAQ documents, one line each, sorted by title — pure.

The lines live between two marker comments; text outside them (a maintainer's introduction)
is kept as it is, and so are lines inside them that this module did not write.
"""

from __future__ import annotations

import re

BEGIN = "<!-- morningai:faq-index:start -->"
END = "<!-- morningai:faq-index:end -->"
HEADER = (
    "# Frequently asked questions\n\n"
    "Documents MorningAI wrote from this repository's code, pull requests and history.\n"
)
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_LINE = re.compile(
    r"^- \[(?P<title>(?:\\.|[^\]\\])*)\]"
    r"\((?P<slug>[a-z0-9][a-z0-9-]*)\.md\)(?: — (?P<summary>.*))?$"
)

Listing = tuple[str, str, str]  # (slug, title, summary)


def render_index(documents: list[Listing]) -> str:
    """The whole README for these documents."""
    return f"{HEADER}\n{_block(documents, [])}\n"


def merge_index(existing_markdown: str | None, slug: str, title: str, summary: str) -> str:
    """`existing_markdown` with this document's line added or replaced, the others kept."""
    if not existing_markdown or not existing_markdown.strip():
        return render_index([(slug, title, summary)])
    if BEGIN not in existing_markdown:
        return f"{existing_markdown.rstrip()}\n\n{_block([(slug, title, summary)], [])}\n"
    before, rest = existing_markdown.split(BEGIN, 1)
    block, found_end, after = rest.partition(END)
    if not found_end:
        after = ""  # the end marker was deleted: the block runs to the end of the file
    listed: dict[str, Listing] = {}
    foreign: list[str] = []
    for line in block.splitlines():
        parsed = _parse(line)
        if parsed is not None:
            listed[parsed[0]] = parsed
        elif line.strip():
            foreign.append(line)
    listed[slug] = (slug, title, summary)
    return f"{before}{_block(list(listed.values()), foreign)}{after}"


def _block(documents: list[Listing], foreign: list[str]) -> str:
    for slug, _, _ in documents:
        if not _SLUG.match(slug):
            raise ValueError(f"not a FAQ slug: {slug!r}")
    ordered = sorted(documents, key=lambda d: (_one_line(d[1]).casefold(), d[0]))
    lines = [_line(*document) for document in ordered] + foreign
    return "\n".join([BEGIN, *lines, END])


def _line(slug: str, title: str, summary: str) -> str:
    label = _one_line(title) or slug
    label = label.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
    text = _one_line(summary)
    return f"- [{label}]({slug}.md)" + (f" — {text}" if text else "")


def _parse(line: str) -> Listing | None:
    match = _LINE.match(line.strip())
    if match is None:
        return None
    title = re.sub(r"\\(.)", r"\1", match.group("title"))
    return match.group("slug"), title, match.group("summary") or ""


def _one_line(text: str) -> str:
    return " ".join(text.split())
