"""A safe, filtered snapshot of a repository at one commit, extracted from GitHub's tarball.

One file on purpose, over the usual size: every check an untrusted archive meets (commit, names,
member types, paths, sizes and counts, content) and the all-or-nothing write read top to bottom
in one place, so a reviewer can see that no member reaches the disk unchecked.
"""

from __future__ import annotations

import fnmatch
import io
import os
import posixpath
import re
import shutil
import tarfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from pathspec import GitIgnoreSpec

_VENDORED = frozenset({"vendor", "node_modules", "third_party", ".git"})
# Minified bundles, source maps and lock files are machine output: large, and never what an
# issue asks to change by hand. The marker check below catches the rest (Cargo.lock, protoc…).
_GENERATED = ("*.min.*", "*.map", "*.lock", "package-lock.json", "pnpm-lock.yaml", "go.sum")
_MARKER = b"@" + b"generated"  # spelled apart so this file is not taken for generated output
_MARKER_LINES = 5
_BINARY_PROBE = 8192  # git's own heuristic: a NUL byte in the first 8 KB means binary
_MAX_GITIGNORE_BYTES = 64 * 1024
_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")  # SHA-1, or SHA-256 repositories
_SYMLINK = "symlink (in-tree links are not written)"


class SnapshotError(Exception):
    """The archive is refused; the message names the member and says why."""


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 1024 * 1024  # larger files are skipped and listed, not refused
    max_total_bytes: int = 200 * 1024 * 1024  # of the files kept: refused beyond
    max_files: int = 20_000  # files kept: refused beyond
    # Bounds on merely reading the archive, whatever is kept: a hostile tarball is stopped
    # while it is being decompressed, not after.
    max_entries: int = 200_000
    max_archive_bytes: int = 1024 * 1024 * 1024


@dataclass(frozen=True)
class SafeMember:
    """A member whose path is checked; `skip` says why it is not written (None: written)."""

    path: str  # relative to the repository root, "/"-separated, never empty
    member: tarfile.TarInfo
    skip: str | None = None


@dataclass(frozen=True)
class Snapshot:
    root: Path
    files: tuple[str, ...]
    skipped: tuple[tuple[str, str], ...]  # (path, reason)


def plan_extraction(
    members: Iterable[tarfile.TarInfo],
    limits: Limits = Limits(),
    gitignores: Mapping[str, str] | None = None,
) -> list[SafeMember]:
    """Check every member and decide what to write; raise SnapshotError on anything unsafe.

    `gitignores` maps a directory ("" for the root) to the text of its `.gitignore`."""
    listed = list(members)
    root = _root_folder(listed)
    ignored = _ignore_matcher(gitignores or {})
    plan: list[SafeMember] = []
    for member in listed:
        path = _relative_path(member.name, root)
        _check_type(member, path)
        if path is None or member.isdir():
            continue  # directories are made as files need them; git tracks no empty ones
        plan.append(SafeMember(path, member, _path_skip(path, member, limits, ignored)))
    _check_caps(plan, limits)
    return plan


def extract_snapshot(
    tar_bytes: bytes | Path,
    dest: Path,
    limits: Limits = Limits(),
    *,
    commit: str | None = None,
) -> Snapshot:
    """Write the planned members of a (gzip) tarball under `dest`, which must be empty or absent.

    With `commit`, the archive must say (git's pax header) that it is of that commit. Nothing is
    written unless the whole archive passes; on a failure while writing, `dest` is emptied."""
    with _open_archive(tar_bytes) as archive:
        _check_commit(archive, commit)
        members, gitignores = _read_members(archive, limits)
        plan = plan_extraction(members, limits, gitignores)
        root = _prepare_dest(dest)
        try:
            written, skipped = _write_all(archive, plan, root)
        except BaseException:
            _empty(root)
            raise
    return Snapshot(root, tuple(sorted(written)), tuple(sorted(skipped)))


def fetch_snapshot(
    gh_tarball: Callable[[str], bytes], sha: str, dest: Path, limits: Limits = Limits()
) -> Snapshot:
    """Download the tarball of commit `sha` with `gh_tarball` and extract it safely."""
    # A branch name would let the tree move between this read and the PR's base; the job
    # resolves the branch to a sha once and everything downstream uses that sha.
    if not _SHA.fullmatch(sha):
        raise SnapshotError(f"{sha!r} is not a full commit sha")
    return extract_snapshot(gh_tarball(sha), dest, limits, commit=sha)


# -- checking members (pure) --------------------------------------------------------------


