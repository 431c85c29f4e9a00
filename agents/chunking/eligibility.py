"""Which files are worth chunking: by path and size, then by content — pure."""

from __future__ import annotations

import re

from agents.code.locate_repo import words

MAX_CHUNKABLE_BYTES = 200_000

_TEXT_SUFFIXES = words(
    "py pyi md markdown mdx rst txt adoc js jsx mjs cjs ts tsx mts cts vue svelte go rs java kt"
    " kts scala groovy gradle c h cc cpp cxx hpp hh cs fs rb php swift m mm dart lua pl pm r jl"
    " ex exs erl hrl hs ml mli clj cljs elm zig nim sh bash zsh fish ps1 bat sql graphql gql proto"
    " yaml yml toml ini cfg conf json jsonc tf hcl html htm css scss sass less xml cmake mk"
)
_TEXT_NAMES = words(
    "makefile dockerfile containerfile procfile gemfile rakefile justfile vagrantfile jenkinsfile"
    " readme license copying notice authors changelog contributing codeowners"
)
_SKIP_DIRS = words(
    "node_modules vendor third_party bower_components dist build .git .hg .svn __pycache__ .venv"
    " venv site-packages .tox .mypy_cache .pytest_cache .next coverage"
)
_LOCK_NAMES = words(
    "package-lock.json npm-shrinkwrap.json pnpm-lock.yaml yarn.lock go.sum cargo.lock poetry.lock"
    " pipfile.lock composer.lock gemfile.lock uv.lock"
)
_MINIFIED_NAME = re.compile(r"[.-]min\.\w+$|\.map$|\.bundle\.js$")


def chunkable(path: str, size: int) -> bool:
    """Whether a file is worth chunking: text-like, not huge, not a lock file, minified bundle
    or vendored/built copy. `path` is relative and "/"-separated, `size` in bytes."""
    if not 0 < size <= MAX_CHUNKABLE_BYTES:
        return False
    *dirs, name = path.lower().split("/")
    if any(d in _SKIP_DIRS for d in dirs) or name in _LOCK_NAMES:
        return False
    if name.endswith(".lock") or _MINIFIED_NAME.search(name):
        return False
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        return name in _TEXT_NAMES
    return suffix in _TEXT_SUFFIXES or stem in _TEXT_NAMES  # e.g. README.txt, Dockerfile.dev


def chunkable_text(text: str) -> bool:
    """The content check `chunkable` cannot make: no NUL (binary), no minified one-liners."""
    if "\x00" in text[:8192]:
        return False
    lines = text.count("\n") + 1
    return len(text) <= 2_000 or len(text) / lines <= 300
