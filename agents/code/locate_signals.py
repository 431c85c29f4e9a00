"""The repository index and the structural signals: paths, stack traces, modules, symbols."""

from __future__ import annotations

import builtins
import keyword
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from agents.code.locate_defs import Definition, definitions
from agents.code.locate_issue import IssueFacts
from agents.code.locate_repo import SourceFile
from agents.code.locate_text import BM25, Tokenizer

# Directories that hold a package's code without being part of its import name.
LAYOUT_DIRS = frozenset({"src", "lib", "python", "source", "pkg", "app"})
TEST_DIRS = frozenset({"test", "tests", "testing", "__tests__", "spec", "specs", "unittests"})
# Code that is shown rather than shipped: examples, benchmarks, documentation sources.
EXAMPLE_DIRS = frozenset(
    {"examples", "example", "docs", "doc", "benchmarks", "benchmark", "asv_bench", "galleries"}
)
TEST_NAME_RE = re.compile(
    r"^(test_.*\.py|.*_tests?\.py|tests?\.py|conftest\.py|.*\.(test|spec)\.[jt]sx?|"
    r".*Tests?\.(java|kt|cs|scala)|.*_test\.(go|rb|rs|cc|cpp)|.*_spec\.rb)$"
)
# Names the issue uses that say nothing about this repository.
NOISE_NAMES = frozenset(keyword.kwlist) | frozenset(dir(builtins)) | {"self", "cls", "args"}
KIND_WEIGHT = {"class": 1.0, "function": 1.0, "method": 0.6}

Evidence = dict[int, list[tuple[float, str]]]


def is_test_path(path: str) -> bool:
    parts = path.split("/")
    return any(p in TEST_DIRS for p in parts[:-1]) or bool(TEST_NAME_RE.match(parts[-1]))


def is_example_path(path: str) -> bool:
    return any(p in EXAMPLE_DIRS for p in path.split("/")[:-1])


def _module_names(path: str) -> list[str]:
    """Dotted names a Python file may be imported as: every suffix of two or more parts."""
    if not path.endswith(".py"):
        return []
    parts = path[:-3].split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return [".".join(parts[i:]) for i in range(len(parts) - 1)] if len(parts) > 1 else parts


@dataclass
class RepoIndex:
    """Built once per ranking: tokens, definitions and lookup tables for every file."""

    files: list[SourceFile]
    tokenizer: Tokenizer
    content: BM25
    names: BM25
    defs: list[list[Definition]]
    is_test: list[bool]
    is_example: list[bool]
    by_basename: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    by_stem: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    by_module: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    # name or "Class.method" -> {file: best kind weight}
    definers: dict[str, dict[int, float]] = field(default_factory=lambda: defaultdict(dict))


def _name_terms(tok: Tokenizer, path: str, defs: list[Definition]) -> Counter[str]:
    terms: Counter[str] = Counter(tok.terms(path.replace("/", " ").replace(".", " ")))
    for d in defs:
        terms.update(tok.split_identifier(d.name))
    return terms


def build_index(files: list[SourceFile]) -> RepoIndex:
    tok = Tokenizer()
    defs = [definitions(f.path, f.text, exact=False) if f.kind == "code" else [] for f in files]
    index = RepoIndex(
        files=files,
        tokenizer=tok,
        content=BM25([tok.counts(f.text) for f in files]),
        names=BM25([_name_terms(tok, f.path, d) for f, d in zip(files, defs, strict=True)]),
        defs=defs,
        is_test=[is_test_path(f.path) for f in files],
        is_example=[is_example_path(f.path) for f in files],
    )
    for i, f in enumerate(files):
        basename = f.path.rsplit("/", 1)[-1]
        index.by_basename[basename].append(i)
        index.by_stem[basename.split(".", 1)[0]].append(i)
        for name in _module_names(f.path):
            index.by_module[name].append(i)
        for d in defs[i]:
            for key in {d.name, ".".join(d.qualname.split(".")[-2:])}:
                weight = KIND_WEIGHT[d.kind]
                if weight > index.definers[key].get(i, 0.0):
                    index.definers[key][i] = weight
    return index