def _root_folder(members: list[tarfile.TarInfo]) -> str:
    # GitHub wraps the tree in one folder, `<owner>-<repo>-<shortsha>/`; its name varies, so it
    # is taken from the first member and every other member must sit under it.
    if not members:
        raise SnapshotError("the archive is empty")
    first = members[0].name.split("/", 1)[0]
    if first in ("", ".", ".."):
        raise SnapshotError(f"archive member {members[0].name!r} is not under a root folder")
    return first


def _relative_path(name: str, root: str) -> str | None:
    """The member's path below the root folder (None for the root itself), or SnapshotError."""
    _check_name(name, name)
    if name.startswith("/"):
        raise SnapshotError(f"archive member {name!r} has an absolute path")
    parts = name.split("/")
    if ".." in parts:
        raise SnapshotError(f"archive member {name!r} has a '..' component")
    if parts[0] != root:
        raise SnapshotError(f"archive member {name!r} is outside the root folder {root!r}")
    rest = [part for part in parts[1:] if part not in ("", ".")]
    return "/".join(rest) if rest else None


def _check_name(text: str, member: str) -> None:
    if "\x00" in text:
        raise SnapshotError(f"archive member {member!r} has a NUL byte in its name")
    try:  # tarfile decodes with surrogateescape: undecodable bytes survive as lone surrogates
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise SnapshotError(f"archive member {member!r} has a name that is not UTF-8") from None


def _check_type(member: tarfile.TarInfo, path: str | None) -> None:
    name = member.name
    if member.isreg() or member.isdir():
        return
    if member.islnk():
        raise SnapshotError(f"archive member {name!r} is a hard link")
    if member.ischr() or member.isblk() or member.isfifo():
        raise SnapshotError(f"archive member {name!r} is a device or fifo")
    if not member.issym() or path is None:
        raise SnapshotError(f"archive member {name!r} has an unsupported type")
    _check_name(member.linkname, name)
    target = posixpath.normpath(posixpath.join(posixpath.dirname(path), member.linkname))
    if member.linkname.startswith("/") or target == ".." or target.startswith("../"):
        raise SnapshotError(f"archive member {name!r} links outside the repository")


def _path_skip(
    path: str, member: tarfile.TarInfo, limits: Limits, ignored: Callable[[str], bool]
) -> str | None:
    # In-tree symlinks are skipped, not recreated: nothing written can then redirect a later
    # write or a reader, and the agent sees each file once under its real path.
    if member.issym():
        return _SYMLINK
    *folders, name = path.split("/")
    vendored = next((folder for folder in folders if folder in _VENDORED), None)
    if vendored is not None:
        return f"vendored ({vendored}/)"
    pattern = next((p for p in _GENERATED if fnmatch.fnmatchcase(name, p)), None)
    if pattern is not None:
        return f"generated ({pattern})"
    if ignored(path):
        return "ignored by .gitignore"
    if member.size > limits.max_file_bytes:
        return f"larger than {limits.max_file_bytes} bytes"
    return None


def _check_caps(plan: list[SafeMember], limits: Limits) -> None:
    kept = [item for item in plan if item.skip is None]
    if len(kept) > limits.max_files:
        raise SnapshotError(f"the repository has more than {limits.max_files} files to read")
    total = sum(item.member.size for item in kept)
    if total > limits.max_total_bytes:
        raise SnapshotError(
            f"the files to read add up to {total} bytes, over the {limits.max_total_bytes} cap"
        )


def _ignore_matcher(gitignores: Mapping[str, str]) -> Callable[[str], bool]:
    # As in git, a deeper .gitignore overrides a shallower one, and the last matching line of
    # a file wins; pathspec's GitIgnoreSpec gives that within a file.
    specs = sorted(
        (
            (folder, GitIgnoreSpec.from_lines(text.splitlines()))
            for folder, text in gitignores.items()
        ),
        key=lambda entry: entry[0].count("/") + bool(entry[0]),
    )

    def ignored(path: str) -> bool:
        verdict = False
        for folder, spec in specs:
            if folder and not path.startswith(folder + "/"):
                continue
            result = spec.check_file(path[len(folder) + 1 :] if folder else path)
            if result.include is not None:
                verdict = result.include
        return verdict

    return ignored


# -- reading the archive ------------------------------------------------------------------


