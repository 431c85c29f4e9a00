"""Apply the model's edits to a working tree: all of them, or none.

`plan_edits` reads the files it needs and computes every new content in memory (nothing is
written, so the graph can retry cheaply); `write_change` then writes them and puts every file
back if a write fails; `apply_edits` is both. Failures are collected for all edits at once, so
that one round trip tells the model everything that did not apply.

One file on purpose, just over the usual size: planning and writing are the two halves of one
all-or-none promise, and read best beside each other.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from agents.code.diffs import FileChange, render_diff, validate_diff
from agents.code.edits import DeleteFile, Edit, FileEdit, FilePatch, Hunk, PatchError, parse_edits
from agents.code.matching import MatchError, Replacement, place
from agents.code.paths import PathPolicy, PathRefused, check_path, decode_text, normalize_path
from agents.code.textfile import TextFile, model_lines

NO_POLICY = PathPolicy()


class ApplyFailed(PatchError):
    """Some edits did not apply and no file was changed; `errors` has one entry per failure."""

    def __init__(self, errors: Sequence[PatchError]) -> None:
        head = "The edits were not applied and no file was changed:"
        super().__init__("\n\n".join([head, *(str(error) for error in errors)]))
        self.errors = tuple(errors)

    @property
    def refused(self) -> tuple[PathRefused, ...]:
        """The failures due to the path policy (as opposed to edits that did not match)."""
        return tuple(error for error in self.errors if isinstance(error, PathRefused))


@dataclass(frozen=True)
class AppliedChange:
    """What applying the edits changes: per-file contents, the checked diff, and notes."""

    files: tuple[FileChange, ...]
    diff: str
    notes: tuple[str, ...] = ()  # where a loose match was needed, for the PR body and logs
    renamed: tuple[tuple[str, str], ...] = ()

    def _paths(self, kind: str) -> tuple[str, ...]:
        return tuple(change.path for change in self.files if change.kind == kind)

    @property
    def changed(self) -> tuple[str, ...]:
        return self._paths("modified")

    @property
    def created(self) -> tuple[str, ...]:
        return self._paths("created")

    @property
    def deleted(self) -> tuple[str, ...]:
        return self._paths("deleted")

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(change.path for change in self.files)


def apply_patch_file(repo: Path, patch_text: str, forbidden: Sequence[str] = ()) -> AppliedChange:
    """`morningai apply-patch`: a unified diff or SEARCH/REPLACE blocks, applied atomically.

    Raises a PatchError (EditFormatError, ApplyFailed) whose `str()` is the message to print.
    """
    return apply_edits(repo, parse_edits(patch_text), PathPolicy(tuple(forbidden)))


def apply_edits(root: Path, edits: Sequence[Edit], policy: PathPolicy = NO_POLICY) -> AppliedChange:
    """Write every change the edits make, or raise and leave every file as it was."""
    change = plan_edits(root, edits, policy)
    write_change(root, change)
    return change


def plan_edits(root: Path, edits: Sequence[Edit], policy: PathPolicy = NO_POLICY) -> AppliedChange:
    """Compute the change in memory (nothing is written); ApplyFailed if any edit fails."""
    work = _Workspace(root, policy)
    for number, edit in enumerate(edits, 1):
        try:
            _apply_one(work, edit, number)
        except PatchError as error:
            work.errors.append(error)
    if work.errors or not edits:
        raise ApplyFailed(work.errors or [PatchError("there were no edits")])
    files = tuple(work.changes())
    diff = render_diff(files)
    validate_diff(diff, files)
    return AppliedChange(files, diff, tuple(work.notes), tuple(work.renamed))


class _Workspace:
    """The files the edits touched, as read from disk and as edited so far."""

    def __init__(self, root: Path, policy: PathPolicy) -> None:
        self.root = root
        self.policy = policy
        self.original: dict[str, bytes | None] = {}
        self.current: dict[str, bytes | None] = {}
        self.modes: dict[str, int] = {}
        self.errors: list[PatchError] = []
        self.notes: list[str] = []
        self.renamed: list[tuple[str, str]] = []

    def read(self, path: str) -> tuple[str, bytes | None]:
        """The normal path and current content (None: no such file), after the path policy."""
        target = check_path(self.root, path, self.policy)
        key = normalize_path(path, self.policy)
        if key not in self.current:
            exists = target.is_file()
            self.original[key] = self.current[key] = target.read_bytes() if exists else None
            self.modes[key] = (
                0o100755 if exists and target.stat().st_mode & stat.S_IXUSR else 0o100644
            )
        return key, self.current[key]

    def text(self, key: str, data: bytes) -> TextFile:
        return TextFile.parse(decode_text(key, data))

    def changes(self) -> list[FileChange]:
        return [
            FileChange(key, self.original[key], self.current[key], self.modes[key])
            for key in sorted(self.current)
            if self.original[key] != self.current[key]
        ]


def _apply_one(work: _Workspace, edit: Edit, number: int) -> None:
    if isinstance(edit, FileEdit):
        _apply_file_edit(work, edit, f"edit {number}" + _where(edit.line, "the block"))
    elif isinstance(edit, DeleteFile):
        key, data = work.read(edit.path)
        if data is None:
            raise MatchError(f"{key}: edit {number} did not apply: there is no such file to delete")
        work.current[key] = None
    else:
        _apply_file_patch(work, edit)


def _where(line: int, what: str) -> str:
    return f" ({what} at line {line} of the reply)" if line else ""


def _apply_file_edit(work: _Workspace, edit: FileEdit, label: str) -> None:
    key, data = work.read(edit.path)
    search, replace = model_lines(edit.search), model_lines(edit.replace)
    if data is None:
        if search:
            raise MatchError(
                f"{key}: {label} did not apply: the file does not exist"
                " (to create it, leave the SEARCH part empty)"
            )
        data = b""
    text = work.text(key, data)
    if search:
        note = place(text, Replacement(search, replace, label), key)
    else:  # Aider's convention: an empty SEARCH creates the file, or appends to it
        note = f"{key}: {label} appended to the existing file" if text.lines else None
        text.splice(len(text.lines), 0, replace, [None] * len(replace))
    work.current[key] = _encode(key, text)
    if note:
        work.notes.append(note)


def _apply_file_patch(work: _Workspace, patch: FilePatch) -> None:
    if patch.old_path is None:
        _create_from_patch(work, patch)
        return
    old_key, data = work.read(patch.old_path)
    if data is None:
        raise MatchError(
            f"{old_key}: the diff at line {patch.line} changes a file that does not exist"
        )
    if patch.hunks:
        text = work.text(old_key, data)
        if not any(text.eols):  # no ending to follow in the file: follow the diff
            text.newline = patch.newline
        _apply_hunks(work, old_key, text, patch.hunks)
        data = _encode(old_key, text)
        if patch.new_path is None and any(line.strip() for line in text.lines):
            raise MatchError(
                f"{old_key}: the diff deletes the file, but its hunks do not remove every line"
            )
    if patch.new_path is None:
        work.current[old_key] = None
    elif patch.new_path == patch.old_path:
        work.current[old_key] = data
    else:
        new_key, existing = work.read(patch.new_path)
        if existing is not None:
            raise MatchError(f"{new_key}: cannot rename {old_key} to it: the file exists")
        work.current[old_key], work.current[new_key] = None, data
        work.renamed.append((old_key, new_key))


def _create_from_patch(work: _Workspace, patch: FilePatch) -> None:
    key, existing = work.read(patch.path)
    if existing:  # an empty file may be "created" again: nothing is lost
        raise MatchError(f"{key}: the diff at line {patch.line} creates this file, but it exists")
    if any(hunk.old_lines() for hunk in patch.hunks):
        raise MatchError(f"{key}: the diff creates this file, yet its hunks remove lines from it")
    text = TextFile([], [], patch.newline)
    for hunk in patch.hunks:
        lines = hunk.new_lines()
        text.splice(len(text.lines), 0, lines, [None] * len(lines), _eof_newline(hunk))
    work.current[key] = _encode(key, text)


def _encode(key: str, text: TextFile) -> bytes:
    rendered = text.render()
    # git and GitHub show a file with a NUL in it as binary ("Binary file not shown"), so
    # whatever an edit put after the NUL would reach the pull request unseen by a reviewer
    if "\0" in rendered:
        raise PathRefused(key, "the edit writes a NUL byte; only text can be written")
    return rendered.encode("utf-8")


def _apply_hunks(work: _Workspace, key: str, text: TextFile, hunks: Sequence[Hunk]) -> None:
    """Hunks go in order; a failed one is recorded and the rest still tried, to report all."""
    offset = 0  # lines added so far, to move the next hunk's line number
    for number, hunk in enumerate(hunks, 1):
        section = f" {hunk.section}" if hunk.section else ""
        label = f"hunk {number} of {len(hunks)} ({hunk.header}{section})"
        rep = Replacement(
            hunk.old_lines(), hunk.new_lines(), label, _hint(hunk, offset), _eof_newline(hunk)
        )
        try:
            note = place(text, rep, key)
        except MatchError as error:
            work.errors.append(error)
            continue
        offset += len(rep.replace) - len(rep.search)
        if note:
            work.notes.append(note)


def _hint(hunk: Hunk, offset: int) -> int | None:
    """Where the hunk says its old lines start (0-based), moved by the hunks before it."""
    if hunk.old_start is None:
        return None
    if hunk.old_len == 0:  # "-5,0" means after line 5
        return hunk.old_start + offset
    if not hunk.old_lines():
        return None  # "-5,3" with no old lines: the header and body disagree, trust neither
    return hunk.old_start - 1 + offset


def _eof_newline(hunk: Hunk) -> bool | None:
    """What "\\ No newline at end of file" says about the new side; None if it is not used."""
    if all(line.newline for line in hunk.lines):
        return None
    new_side = [line for line in hunk.lines if line.tag != "-"]
    return new_side[-1].newline if new_side else None


def write_change(root: Path, change: AppliedChange) -> None:
    """Write every file of `change`; if one write fails, put back those already written."""
    done: list[FileChange] = []
    made: list[Path] = []  # directories created for new files, removed again on failure
    for file in change.files:
        try:
            # checked again: the tree may have changed between the plan and now
            _write(check_path(root, file.path), file.after, file.mode, made)
        except (OSError, PatchError) as exc:
            _restore(root, done, made)
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise PatchError(f"could not write {file.path}: {reason}; no file was changed") from exc
        done.append(file)


def _restore(root: Path, done: Sequence[FileChange], made: Sequence[Path]) -> None:
    for file in reversed(done):
        with contextlib.suppress(OSError, PatchError):
            _write(check_path(root, file.path), file.before, file.mode, [])
    for directory in reversed(made):
        with contextlib.suppress(OSError):
            directory.rmdir()


def _write(target: Path, data: bytes | None, git_mode: int, made: list[Path]) -> None:
    """Replace `target` atomically (temporary file, then rename), keeping its mode."""
    if data is None:
        target.unlink(missing_ok=True)
        return
    missing = [parent for parent in reversed(target.parents) if not parent.exists()]
    target.parent.mkdir(parents=True, exist_ok=True)
    made.extend(missing)
    if target.exists():
        mode = stat.S_IMODE(target.stat().st_mode)
    else:  # the modes git knows: a new (or restored) file is 644, or 755 if executable
        mode = 0o755 if git_mode == 0o100755 else 0o644
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