def resolve_path(index: RepoIndex, mention: str) -> list[tuple[int, float]]:
    """Files a written path can mean, by the longest common suffix, with a confidence each.

    Traces carry absolute or site-packages paths and repositories put code under `src/`, so
    matching is by suffix; ties share the confidence.
    """
    parts = [p for p in re.split(r"[/\\]", mention) if p not in {"", "."}]
    if not parts:
        return []
    scored = []
    for i in index.by_basename.get(parts[-1], []):
        repo = index.files[i].path.split("/")
        k = 0
        while k < min(len(parts), len(repo)) and parts[-1 - k] == repo[-1 - k]:
            k += 1
        rest = repo[: len(repo) - k]
        full = k == len(parts) or not rest or (len(rest) == 1 and rest[0] in LAYOUT_DIRS)
        scored.append((k, i, 1.0 if full else 0.5 * k / len(repo)))
    if not scored:
        return []
    best = max(k for k, _, _ in scored)
    ties = [(i, q) for k, i, q in scored if k == best]
    return [(i, q / len(ties)) for i, q in ties]


def path_evidence(index: RepoIndex, facts: IssueFacts) -> Evidence:
    out: Evidence = defaultdict(list)
    for mention in facts.paths:
        for i, conf in resolve_path(index, mention):
            out[i].append((conf, f"mentioned path {mention}"))
    # A code-like name that is a file's stem (`L060` -> rules/L060.py, `Parser` -> Parser.java);
    # plain lower-case words (`filter`, `models`) are calls and prose far more often than files.
    for name, likeness in facts.identifiers.items():
        plain = name.isalpha() and name.islower()
        files = index.by_stem.get(name, []) if likeness >= 0.8 and not plain else []
        for i in files:
            out[i].append((0.7 * likeness / len(files), f"mentioned file name {name}"))
    return out


def trace_evidence(index: RepoIndex, facts: IssueFacts) -> Evidence:
    """Frames nearer the error (later in a Python traceback) count a little more."""
    out: Evidence = defaultdict(list)
    n = len(facts.frames)
    for pos, frame in enumerate(facts.frames):
        for i, conf in resolve_path(index, frame.path):
            where = f" in {frame.function}" if frame.function else ""
            weight = conf * (0.6 + 0.4 * (pos + 1) / n)
            out[i].append((weight, f"stack trace line {frame.line}{where}"))
    return out


def _resolve_module(index: RepoIndex, dotted: str) -> tuple[list[int], list[str]]:
    """The longest dotted prefix naming a module, and the rest (attribute names)."""
    parts = dotted.split(".")
    for cut in range(len(parts), 1, -1):
        files = index.by_module.get(".".join(parts[:cut]))
        if files:
            return files, parts[cut:]
    return [], parts


def _inside(index: RepoIndex, i: int, module: int) -> bool:
    """Whether file `i` is the module file itself or, for a package, lies under it."""
    path = index.files[module].path
    if not path.endswith("/__init__.py"):
        return i == module
    return index.files[i].path.startswith(path[: -len("__init__.py")])


def module_evidence(index: RepoIndex, facts: IssueFacts) -> Evidence:
    """Dotted names (`pkg.mod.Class.meth`) and `from pkg.mod import Name` lines."""
    out: Evidence = defaultdict(list)
    refs = [(d, "") for d in facts.dotted] + list(facts.imports)
    for dotted, imported in refs:
        files, rest = _resolve_module(index, dotted)
        for i in files:
            out[i].append((0.5 / len(files), f"module {dotted}"))
        name = imported or (rest[0] if rest else "")
        if not files or not name:
            continue
        # Resolve the name inside the module's package: re-exports live in __init__.py.
        owners = [i for i in index.definers.get(name, {}) if _inside(index, i, files[0])]
        for i in owners:
            out[i].append((1.0 / len(owners), f"defines {name} imported from {dotted}"))
    return out


def symbol_evidence(index: RepoIndex, facts: IssueFacts) -> Evidence:
    """Files defining what the issue names; a name defined in many files says little."""
    out: Evidence = defaultdict(list)
    wanted = dict(facts.identifiers)
    for dotted in facts.dotted:
        tail = ".".join(dotted.split(".")[-2:])
        wanted[tail] = max(wanted.get(tail, 0.0), 1.5)  # `Class.method` pins a method down
    n_files = max(len(index.files), 2)
    for name, likeness in wanted.items():
        owners = index.definers.get(name)
        if not owners or name in NOISE_NAMES or name.startswith("__"):
            continue
        rarity = math.log(n_files / len(owners)) / math.log(n_files)
        for i, kind_weight in owners.items():
            weight = likeness * kind_weight * rarity / math.sqrt(len(owners))
            out[i].append((weight, f"defines {name}"))
    return out
