"""A file's chunks: its structure's pieces fitted to a line limit, small neighbours joined —
pure."""

from __future__ import annotations

from dataclasses import dataclass, replace

from agents.chunking.definitions import definition_spans
from agents.chunking.markup import markdown_headings, rst_headings, sections
from agents.chunking.python import python_children, python_spans
from agents.chunking.spans import Span, Splitter, paragraphs

# Pieces with fewer non-blank lines join a neighbour: two imports or a getter retrieve nothing.
_TINY = 5


@dataclass(frozen=True)
class TextChunk:
    """Lines `start_line`..`end_line` (1-based, inclusive) of `path`; `content` is exactly
    those lines, line ends included."""

    path: str
    start_line: int
    end_line: int
    content: str


def chunk_file(path: str, text: str, *, max_lines: int = 80) -> list[TextChunk]:
    """Cut `text` into chunks of at most `max_lines` lines that follow its structure.

    Every line is in exactly one chunk, in order; a file with no visible character has none.
    """
    if max_lines < 1:
        raise ValueError("max_lines is at least 1")
    if not text.strip():
        return []
    lines = _lines(text)
    spans, split = _structure(path, text, lines)
    pieces = []
    for unit, span in enumerate(spans):
        parts = _fit(span, split, lines, max_lines)
        pieces += [replace(p, unit=unit, part=len(parts) > 1) for p in parts]
    return [
        TextChunk(path, s.start, s.end, "".join(lines[s.start - 1 : s.end]))
        for s in _merge(pieces, lines, max_lines)
    ]


def _lines(text: str) -> list[str]:
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    return [*lines, parts[-1]] if parts[-1] else lines


def _structure(path: str, text: str, lines: list[str]) -> tuple[list[Span], Splitter]:
    suffix = path.rpartition("/")[2].rpartition(".")[2].lower()
    if suffix in ("py", "pyi"):
        spans = python_spans(text, lines)
        if spans is not None:
            return spans, lambda span: python_children(span, lines)
    if suffix in ("md", "markdown", "mdx", "rst"):
        heads, fenced = rst_headings(lines) if suffix == "rst" else markdown_headings(lines)
        return sections(lines, heads, fenced), lambda span: paragraphs(span, lines, fenced)
    return definition_spans(path, text, lines)


def _fit(span: Span, split: Splitter, lines: list[str], max_lines: int) -> list[Span]:
    """`span` as pieces of at most `max_lines`: by its structure, else at blank lines."""
    if span.size <= max_lines:
        return [span]
    parts = split(span)
    if len(parts) == 1 and parts[0].node is not None and parts[0].node is not span.node:
        return _fit(parts[0], split, lines, max_lines)  # one statement deeper, same lines
    if len(parts) < 2:
        return _windows(span, lines, max_lines)
    return [piece for part in parts for piece in _fit(part, split, lines, max_lines)]


def _windows(span: Span, lines: list[str], max_lines: int) -> list[Span]:
    """Fixed windows, the last resort: each ends on a blank line in its second half if any."""
    out, start = [], span.start
    while span.end - start + 1 > max_lines:
        cut = limit = start + max_lines - 1
        for n in range(limit, start + max_lines // 2 - 1, -1):
            if not lines[n - 1].strip():
                cut = n
                break
        out.append(Span(start, cut, loose=True))
        start = cut + 1
    return [*out, Span(start, span.end, loose=True)]


def _merge(spans: list[Span], lines: list[str], max_lines: int) -> list[Span]:
    """Join neighbours within `max_lines`: loose with loose, and anything with a tiny piece —
    but the part of a split unit only with the other parts of that unit (the tail of a long
    function does not belong at the head of the next one)."""
    out: list[Span] = []
    for span in spans:
        last = out[-1] if out else None
        if last and last.size + span.size <= max_lines and _joinable(last, span, lines):
            out[-1] = replace(span, start=last.start, loose=last.loose and span.loose, node=None)
        else:
            out.append(span)
    return out


def _joinable(last: Span, span: Span, lines: list[str]) -> bool:
    if last.unit == span.unit:
        return (last.loose and span.loose) or _tiny(last, lines) or _tiny(span, lines)
    if last.loose and span.loose and not (last.part or span.part):
        return True
    return (_tiny(last, lines) and not last.part) or (_tiny(span, lines) and not span.part)


def _tiny(span: Span, lines: list[str]) -> bool:
    return sum(1 for line in lines[span.start - 1 : span.end] if line.strip()) < _TINY
