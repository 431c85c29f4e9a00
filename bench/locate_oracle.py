"""The "oracle exploration" figure: could the exploration tools reach the gold file at all?

No model: from our ranked candidates, one tool step is one call a model could make with
`agents.code.explore_tools` — open a file already known (its imports name other files),
`find_symbol` of an identifier named in the issue (the files its output names), or `search` for
such an identifier (likewise). An oracle picks every step, so the figure is a ceiling: how
often some sequence of N calls names a gold file. Everything here is pure over the files.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain

from agents.code.explore_tools import OPEN_LINES, SEARCH_LINES, SYMBOL_REFS
from agents.code.locate_issue import read_issue
from agents.code.locate_repo import SourceFile
from agents.code.locate_signals import LAYOUT_DIRS, NOISE_NAMES, is_test_path
from agents.code.symbols import defining_sites, file_definitions, reference_sites

# find_symbol shows at most this many definitions (explore_tools._find_symbol)
SYMBOL_DEFS = 40
# Issue words at least this code-like (locate_issue._code_likeness): calls, compound or
# capitalised names in code. Plain prose words would give the oracle every English word.
CODE_LIKE = 0.8


def oracle_steps(
    start: Iterable[str],
    first_moves: Iterable[Iterable[str]],
    opens: Callable[[str], Iterable[str]],
    is_gold: Callable[[str], bool],
    max_steps: int,
) -> int | None:
    """The fewest tool steps after which a gold file is known, or None beyond `max_steps`.

    `start` is known before any step; each of `first_moves` is what one call needing nothing
    known (find_symbol or search of an issue's name) reveals; `opens(f)` is what opening a known
    `f` reveals. Knowledge only grows and no call needs two things known, so the fewest steps
    is a shortest path: the calls needing nothing come first, then opens, one file at a time.
    """
    known = dict.fromkeys(start, 0)
    if any(is_gold(f) for f in known):
        return 0  # before `first_moves` is consumed: it may be a generator, costly to run
    for moved in first_moves:
        for f in moved:
            known.setdefault(f, 1)
    for steps in range(1, max_steps + 1):
        # opening a file known after `steps - 1` steps is step `steps`
        for f in [f for f, d in known.items() if d == steps - 1]:
            for g in opens(f):
                known.setdefault(g, steps)
        if any(is_gold(f) and d <= steps for f, d in known.items()):
            return steps
    return None


def issue_names(issue_text: str) -> list[str]:
    """The code-like identifiers an issue names, the arguments a model would try first."""
    facts = read_issue(issue_text)
    return [
        name
        for name, weight in facts.identifiers.items()
        if weight >= CODE_LIKE and name not in NOISE_NAMES and not name.startswith("__")
    ]


def _first_files(sites: Iterable[tuple[str, int]], cap: int) -> list[str]:
    """The files among the first `cap` lines of a tool's answer, in its order."""
    ordered = sorted(sites, key=lambda s: (is_test_path(s[0]), s[0], s[1]))
    return list(dict.fromkeys(path for path, _ in ordered[:cap]))


def find_symbol_reveals(
    files: Sequence[SourceFile],
    name: str,
    defs_of: Callable[[SourceFile], list[tuple[str, str, int]]] = file_definitions,
) -> set[str]:
    """The files find_symbol's answer names (its caps and order, not its character budget)."""
    defs = [(s.path, s.line) for s in defining_sites(files, name, defs_of)]
    refs = [(s.path, s.line) for s in reference_sites(files, name, skip=set(defs))]
    return set(_first_files(defs, SYMBOL_DEFS)) | set(_first_files(refs, SYMBOL_REFS))


def search_reveals(files: Sequence[SourceFile], text: str) -> set[str]:
    """The files a fixed-text search's answer names (over the ranked files, as grep would)."""
    sites = [
        (f.path, n)
        for f in files
        if text in f.text
        for n, line in enumerate(f.text.split("\n"), start=1)
        if text in line
    ]
    return set(_first_files(sites, SEARCH_LINES))


@dataclass
class ImportGraph:
    """Which files a file's first window of lines imports, resolved to repository files."""

    files: Mapping[str, SourceFile]
    modules: dict[str, list[str]] = field(default_factory=dict)  # dotted name -> paths
    _memo: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def build(cls, files: Sequence[SourceFile]) -> ImportGraph:
        graph = cls({f.path: f for f in files})
        for f in files:
            for name in module_names(f.path):
                graph.modules.setdefault(name, []).append(f.path)
        return graph

    def opens(self, path: str) -> tuple[str, ...]:
        if path not in self._memo:
            f = self.files.get(path)
            found = resolve_imports(path, f.text, self.modules) if f else []
            self._memo[path] = tuple(found)
        return self._memo[path]


def module_names(path: str) -> list[str]:
    """The dotted names a Python file is imported by: from the root, and without a layout
    directory (`src/`, `lib/`) or a sdist's `Name-1.2/` in front."""
    if not path.endswith(".py"):
        return []
    parts = path[:-3].split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    names = [".".join(parts)] if parts else []
    if len(parts) > 1 and (parts[0] in LAYOUT_DIRS or not parts[0].isidentifier()):
        names.append(".".join(parts[1:]))
    return names


# One import statement: `from x import (a,\n b)`, a `\`-continued one, or `import x, y`.
_IMPORT_RE = re.compile(
    r"^[ \t]*(from[ \t]+[\w.]+[ \t]+import[ \t]*(?:\([^)]*\)|[^\n]*(?:\\\n[^\n]*)*)"
    r"|import[ \t]+[^\n]+)",
    re.M,
)


def resolve_imports(path: str, text: str, modules: Mapping[str, list[str]]) -> list[str]:
    """Repository files named by the imports in the lines one open_file call shows."""
    if not path.endswith(".py"):
        return []
    package = _package(path, modules)
    wanted: list[str] = []
    head = "\n".join(text.split("\n")[:OPEN_LINES])
    # statement by statement: a window usually ends inside a function, which ast cannot parse
    for m in _IMPORT_RE.finditer(head):
        try:
            nodes = ast.parse(m[1].strip()).body
        except (SyntaxError, ValueError, RecursionError):
            continue  # cut off by the window's end, or `import` in a docstring's prose
        for node in nodes:
            wanted += _imported(node, package)
    found = [p for name in wanted for p in modules.get(name, ())]
    return [p for p in dict.fromkeys(found) if p != path]


def _imported(node: ast.stmt, package: str) -> list[str]:
    """The dotted names an import statement may load: modules, and `from` names as modules."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = _absolute(node.module, node.level, package)
    if base is None:
        return []
    return [base] + [f"{base}.{alias.name}" for alias in node.names if base]


def _package(path: str, modules: Mapping[str, list[str]]) -> str:
    """The dotted package `path` is in, by the longest name the module map knows for it."""
    names = [n for n in module_names(path) if path in modules.get(n, ())]
    name = max(names, key=len, default="")
    return name if path.endswith("/__init__.py") else name.rpartition(".")[0]


def _absolute(module: str | None, level: int, package: str) -> str | None:
    if level == 0:
        return module
    parts = package.split(".") if package else []
    if level - 1 > len(parts):
        return None
    base = ".".join(parts[: len(parts) - (level - 1)])
    return ".".join(p for p in (base, module) if p)


@dataclass
class Explorable:
    """One repository tree, with what the oracle computes once and reuses across its issues."""

    files: list[SourceFile]
    imports: ImportGraph
    _defs: dict[str, list[tuple[str, str, int]]] = field(default_factory=dict)

    @classmethod
    def of(cls, files: list[SourceFile]) -> Explorable:
        return cls(files, ImportGraph.build(files))

    def definitions(self, f: SourceFile) -> list[tuple[str, str, int]]:
        if f.path not in self._defs:
            self._defs[f.path] = file_definitions(f)
        return self._defs[f.path]

    def steps(
        self,
        start: Iterable[str],
        issue_text: str,
        is_gold: Callable[[str], bool],
        max_steps: int,
    ) -> int | None:
        names = issue_names(issue_text)
        moves = chain(
            (find_symbol_reveals(self.files, n, self.definitions) for n in names),
            (search_reveals(self.files, n) for n in names),
        )
        return oracle_steps(start, moves, self.imports.opens, is_gold, max_steps)
