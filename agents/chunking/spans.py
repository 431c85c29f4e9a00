"""Spans of lines: the pieces a file is cut into before they become chunks, and the cuts that
every way of cutting shares — pure."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    loose: bool = False  # statements, paragraphs, blocks: packed with loose neighbours
    node: ast.AST | None = None  # the Python statement whose body splits it when too long
    unit: int = 0  # which top-level piece of structure it is, or a part of
    part: bool = False  # a part of a unit too long for one chunk

    @property
    def size(self) -> int:
        return self.end - self.start + 1


Splitter = Callable[[Span], list[Span]]


def cut(
    span: Span, first: tuple[bool, ast.AST | None], marks: list[tuple[int, bool, ast.AST | None]]
) -> list[Span]:
    """`span` cut before each mark (line, loose, node); marks ascend within (start, end]."""
    bounds = [(span.start, *first), *marks]
    ends = [line - 1 for line, _, _ in marks] + [span.end]
    return [Span(s, e, loose, node) for (s, loose, node), e in zip(bounds, ends, strict=True)]


def pulled_back(line: int, lines: list[str], floor: int, comment: re.Pattern[str]) -> int:
    """`line` moved up over the comment (or decorator) lines right above it, not above `floor`."""
    while line > floor and comment.match(lines[line - 2]):
        line -= 1
    return line


def paragraphs(span: Span, lines: list[str], fenced: set[int]) -> list[Span]:
    """`span` cut before each line that follows a blank line (outside fences); all loose."""
    marks: list[tuple[int, bool, ast.AST | None]] = [
        (n, True, None)
        for n in range(span.start + 1, span.end + 1)
        if n not in fenced and lines[n - 1].strip() and not lines[n - 2].strip()
    ]
    return cut(span, (True, None), marks) if marks else []
