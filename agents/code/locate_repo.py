"""Which files of a repository directory localization reads: text sources, not what is ignored."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pathspec

Kind = Literal["code", "doc", "config"]


def words(text: str) -> frozenset[str]:
    """A set from a whitespace-separated word list, which reads better than a list literal."""
    return frozenset(text.split())


# Above this a "source" file is almost always data, a bundle or a generated table.
MAX_BYTES = 1_000_000

SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        "bower_components",
        "vendor",
        "vendored",
        "_vendor",
        "third_party",
        "third-party",
        "thirdparty",
        # the scientific Python convention for bundled copies of other projects
        "extern",
        "cextern",
        "externals",
        "__pycache__",
        ".tox",
        ".nox",
        ".venv",
        "venv",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        "site-packages",
        ".eggs",
    }
)

CODE_EXTS = words(
    "py pyi pyx pxd js jsx mjs cjs ts tsx vue svelte java kt kts scala groovy go rs rb php cs "
    "c h cc cpp cxx hpp hh hxx m mm swift dart lua pl pm r jl ex exs erl hrl hs ml mli clj "
    "sh bash zsh sql html htm css scss sass less proto graphql tf"
)
DOC_EXTS = words("md rst txt adoc")
CONFIG_EXTS = words("toml cfg ini yaml yml json xml gradle")
CONFIG_NAMES = frozenset(
    {"Makefile", "Dockerfile", "Gemfile", "Rakefile", "CMakeLists.txt", "Jenkinsfile"}
)
# Lock files and the like are generated, large and never what an issue is about.
GENERATED_NAMES = frozenset(
    {
        "package-lock.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "poetry.lock",
        "Cargo.lock",
        "Gemfile.lock",
        "composer.lock",
        "go.sum",
        "uv.lock",
        "PKG-INFO",
        "SOURCES.txt",
    }
)
GENERATED_NAME_RE = re.compile(
    r"(_pb2(_grpc)?\.py|\.pb\.go|\.min\.(js|css)|\.generated\.\w+|\.map)$"
)
GENERATED_MARK_RE = re.compile(rb"@generated|DO NOT EDIT|[Aa]uto-?generated (by|from|file)")


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A repository file kept for ranking; `path` is POSIX and relative to the root."""

    path: str
    text: str
    kind: Kind


def file_kind(name: str) -> Kind | None:
    """The kind of a file by its name, or None for what is not read at all (data, media)."""
    if name in GENERATED_NAMES or GENERATED_NAME_RE.search(name):
        return None
    if name in CONFIG_NAMES:
        return "config"
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext in CODE_EXTS:
        return "code"
    if ext in DOC_EXTS:
        return "doc"
    if ext in CONFIG_EXTS:
        return "config"
    return None


def looks_generated(data: bytes) -> bool:
    """Binary, minified or marked as generated, judged from the bytes."""
    head = data[:8192]
    if b"\0" in head:
        return True
    if GENERATED_MARK_RE.search(data[:1024]):
        return True
    # Minified bundles: few, very long lines.
    lines = data.count(b"\n") + 1
    return len(data) > 5000 and len(data) / lines > 300


class _Ignores:
    """The .gitignore files met on the way down, each applying below its own directory."""

    def __init__(self) -> None:
        self._specs: list[tuple[str, pathspec.GitIgnoreSpec]] = []

    def enter(self, rel_dir: str, abs_dir: Path) -> None:
        gitignore = abs_dir / ".gitignore"
        if gitignore.is_file():
            lines = gitignore.read_text(errors="replace").splitlines()
            self._specs.append((rel_dir, pathspec.GitIgnoreSpec.from_lines(lines)))

    def ignored(self, rel_path: str, is_dir: bool) -> bool:
        # As in git, the deepest .gitignore with a matching pattern decides (`!x` re-includes).
        for base, spec in reversed(self._specs):
            if base and not rel_path.startswith(base + "/"):
                continue
            sub = rel_path[len(base) + 1 :] if base else rel_path
            decision = spec.check_file(sub + "/" if is_dir else sub).include
            if decision is not None:
                return decision
        return False


def _walk(root: Path) -> Iterator[str]:
    """Relative POSIX paths of candidate files, pruning skipped and ignored directories."""
    ignores = _Ignores()
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = Path(dirpath).relative_to(root).as_posix()
        rel_dir = "" if rel_dir == "." else rel_dir
        ignores.enter(rel_dir, Path(dirpath))
        prefix = rel_dir + "/" if rel_dir else ""
        dirnames[:] = sorted(
            d
            for d in dirnames
            if d not in SKIP_DIRS
            and not d.endswith(".egg-info")
            and not ignores.ignored(prefix + d, is_dir=True)
        )
        for name in sorted(filenames):
            if not ignores.ignored(prefix + name, is_dir=False):
                yield prefix + name


def read_sources(root: Path) -> list[SourceFile]:
    """Every text file worth ranking under `root`, in a stable order."""
    files = []
    for rel in _walk(root):
        kind = file_kind(rel.rsplit("/", 1)[-1])
        path = root / rel
        if kind is None or path.is_symlink():
            continue
        try:
            if path.stat().st_size > MAX_BYTES:
                continue
            data = path.read_bytes()
        except OSError:
            continue
        if looks_generated(data):
            continue
        files.append(SourceFile(rel, data.decode("utf-8", errors="replace"), kind))
    return files
