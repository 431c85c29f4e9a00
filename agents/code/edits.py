"""The model's edits as frozen dataclasses, and the parser of SEARCH/REPLACE blocks — pure.

Two formats come back from models: Aider-style SEARCH/REPLACE blocks (parsed here) and unified
diffs (parsed in `agents.code.diffs`). `parse_edits` picks the format. Every parse failure is an
`EditFormatError` that says what is wrong and on which line of the reply, because the agent
feeds the message back to the model.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass


class PatchError(Exception):
    """Base of every applier error; `str()` is a message fit for a maintainer or the model."""


class EditFormatError(PatchError):
    """The model's reply is not a well-formed set of edits."""


@dataclass(frozen=True)
class FileEdit:
    """Replace `search` by `replace` in `path`; an empty `search` creates or appends."""

    path: str
    search: str
    replace: str
    line: int = 0  # 1-based line of the block in the reply (0: built in code)


@dataclass(frozen=True)
class DeleteFile:
    """Delete `path`: whole-file deletion is never inferred, it must be asked for."""

    path: str
    line: int = 0


@dataclass(frozen=True)
class HunkLine:
    tag: str  # " " context, "-" removed, "+" added
    text: str  # without its line terminator
    newline: bool = True  # False when "\ No newline at end of file" follows


@dataclass(frozen=True)
class Hunk:
    """One `@@` hunk; the numbers are hints only (models get them wrong), None when absent."""

    old_start: int | None
    old_len: int | None
    new_start: int | None
    new_len: int | None
    lines: tuple[HunkLine, ...]
    section: str = ""
    line: int = 0

    @property
    def header(self) -> str:
        if self.old_start is None:
            return "@@ @@"
        return f"@@ -{self.old_start},{self.old_len} +{self.new_start},{self.new_len} @@"

    def old_lines(self) -> tuple[str, ...]:
        return tuple(h.text for h in self.lines if h.tag != "+")

    def new_lines(self) -> tuple[str, ...]:
        return tuple(h.text for h in self.lines if h.tag != "-")


@dataclass(frozen=True)
class FilePatch:
    """A file's part of a unified diff; `None` stands for /dev/null (creation or deletion)."""

    old_path: str | None
    new_path: str | None
    hunks: tuple[Hunk, ...]
    line: int = 0
    newline: str = "\n"  # the diff's own line ending: used only for a new or empty file

    @property
    def path(self) -> str:
        path = self.new_path or self.old_path
        assert path is not None  # the parser never builds /dev/null -> /dev/null
        return path


Edit = FileEdit | DeleteFile | FilePatch

# Aider accepts 5 to 9 marker characters; models miscount, so do we.
_SEARCH = re.compile(r"^\s*<{5,9} ?SEARCH\s*$")
_DIVIDER = re.compile(r"^\s*={5,9}\s*$")
_REPLACE = re.compile(r"^\s*>{5,9} ?REPLACE\s*$")
_DELETE = re.compile(r"^\s*<{5,9} ?DELETE\s*$")
_DELETE_END = re.compile(r"^\s*>{5,9} ?DELETE\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_DIFF_START = re.compile(r"^(@@ |@@$|--- |diff --git )", re.MULTILINE)
_PATH_DECORATION = "`*'\":# \t"


def parse_edits(text: str) -> tuple[Edit, ...]:
    """Parse a reply in either format; blocks win, since a block may quote a diff as content."""
    markers = (_SEARCH, _REPLACE, _DELETE)
    if any(marker.match(line) for line in text.splitlines() for marker in markers):
        return parse_search_replace(text)
    if _DIFF_START.search(text):
        from agents.code.unified import parse_unified_diff  # unified imports this module

        return parse_unified_diff(text)
    raise EditFormatError(
        "no edits found: expected SEARCH/REPLACE blocks (a file path line, then"
        " '<<<<<<< SEARCH', '=======', '>>>>>>> REPLACE') or a unified diff"
        " ('--- a/path', '+++ b/path', '@@ ... @@')"
    )


def parse_search_replace(text: str) -> tuple[FileEdit | DeleteFile, ...]:
    """Parse SEARCH/REPLACE (and DELETE) blocks; a block without a path reuses the last one."""
    lines = text.splitlines()
    edits: list[FileEdit | DeleteFile] = []
    path: str | None = None
    i = 0
    while i < len(lines):
        if _REPLACE.match(lines[i]):
            raise EditFormatError(f"line {i + 1}: '>>>>>>> REPLACE' without a SEARCH block")
        if _SEARCH.match(lines[i]) or _DELETE.match(lines[i]):
            path = _block_path(lines, i, path)
            if _DELETE.match(lines[i]):
                edits.append(DeleteFile(path, i + 1))
                i += 2 if i + 1 < len(lines) and _DELETE_END.match(lines[i + 1]) else 1
                continue
            edit, i = _read_block(lines, i, path)
            edits.append(edit)
            continue
        i += 1
    if not edits:
        raise EditFormatError("no SEARCH/REPLACE blocks found")
    return tuple(edits)


def _block_path(lines: list[str], start: int, previous: str | None) -> str:
    """The path is the closest line above the block that is not blank or a code fence."""
    for j in range(start - 1, -1, -1):
        line = lines[j]
        if not line.strip() or _FENCE.match(line):
            continue
        if _REPLACE.match(line) or _DELETE.match(line) or _DELETE_END.match(line):
            break  # blocks back to back: same file as the previous block
        path = _clean_path(line)
        if path:
            return path
    if previous is None:
        raise EditFormatError(
            f"line {start + 1}: the block has no file path; put the path on the line before it"
        )
    return previous


def _clean_path(line: str) -> str:
    """`src/x.py`, **src/x.py**, `# src/x.py:` and "Change src/x.py:" all mean src/x.py."""
    path = line.strip().strip(_PATH_DECORATION)
    words = path.split()
    if len(words) > 1 and ("/" in words[-1] or "." in words[-1]):
        path = words[-1].strip(_PATH_DECORATION)
    return path.removeprefix("./")


def _read_block(lines: list[str], start: int, path: str) -> tuple[FileEdit, int]:
    """Read one block starting at its SEARCH marker; return the edit and the next line index."""
    where = f"line {start + 1} ({path})"
    search: list[str] = []
    parts = _block_parts(lines, start + 1)
    for i, line in parts:
        if _DIVIDER.match(line):
            break
        if _SEARCH.match(line) or _REPLACE.match(line):
            raise EditFormatError(f"block at {where}: '=======' missing before line {i + 1}")
        search.append(line)
    else:
        raise EditFormatError(f"block at {where}: '=======' missing before the end of the reply")
    replace: list[str] = []
    for i, line in parts:
        if _REPLACE.match(line):
            return FileEdit(path, _join(search), _join(replace), start + 1), i + 1
        if _SEARCH.match(line):
            raise EditFormatError(
                f"block at {where}: '>>>>>>> REPLACE' missing before line {i + 1}"
            )
        replace.append(line)
    raise EditFormatError(
        f"block at {where}: '>>>>>>> REPLACE' missing before the end of the reply"
    )


def _block_parts(lines: list[str], start: int) -> Iterator[tuple[int, str]]:
    # one shared iterator, so the REPLACE loop resumes where the SEARCH loop stopped
    yield from ((i, lines[i]) for i in range(start, len(lines)))


def _join(lines: list[str]) -> str:
    return "".join(line + "\n" for line in lines)