def _open_archive(source: bytes | Path) -> tarfile.TarFile:
    # Names are decoded as UTF-8 with surrogateescape so bad bytes are seen, not mangled.
    fileobj = io.BytesIO(source) if isinstance(source, bytes) else None
    name = None if isinstance(source, bytes) else source
    try:
        return tarfile.open(name, "r:*", fileobj, encoding="utf-8", errors="surrogateescape")
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise SnapshotError(f"the archive cannot be read ({type(exc).__name__})") from None


def _check_commit(archive: tarfile.TarFile, commit: str | None) -> None:
    # `git archive` (which GitHub serves) records the commit in a pax global header.
    recorded = archive.pax_headers.get("comment")
    if commit is not None and recorded is not None and recorded.lower() != commit.lower():
        raise SnapshotError(f"the archive is of commit {recorded}, not {commit}")


_Damaged = (tarfile.TarError, EOFError, zlib.error)


def _read_members(
    archive: tarfile.TarFile, limits: Limits
) -> tuple[list[tarfile.TarInfo], dict[str, str]]:
    """The members, and each `.gitignore`'s text by folder, read in one forward pass."""
    members: list[tarfile.TarInfo] = []
    gitignores: dict[str, str] = {}
    declared = 0
    for member in _iterate(archive):  # lazily: a hostile archive stops at a cap, not at its end
        members.append(member)
        declared += member.size if member.isreg() else 0
        if len(members) > limits.max_entries:
            raise SnapshotError(f"the archive has more than {limits.max_entries} entries")
        if declared > limits.max_archive_bytes:
            raise SnapshotError(f"the archive holds more than {limits.max_archive_bytes} bytes")
        if member.isreg() and posixpath.basename(member.name) == ".gitignore":
            path = _relative_path(member.name, _root_folder(members))
            if path is not None and member.size <= _MAX_GITIGNORE_BYTES:
                text = _read(archive, member).decode("utf-8", "replace")
                gitignores[posixpath.dirname(path)] = text
    return members, gitignores


def _iterate(archive: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    try:
        yield from archive
    except _Damaged as exc:
        raise SnapshotError(f"the archive is damaged ({type(exc).__name__})") from None


def _read(archive: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    try:
        stream = archive.extractfile(member)
        if stream is None:  # pragma: no cover - only regular files are read
            raise SnapshotError(f"archive member {member.name!r} has no content")
        with stream:
            return stream.read()
    except _Damaged:
        raise SnapshotError(f"archive member {member.name!r} is damaged") from None


# -- writing ------------------------------------------------------------------------------


def _content_skip(data: bytes) -> str | None:
    head = data[:_BINARY_PROBE]
    if b"\x00" in head:
        return "binary"
    if _MARKER in b"\n".join(head.split(b"\n", _MARKER_LINES)[:_MARKER_LINES]):
        return "generated (marker in the first lines)"
    return None


def _prepare_dest(dest: Path) -> Path:
    # A fresh directory is the guarantee that no link already in it can redirect a write.
    dest.mkdir(mode=0o755, parents=True, exist_ok=True)
    if dest.is_symlink() or any(dest.iterdir()):
        raise SnapshotError(f"the snapshot folder {dest} is not an empty folder")
    return dest.resolve()


def _write_all(
    archive: tarfile.TarFile, plan: list[SafeMember], root: Path
) -> tuple[list[str], list[tuple[str, str]]]:
    written: list[str] = []
    skipped: list[tuple[str, str]] = []
    for item in plan:  # in archive order, so the gzip stream is read forwards once
        data = b"" if item.skip is not None else _read(archive, item.member)
        reason = item.skip or _content_skip(data)
        if reason is not None:
            skipped.append((item.path, reason))
            continue
        _write_file(root, item, data)
        written.append(item.path)
    return written, skipped


def _write_file(root: Path, item: SafeMember, data: bytes) -> None:
    # Defence in depth: tarfile's own "data" filter re-checks the path against the root.
    try:
        tarfile.data_filter(item.member.replace(name=item.path, deep=False), str(root))
    except tarfile.FilterError as exc:
        raise SnapshotError(f"archive member {item.member.name!r} refused: {exc}") from None
    target = root.joinpath(*item.path.split("/"))
    try:
        target.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
        # O_EXCL and O_NOFOLLOW: never overwrite, never write through a link.
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        fd = os.open(target, flags, 0o600)
    except OSError as exc:  # e.g. a duplicate member, or a file where a folder should be
        raise SnapshotError(
            f"archive member {item.member.name!r} cannot be written ({exc.strerror})"
        ) from None
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        os.fchmod(out.fileno(), 0o755 if item.member.mode & 0o100 else 0o644)


def _empty(root: Path) -> None:
    for child in root.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
