"""Parsing the model's edits: SEARCH/REPLACE blocks here, unified diffs in `unified` — pure.

Two formats come back from models: Aider-style SEARCH/REPLACE blocks (parsed here) and unified
diffs (parsed in `agents.code.unified`). `parse_edits` picks the format. Every parse failure is an
`EditFormatError` that says what is wrong and on which line of the reply, because the agent
feeds the message back to the model.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from agents.code.edit_types import (
    DeleteFile,
    Edit,
    EditFormatError,
    FileEdit,
    FilePatch,
    Hunk,
    HunkLine,
    PatchError,
)
from agents.code.unified import parse_unified_diff

# the edit types are imported from here by most of the package
__all__ = [
    "DeleteFile",
    "Edit",
    "EditFormatError",
    "FileEdit",
    "FilePatch",
    "Hunk",
    "HunkLine",
    "PatchError",
    "parse_edits",
    "parse_search_replace",
]


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
