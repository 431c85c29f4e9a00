"""Git's plumbing output parsed into frozen records (pure: text in, dataclasses out)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class Ident:
    """Author or committer of a commit."""

    name: str
    email: str
    date: datetime


@dataclass(frozen=True)
class TreeEntry:
    """One row of `git ls-tree -l`; `size` is None for trees and submodules."""

    mode: str
    type: str
    sha: str
    path: str
    size: int | None


@dataclass(frozen=True)
class CommitInfo:
    """A parsed commit object."""

    sha: str
    tree: str
    parents: tuple[str, ...]
    author: Ident
    committer: Ident
    message: str


@dataclass(frozen=True)
class FileChange:
    """One file of a two-dot diff (`git diff --raw --numstat`)."""

    status: str
    path: str
    old_path: str | None
    sha: str
    additions: int
    deletions: int


_STATUS = {
    "A": "added",
    "D": "removed",
    "M": "modified",
    "R": "renamed",
    "C": "copied",
    "T": "changed",
}


def parse_ls_tree(row: str) -> TreeEntry:
    meta, _, path = row.partition("\t")
    mode, type_, sha, size = meta.split()
    return TreeEntry(mode, type_, sha, path, None if size == "-" else int(size))


def parse_ident(value: str) -> Ident:
    # "Name <email> 1700000000 +0000"
    name, _, rest = value.partition(" <")
    email, _, stamp = rest.partition("> ")
    seconds = int(stamp.split(" ")[0])
    return Ident(name, email, datetime.fromtimestamp(seconds, UTC))


def parse_raw_numstat(raw: str) -> list[FileChange]:
    """Parse `git diff --raw --numstat -z` output: raw records first, then numstat."""
    fields = raw.split("\0")
    changes: list[tuple[str, str, str | None, str]] = []
    i = 0
    while i < len(fields) and fields[i].startswith(":"):
        meta = fields[i][1:].split(" ")
        letter = meta[4][0]
        if letter in "RC":
            changes.append((letter, fields[i + 2], fields[i + 1], meta[3]))
            i += 3
        else:
            changes.append((letter, fields[i + 1], None, meta[3]))
            i += 2
    counts = parse_numstat(fields[i:])
    return [
        FileChange(_STATUS.get(letter, "changed"), path, old, sha, *counts.get(path, (0, 0)))
        for letter, path, old, sha in changes
    ]


def parse_numstat(fields: list[str]) -> dict[str, tuple[int, int]]:
    counts: dict[str, tuple[int, int]] = {}
    i = 0
    while i < len(fields) and fields[i]:
        added, deleted, path = fields[i].split("\t", 2)
        if not path:  # a rename: old and new paths follow as separate fields
            path = fields[i + 2]
            i += 2
        counts[path] = (0 if added == "-" else int(added), 0 if deleted == "-" else int(deleted))
        i += 1
    return counts
