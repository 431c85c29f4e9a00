"""The git-style diff of an applied change, checked by parsing it back with `unidiff` — pure.

The diff is what a maintainer reads in the pull request and what `morningai solve --diff`
prints, so it must say exactly what was written: the check parses it with `unidiff`, compares
the file list and line counts, and rebuilds every new file from the old one and the hunks.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from unidiff.errors import UnidiffParseError
from unidiff.patch import Hunk, PatchedFile, PatchSet

from agents.code.edits import PatchError

_LINE = re.compile(r"[^\n]*\n|[^\n]+\Z")
_NO_NEWLINE = "\n\\ No newline at end of file\n"


class DiffCheckError(PatchError):
    """The produced diff does not describe the change (a bug in the applier, not the model)."""


@dataclass(frozen=True)
class FileChange:
    """One file's content before and after; `None` means the file does not exist."""

    path: str
    before: bytes | None
    after: bytes | None
    mode: int = 0o100644  # for the diff header only: git's regular or executable file mode

    @property
    def kind(self) -> str:
        if self.before is None:
            return "created"
        return "deleted" if self.after is None else "modified"


def render_diff(files: Sequence[FileChange]) -> str:
    """A git-style unified diff (3 lines of context) of all the changes, in the given order."""
    return "".join(_file_diff(change) for change in files)


def _file_diff(change: FileChange) -> str:
    path = change.path
    head = f"diff --git a/{path} b/{path}\n"
    if change.kind == "created":
        head += f"new file mode {change.mode:o}\n"
    elif change.kind == "deleted":
        head += f"deleted file mode {change.mode:o}\n"
    old = "/dev/null" if change.before is None else f"a/{path}"
    new = "/dev/null" if change.after is None else f"b/{path}"
    before, after = _text_lines(change.before), _text_lines(change.after)
    if before is None or after is None:
        return head + f"Binary files {old} and {new} differ\n"
    body = difflib.unified_diff(before, after, old, new, lineterm="\n")
    return head + "".join(line if line.endswith("\n") else line + _NO_NEWLINE for line in body)


def _text_lines(data: bytes | None) -> list[str] | None:
    if data is None:
        return []
    try:
        return _LINE.findall(data.decode("utf-8"))
    except UnicodeDecodeError:
        return None


def validate_diff(diff: str, files: Sequence[FileChange]) -> None:
    """Parse `diff` with unidiff and check that it states exactly `files`; DiffCheckError if not."""
    try:
        patch = PatchSet(diff)
    except UnidiffParseError as exc:
        raise DiffCheckError(f"the produced diff does not parse: {exc}") from None
    got = {patched.path: patched for patched in patch}
    want = {change.path: change for change in files}
    if sorted(got) != sorted(want) or len(patch) != len(files):
        raise DiffCheckError(f"the diff names {sorted(got)}, the change touches {sorted(want)}")
    for path, change in want.items():
        _check_file(got[path], change)


def _check_file(patched: PatchedFile, change: FileChange) -> None:
    path = change.path
    # not is_added_file/is_removed_file: those also call a file emptied or filled "removed"
    sides = (patched.source_file == "/dev/null", patched.target_file == "/dev/null")
    if sides != (change.kind == "created", change.kind == "deleted"):
        raise DiffCheckError(f"{path}: the diff does not say the file is {change.kind}")
    before, after = _text_lines(change.before), _text_lines(change.after)
    if before is None or after is None:
        if not patched.is_binary_file:
            raise DiffCheckError(f"{path}: a binary file appears as text in the diff")
        return
    added, removed = _counts(before, after)
    if (patched.added, patched.removed) != (added, removed):
        raise DiffCheckError(
            f"{path}: the diff adds {patched.added} and removes {patched.removed} lines,"
            f" the change adds {added} and removes {removed}"
        )
    if _rebuild(before, patched) != after:
        raise DiffCheckError(f"{path}: the diff's hunks do not rebuild the new content")


def _counts(before: list[str], after: list[str]) -> tuple[int, int]:
    # the same matcher settings as difflib.unified_diff, so both find the same edit script
    ops = difflib.SequenceMatcher(None, before, after).get_opcodes()
    added = sum(j2 - j1 for tag, _, _, j1, j2 in ops if tag != "equal")
    removed = sum(i2 - i1 for tag, i1, i2, _, _ in ops if tag != "equal")
    return added, removed


def _rebuild(before: list[str], patched: PatchedFile) -> list[str] | None:
    """Apply the parsed hunks strictly by their line numbers; None when a line disagrees."""
    out: list[str] = []
    pos = 0
    for hunk in patched:
        start = hunk.source_start - 1 if hunk.source_length else hunk.source_start
        if start < pos:
            return None
        out.extend(before[pos:start])
        pos = start
        for tag, value in _hunk_lines(hunk):
            if tag in " -":
                if pos >= len(before) or before[pos] != value:
                    return None
                pos += 1
            if tag in " +":
                out.append(value)
    return out + before[pos:]


def _hunk_lines(hunk: Hunk) -> list[tuple[str, str]]:
    """(type, text) pairs, with "\\ No newline at end of file" taken off the line before it."""
    lines: list[tuple[str, str]] = []
    for line in hunk:
        tag, value = line.line_type, line.value
        if tag == "\\":
            if lines:
                lines[-1] = (lines[-1][0], lines[-1][1].removesuffix("\n"))
            continue
        lines.append((tag, value))
    return lines
