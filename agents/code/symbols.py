"""Where a name is defined and where it is used, over a repository's source files — pure."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from agents.code.locate_defs import definitions
from agents.code.locate_repo import SourceFile

NAME_RE = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*")
# Statement lists that still belong to the enclosing scope (`if TYPE_CHECKING:`, `try:`).
_BLOCKS = ("body", "handlers", "orelse", "finalbody", "cases")


@dataclass(frozen=True, slots=True)
class Site:
    """One line of one file: a definition (`kind` names it) or a reference (`kind` is "ref")."""

    path: str
    line: int
    kind: str
    text: str


def python_top_definitions(text: str) -> list[tuple[str, str, int]]:
    """(qualname, kind, line) of a module's top-level and class-level definitions: functions,
    classes, methods and assigned names; function bodies are not entered."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return []
    found: list[tuple[str, str, int]] = []
    _scope(tree, "", found)
    return found


def _scope(node: ast.AST, prefix: str, out: list[tuple[str, str, int]]) -> None:
    for child in (c for block in _BLOCKS for c in getattr(node, block, ())):
        if isinstance(child, ast.ClassDef):
            out.append((prefix + child.name, "class", child.lineno))
            _scope(child, f"{prefix}{child.name}.", out)
        elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            out.append((prefix + child.name, "method" if prefix else "function", child.lineno))
        elif isinstance(child, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = child.targets if isinstance(child, ast.Assign) else [child.target]
            for name in _assigned(targets):
                out.append((prefix + name, "attribute" if prefix else "variable", child.lineno))
        else:
            _scope(child, prefix, out)


def _assigned(targets: Sequence[ast.expr]) -> Iterator[str]:
    for target in targets:
        if isinstance(target, ast.Name):
            yield target.id
        elif isinstance(target, ast.Tuple | ast.List):
            yield from _assigned(target.elts)


def file_definitions(f: SourceFile) -> list[tuple[str, str, int]]:
    """(qualname, kind, line) of one file's definitions; other languages' are bare names."""
    if f.path.endswith((".py", ".pyi")):
        return python_top_definitions(f.text)
    return [(d.name, d.kind, d.line) for d in definitions(f.path, f.text, exact=False)]


def defining_sites(
    files: Sequence[SourceFile],
    name: str,
    defs_of: Callable[[SourceFile], list[tuple[str, str, int]]] = file_definitions,
) -> list[Site]:
    """Definitions of `name` (`Class.method` narrows to that class's member), by path;
    `defs_of` may be a cache of `file_definitions`."""
    last = name.rsplit(".", 1)[-1]
    sites = []
    for f in files:
        if f.kind != "code" or last not in f.text:
            continue
        found = defs_of(f)
        # the regex scan of other languages knows bare names, not which class a method is in
        wanted = name if f.path.endswith((".py", ".pyi")) else last
        lines = f.text.split("\n")
        for qual, kind, line in found:
            if qual == wanted or qual.endswith("." + wanted):
                sites.append(Site(f.path, line, kind, _line(lines, line)))
    return sites


def reference_sites(
    files: Sequence[SourceFile], name: str, *, skip: set[tuple[str, int]]
) -> Iterator[Site]:
    """Lines where the last part of `name` occurs as a whole word, outside `skip`."""
    last = name.rsplit(".", 1)[-1]
    # `$` is a word character in JavaScript names; \w alone would split `$el` from `el`.
    word = re.compile(r"(?<![\w$])" + re.escape(last) + r"(?![\w$])")
    for f in files:
        if last not in f.text:
            continue
        for number, text in enumerate(f.text.split("\n"), start=1):
            if last in text and (f.path, number) not in skip and word.search(text):
                yield Site(f.path, number, "ref", text)


def _line(lines: list[str], number: int) -> str:
    return lines[number - 1] if 0 < number <= len(lines) else ""
