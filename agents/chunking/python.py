"""Python cut by its ast: a piece per top-level statement, definitions apart — pure."""

from __future__ import annotations

import ast
import re

from agents.chunking.spans import Span, cut, pulled_back

_PY_COMMENT = re.compile(r"[ \t]*#")
_PY_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_BLOCKS = ("body", "handlers", "orelse", "finalbody", "cases")


def python_spans(text: str, lines: list[str]) -> list[Span] | None:
    """The module's statements as spans, or None when `text` is not Python that ast can read
    with the lines `lines` has."""
    if re.search(r"\r(?!\n)", text):
        return None  # ast counts a lone "\r" as a line end, these lines do not
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return None
    whole = Span(1, len(lines), node=tree)
    return python_children(whole, lines) if tree.body else [Span(1, len(lines), loose=True)]


def python_children(span: Span, lines: list[str]) -> list[Span]:
    """`span` cut before each statement of its node's body (the header stays in the first);
    definitions are pieces of their own, other statements loose."""
    children = [c for block in _BLOCKS for c in getattr(span.node, block, ())]
    if not children:
        return []
    marks: list[tuple[int, bool, ast.AST | None]] = []
    floor = max(span.start, _end(children[0]))  # the last line a mark may not be on
    for child in children[1:]:
        start = min([_lineno(child)] + [d.lineno for d in getattr(child, "decorator_list", ())])
        start = pulled_back(start, lines, floor + 1, _PY_COMMENT)
        if floor < start <= span.end:
            marks.append((start, not isinstance(child, _PY_DEFS), child))
            floor = start
        floor = max(floor, _end(child))
    first = children[0]
    return cut(span, (not isinstance(first, _PY_DEFS), first), marks)


def _lineno(node: ast.AST) -> int:
    if isinstance(node, ast.match_case):
        return node.pattern.lineno
    return int(getattr(node, "lineno", 1))


def _end(node: ast.AST) -> int:
    if isinstance(node, ast.match_case):
        return _end(node.body[-1])
    return int(getattr(node, "end_lineno", None) or _lineno(node))
