"""A tolerant parser for the unified diffs models write — pure.

Models write diffs with wrong hunk counts, no line numbers (`@@ ... @@`), blank context lines
without their leading space and prose around them; `unidiff` rightly rejects all of that, so the
model's diff is read here, leniently, and the numbers are kept as hints only. The diff we
produce ourselves is strict and checked with `unidiff` (see `agents.code.diffs`).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, replace

from agents.code.edit_types import EditFormatError, FilePatch, Hunk, HunkLine

_HUNK = re.compile(r"^@@+ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@+ ?(.*)$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_GIT_EXTENDED = (
    "old mode ",
    "new mode ",
    "deleted file mode ",
    "new file mode ",
    "similarity index ",
    "dissimilarity index ",
    "rename from ",
    "rename to ",
    "copy from ",
    "copy to ",
    "index ",
)


def parse_unified_diff(text: str) -> tuple[FilePatch, ...]:
    """Parse a (possibly sloppy) unified or git diff; prose and fences around it are skipped."""
    raw = text.removesuffix("\n").split("\n")
    lines = [line.removesuffix("\r") for line in raw]
    patches: list[FilePatch] = []
    i = 0
    while i < len(lines):
        start, line = i, lines[i]
        if line.startswith("diff --git "):
            patch, i = _read_git_file(lines, i)
        elif _is_file_header(lines, i):
            patch, i = _read_file(lines, i, _GitInfo())
        elif line.startswith("@@"):
            raise EditFormatError(
                f"line {i + 1}: a hunk comes before any file header ('--- a/path', '+++ b/path')"
            )
        elif line.startswith(("Binary files ", "GIT binary patch")):
            raise EditFormatError(f"line {i + 1}: binary patches are not supported")
        else:
            i += 1
            continue
        if patch is not None:
            patches.append(replace(patch, newline=_newline(raw[start:i])))
    if not patches:
        raise EditFormatError("no file headers ('--- a/path' then '+++ b/path') in the diff")
    return tuple(patches)


def _newline(raw: list[str]) -> str:
    """CRLF if most added and context lines end in CR (a new file then gets CRLF too)."""
    # a line before "\ No newline at end of file" has no ending at all: it does not count
    ends = [*raw[1:], ""]
    body = [
        line
        for line, after in zip(raw, ends, strict=True)
        if line[:1] in ("+", " ") and not line.startswith("+++ ") and not after.startswith("\\")
    ]
    crlf = sum(1 for line in body if line.endswith("\r"))
    return "\r\n" if body and crlf * 2 > len(body) else "\n"


@dataclass(frozen=True)
class _GitInfo:
    """What a `diff --git` extended header says about the file."""

    old_path: str | None = None
    new_path: str | None = None
    created: bool = False
    deleted: bool = False
    line: int = 0


def _is_file_header(lines: list[str], i: int) -> bool:
    return lines[i].startswith("--- ") and i + 1 < len(lines) and lines[i + 1].startswith("+++ ")


def _read_git_file(lines: list[str], start: int) -> tuple[FilePatch | None, int]:
    old, new = _git_header_paths(lines[start][len("diff --git ") :])
    info = _GitInfo(old, new, line=start + 1)
    i = start + 1
    while i < len(lines) and lines[i].startswith(_GIT_EXTENDED):
        line = lines[i]
        if line.startswith("rename from "):
            info = replace(info, old_path=_unquote(line[len("rename from ") :]))
        elif line.startswith("rename to "):
            info = replace(info, new_path=_unquote(line[len("rename to ") :]))
        elif line.startswith(("copy from ", "copy to ")):
            raise EditFormatError(f"line {i + 1}: copies are not supported; create the file")
        info = replace(
            info,
            created=info.created or line.startswith("new file mode "),
            deleted=info.deleted or line.startswith("deleted file mode "),
        )
        i += 1
    if i < len(lines) and lines[i].startswith(("Binary files ", "GIT binary patch")):
        raise EditFormatError(f"line {i + 1}: binary patches are not supported")
    if i < len(lines) and _is_file_header(lines, i):
        return _read_file(lines, i, info)
    if info.old_path is None or info.new_path is None:
        raise EditFormatError(f"line {start + 1}: cannot read the paths of this 'diff --git'")
    old_path = None if info.created else info.old_path
    new_path = None if info.deleted else info.new_path
    if old_path == new_path and not (info.created or info.deleted):
        return None, i  # a mode change only: nothing for us to apply
    return FilePatch(old_path, new_path, (), start + 1), i


def _read_file(lines: list[str], start: int, info: _GitInfo) -> tuple[FilePatch, int]:
    old, new = _header_paths(lines[start][4:], lines[start + 1][4:])
    if old is None and new is None:
        raise EditFormatError(f"line {start + 1}: both sides of the file header are /dev/null")
    hunks: list[Hunk] = []
    i = start + 2
    while i < len(lines) and lines[i].startswith("@@"):
        hunk, i = _read_hunk(lines, i)
        hunks.append(hunk)
    if not hunks and old is not None and new is not None and old == new:
        raise EditFormatError(f"line {start + 1}: the diff of {new} has no hunks ('@@ ... @@')")
    return FilePatch(old, new, tuple(hunks), info.line or start + 1), i


def _read_hunk(lines: list[str], start: int) -> tuple[Hunk, int]:
    hunk = _hunk_header(lines[start], start + 1)
    body: list[HunkLine] = []
    bare_tail = 0  # blank lines without their leading space at the end: maybe separators
    i = start + 1
    while i < len(lines):
        line = lines[i]
        if line.startswith(("@@", "diff --git ")) or _is_file_header(lines, i):
            break
        if line.startswith("\\"):
            if body:  # "\ No newline at end of file" qualifies the line before it
                body[-1] = replace(body[-1], newline=False)
        elif line == "" or line[0] in " +-":
            body.append(HunkLine(line[:1] or " ", line[1:]))
            bare_tail = bare_tail + 1 if line == "" else 0
        elif _FENCE.match(line) or not _hunk_lines_follow(lines, i):
            break
        else:
            raise EditFormatError(
                f"line {i + 1}, in the hunk at line {start + 1} ({hunk.header}): every line of"
                " a hunk must start with ' ' (context), '-' (removed) or '+' (added)"
            )
        i += 1
    body = _drop_separators(hunk, body, bare_tail)
    if not body:
        raise EditFormatError(f"line {start + 1}: the hunk {hunk.header} is empty")
    return replace(hunk, lines=tuple(body)), i


def _hunk_header(line: str, number: int) -> Hunk:
    match = _HUNK.match(line)
    if match is None:  # "@@ ... @@" or a bare "@@": no numbers, place it by its content
        return Hunk(None, None, None, None, (), line.strip("@ "), number)
    old, old_len, new, new_len, section = match.groups()
    return Hunk(
        int(old),
        1 if old_len is None else int(old_len),
        int(new),
        1 if new_len is None else int(new_len),
        (),
        section.strip(),
        number,
    )


def _drop_separators(hunk: Hunk, body: list[HunkLine], bare_tail: int) -> list[HunkLine]:
    """Trailing blank lines belong to the hunk only if its line counts say so."""
    if not bare_tail:
        return body
    old = sum(1 for h in body if h.tag != "+")
    new = sum(1 for h in body if h.tag != "-")
    if (old, new) == (hunk.old_len, hunk.new_len):
        return body
    return body[:-bare_tail]


def _hunk_lines_follow(lines: list[str], start: int) -> bool:
    """Whether diff lines follow before the next header: then a stray line is an error."""
    for i in range(start + 1, len(lines)):
        line = lines[i]
        if line.startswith(("@@", "diff --git ")) or _is_file_header(lines, i):
            return False
        if line[:1] in ("+", "-"):
            return True
    return False


def _header_paths(old_raw: str, new_raw: str) -> tuple[str | None, str | None]:
    old, new = _header_path(old_raw), _header_path(new_raw)
    # git's a/ and b/ prefixes are dropped only when both sides carry them
    if (old is None or old.startswith("a/")) and (new is None or new.startswith("b/")):
        old = old[2:] if old is not None else None
        new = new[2:] if new is not None else None
    return old, new


def _header_path(raw: str) -> str | None:
    path = _unquote(raw.split("\t", maxsplit=1)[0].strip())
    return None if path == "/dev/null" else path


def _git_header_paths(rest: str) -> tuple[str | None, str | None]:
    """`a/x b/x` is ambiguous when names hold spaces; take the split where both names agree."""
    if rest.startswith('"'):
        return None, None  # quoted names: the ---/+++ or rename lines say it better
    if rest.startswith("a/") and len(rest) % 2 == 1:
        half = (len(rest) - 1) // 2
        old, new = rest[:half], rest[half + 1 :]
        if new.startswith("b/") and old[2:] == new[2:]:
            return old[2:], new[2:]
    return None, None


def _unquote(path: str) -> str:
    # git quotes names with special bytes as C strings with octal escapes ("a/\303\244.txt")
    if len(path) >= 2 and path[0] == path[-1] == '"':
        raw = path[1:-1].encode("latin-1", "backslashreplace")
        try:  # a name that is not UTF-8 is refused, not turned into another name with U+FFFD
            return codecs.escape_decode(raw)[0].decode("utf-8")
        except UnicodeDecodeError:
            raise EditFormatError(f"the file name {path} is not UTF-8") from None
    return path
