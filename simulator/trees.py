"""Pure tree editing: GitHub's create-a-tree semantics on a flattened `path -> entry` map."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

TREE_MODE = "040000"


@dataclass(frozen=True)
class FlatEntry:
    """A leaf of a flattened tree (blob, symlink or submodule), or a subtree placeholder."""

    mode: str
    type: str
    sha: str


@dataclass(frozen=True)
class TreeChange:
    """One `tree[]` item of POST /git/trees, after its `content` was written as a blob."""

    path: str
    mode: str
    type: str
    sha: str | None  # None deletes the path


def _drop(entries: dict[str, FlatEntry], path: str) -> None:
    """Remove `path`, everything below it, and any file standing where a parent dir must be."""
    for key in [k for k in entries if k == path or k.startswith(path + "/")]:
        del entries[key]
    parts = path.split("/")
    for depth in range(1, len(parts)):
        entries.pop("/".join(parts[:depth]), None)


def apply_changes(
    base: dict[str, FlatEntry],
    changes: list[TreeChange],
    expand: Callable[[str], dict[str, FlatEntry]],
) -> dict[str, FlatEntry]:
    """Apply changes in order; `expand(tree_sha)` flattens a tree given by sha."""
    result = dict(base)
    for change in changes:
        path = change.path.strip("/")
        _drop(result, path)
        if change.sha is None:
            continue
        if change.type == "tree":
            result.update({f"{path}/{sub}": e for sub, e in expand(change.sha).items()})
        else:
            result[path] = FlatEntry(change.mode, change.type, change.sha)
    return result


def nest(entries: dict[str, FlatEntry]) -> list[tuple[str, list[tuple[str, FlatEntry]]]]:
    """Directories deepest first, each with its (name, entry) children.

    A subdirectory child is a placeholder `FlatEntry(TREE_MODE, "tree", <its dir path>)`;
    the writer substitutes the sha it got for that directory. The root is `""`.
    """
    children: dict[str, list[tuple[str, FlatEntry]]] = {"": []}
    for path, entry in entries.items():
        parent, _, name = path.rpartition("/")
        _ensure_dir(children, parent)
        children[parent].append((name, entry))
    return sorted(children.items(), key=lambda item: -_depth(item[0]))


def _ensure_dir(children: dict[str, list[tuple[str, FlatEntry]]], directory: str) -> None:
    if directory in children:  # the root "" is always there, which ends the recursion
        return
    grand, _, name = directory.rpartition("/")
    _ensure_dir(children, grand)
    children[directory] = []
    children[grand].append((name, FlatEntry(TREE_MODE, "tree", directory)))


def _depth(directory: str) -> int:
    return directory.count("/") + 1 if directory else 0
