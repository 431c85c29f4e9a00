"""Other languages cut by their definitions, found by regex — pure."""

from __future__ import annotations

import ast
import re

from agents.chunking.spans import Span, Splitter, cut, paragraphs, pulled_back
from agents.code.locate_defs import definitions

_COMMENT = re.compile(r"[ \t]*(?://|#|/\*|\*|--|;|@)")
_CLOSER = re.compile(r"(?:\}|end\b)")


def definition_spans(path: str, text: str, lines: list[str]) -> tuple[list[Span], Splitter]:
    """Top-level definitions (unindented) are pieces, from their comments to their closing
    brace or `end` at column 0; code between them is loose. Nested ones split a long one."""
    found = sorted({d.line for d in definitions(path, text, exact=False) if d.line <= len(lines)})
    whole = Span(1, len(lines), loose=True)

    def split(span: Span) -> list[Span]:
        nested = [d for d in found if span.start < d <= span.end]
        return _def_spans(span, nested, lines, False) or paragraphs(span, lines, set())

    top = [d for d in found if not lines[d - 1][:1].isspace()]
    spans = _def_spans(whole, top, lines, True)
    if not spans:
        return paragraphs(whole, lines, set()) or [whole], split
    return [piece for s in spans for piece in _closed(s, lines)], split


def _def_spans(span: Span, defs: list[int], lines: list[str], head_loose: bool) -> list[Span]:
    """`span` cut before each of `defs` (moved up over their comments); what comes before the
    first is `head_loose`."""
    marks: list[tuple[int, bool, ast.AST | None]] = []
    floor = span.start - 1
    for d in defs:
        start = pulled_back(d, lines, floor + 1, _COMMENT)
        if floor < start <= span.end:
            marks.append((start, False, None))
            floor = start
        floor = max(floor, d)
    if not marks:
        return []
    if marks[0][0] == span.start:
        return cut(span, (False, None), marks[1:])
    return cut(span, (head_loose, None), marks)


def _closed(span: Span, lines: list[str]) -> list[Span]:
    """A definition's span ends at its closing line; what follows is loose code."""
    if span.loose:
        return [span]
    for n in range(span.start + 1, span.end):
        if _CLOSER.match(lines[n - 1]):
            return [Span(span.start, n), Span(n + 1, span.end, loose=True)]
    return [span]
