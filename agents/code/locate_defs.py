"""Definitions in source files: Python by `ast` (exact) or a line scan (fast), others by regex."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass

from agents.code.locate_repo import words

# Anchored on "\n" rather than `^` with re.M: twice as fast; the text gets a leading "\n".
_PY_DEF_RE = re.compile(r"\n([ \t]*)(?:async[ \t]+)?(def|class)[ \t]+(\w+)")

# One family of patterns for the C-like, ML-like and scripting languages: good enough to name the
# classes and functions an issue mentions, which is all ranking needs from them. Each starts at
# a "\n" (the text gets one in front) rather than `^` with re.M: about twice as fast.
_TYPE_RE = re.compile(
    r"\n[ \t]*(?:export[ \t]+)?(?:default[ \t]+)?(?:pub(?:\([\w:]+\))?[ \t]+)?"
    r"(?:(?:public|private|protected|internal|abstract|final|sealed|static|data|open)[ \t]+)*"
    r"(class|interface|struct|enum|trait|module|object|record|protocol|impl|type)[ \t]+(\w+)",
    re.M,
)
_FUNC_RE = re.compile(
    r"\n[ \t]*(?:export[ \t]+)?(?:default[ \t]+)?(?:pub(?:\([\w:]+\))?[ \t]+)?(?:async[ \t]+)?"
    r"(?:function\*?|func(?:[ \t]*\([^)]*\))?|fn|def|sub|proc)[ \t]+(?:self\.)?(\w+)",
    re.M,
)
_ARROW_RE = re.compile(
    r"\n[ \t]*(?:export[ \t]+)?(?:const|let|var)[ \t]+(\w+)[ \t]*=[ \t]*(?:async[ \t]*)?"
    r"(?:function\b|\([^)]*\)[ \t]*=>|\w+[ \t]*=>)",
    re.M,
)
# Java/C#/C++/JS class members: words, then `name(...)` and an opening brace at the line's end.
_METHOD_RE = re.compile(
    r"\n[ \t]*(?:[\w$<>\[\]*&:,.?]+[ \t]+){0,6}[*&]?(\w+)[ \t]*\([^;\n]*\)[^;\n=]*\{[ \t]*$", re.M
)
# Markup and styles define no functions; scanning them (theme bundles) cost more than it found.
_NO_DEFINITIONS = (".html", ".htm", ".css", ".scss", ".sass", ".less", ".svg", ".xml")
_NOT_NAMES = words(
    "if for while switch catch return else do try synchronized foreach elif when with new func fn"
)


@dataclass(frozen=True, slots=True)
class Definition:
    """A class, function or method; lines are 1-based and inclusive."""

    name: str
    qualname: str
    kind: str  # "class" | "function" | "method"
    line: int
    end_line: int


def _numbered(
    regex: re.Pattern[str], text: str, first: int = 1
) -> Iterator[tuple[int, re.Match[str]]]:
    """Matches with their line (`first` for the text's first line), counting newlines once."""
    pos, line = 0, first
    for m in regex.finditer(text):
        line += text.count("\n", pos, m.start() + 1)
        pos = m.start() + 1
        yield line, m


def python_definitions_fast(text: str) -> list[Definition]:
    """Definitions from a line scan; nesting by indentation, end lines approximate.

    About ten times faster than `ast.parse`, so the whole repository can be indexed this way.
    """
    found: list[Definition] = []
    stack: list[tuple[int, str, str]] = []  # (indent, qualname, kind)
    # With the leading "\n", the newlines up to a match's own "\n" are its 1-based line number.
    for line, m in _numbered(_PY_DEF_RE, "\n" + text, first=0):
        indent = len(m.group(1).expandtabs())
        while stack and stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1] if stack else None
        name = m.group(3)
        qual = f"{parent[1]}.{name}" if parent else name
        kind = "class" if m.group(2) == "class" else "function"
        if kind == "function" and parent and parent[2] == "class":
            kind = "method"
        found.append(Definition(name, qual, kind, line, line))
        stack.append((indent, qual, kind))
    return found


def python_definitions(text: str) -> list[Definition]:
    """Definitions with exact line ranges from `ast`; falls back to the line scan on bad syntax."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return python_definitions_fast(text)
    found: list[Definition] = []
    _collect(tree, "", "", found)
    return found


# Statement lists only: expressions hold no definitions, and walking them was most of the cost.
_BLOCKS = ("body", "handlers", "orelse", "finalbody", "cases")


def _statements(node: ast.AST) -> list[ast.AST]:
    return [child for block in _BLOCKS for child in getattr(node, block, ())]


def _collect(node: ast.AST, prefix: str, parent_kind: str, out: list[Definition]) -> None:
    for child in _statements(node):
        if isinstance(child, ast.ClassDef):
            kind = "class"
        elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            kind = "method" if parent_kind == "class" else "function"
        else:
            # Definitions under `if TYPE_CHECKING:` or `try:` still belong to the enclosing scope.
            _collect(child, prefix, parent_kind, out)
            continue
        qual = f"{prefix}.{child.name}" if prefix else child.name
        end = child.end_lineno or child.lineno
        out.append(Definition(child.name, qual, kind, child.lineno, end))
        _collect(child, qual, kind, out)


def other_definitions(text: str) -> list[Definition]:
    """Types and functions of other languages; qualnames are the bare names."""
    found: dict[tuple[str, int], Definition] = {}
    text = "\n" + text  # the patterns start at a newline; line numbers stay 1-based (first=0)
    for regex, kind in ((_TYPE_RE, "class"), (_FUNC_RE, "function"), (_ARROW_RE, "function")):
        group = 2 if regex is _TYPE_RE else 1
        for line, m in _numbered(regex, text, first=0):
            name = m.group(group)
            found.setdefault((name, line), Definition(name, name, kind, line, line))
    for line, m in _numbered(_METHOD_RE, text, first=0):
        name = m.group(1)
        if name not in _NOT_NAMES and (name, line) not in found:
            found[(name, line)] = Definition(name, name, "method", line, line)
    return sorted(found.values(), key=lambda d: d.line)


def with_end_lines(defs: list[Definition], total_lines: int) -> list[Definition]:
    """Approximate end lines for scanned definitions: up to the next definition's start."""
    out = []
    for i, d in enumerate(defs):
        end = defs[i + 1].line - 1 if i + 1 < len(defs) else total_lines
        out.append(Definition(d.name, d.qualname, d.kind, d.line, max(end, d.line)))
    return out


def definitions(path: str, text: str, *, exact: bool) -> list[Definition]:
    """The definitions of one file; `exact` asks for `ast` (slower) on Python files."""
    if path.endswith((".py", ".pyi")):
        return python_definitions(text) if exact else python_definitions_fast(text)
    if path.endswith(_NO_DEFINITIONS):
        return []
    defs = other_definitions(text)
    return with_end_lines(defs, text.count("\n") + 1) if exact else defs
