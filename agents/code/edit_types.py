"""What an edit of the model's is, whichever format it came in: frozen dataclasses, and the
errors a parse or an application raises. Both parsers (`edits`, `unified`) build these."""

from __future__ import annotations

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
