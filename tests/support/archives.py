"""Tarballs shaped like GitHub's, built in memory, and the check that a refused one wrote
nothing: for the snapshot tests and the hostile-archive tests."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from jobs.steps.snapshot import Limits, SnapshotError, extract_snapshot

ROOT = "octo-hello-1a2b3c4"
SHA = "1a2b3c4d" * 5
Entry = tuple[tarfile.TarInfo, bytes]


def file(name: str, data: bytes = b"print('hi')\n", mode: int = 0o644) -> Entry:
    info = tarfile.TarInfo(f"{ROOT}/{name}")
    info.size, info.mode = len(data), mode
    return info, data


def link(name: str, target: str, kind: bytes = tarfile.SYMTYPE) -> Entry:
    info = tarfile.TarInfo(f"{ROOT}/{name}")
    info.type, info.linkname = kind, target
    return info, b""


def special(name: str, kind: bytes) -> Entry:
    info = tarfile.TarInfo(f"{ROOT}/{name}")
    info.type = kind
    return info, b""


def raw(name: str, data: bytes = b"x\n") -> Entry:
    """A member named exactly `name`, not put under the root folder."""
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def tarball(
    *entries: Entry,
    fmt: int = tarfile.PAX_FORMAT,
    encoding: str = "utf-8",
    commit: str | None = SHA,
) -> bytes:
    """A gzip tarball shaped like GitHub's: a pax comment with the commit, then one root folder."""
    buffer = io.BytesIO()
    headers = {"comment": commit} if commit and fmt == tarfile.PAX_FORMAT else None
    with tarfile.open(
        fileobj=buffer, mode="w:gz", format=fmt, encoding=encoding, pax_headers=headers
    ) as archive:
        folder = tarfile.TarInfo(ROOT)
        folder.type, folder.mode = tarfile.DIRTYPE, 0o775
        archive.addfile(folder)
        for info, data in entries:
            archive.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return buffer.getvalue()


def tree(folder: Path) -> set[str]:
    if not folder.exists():
        return set()
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def refused(data: bytes, dest: Path, limits: Limits | None = None) -> str:
    with pytest.raises(SnapshotError) as caught:
        extract_snapshot(data, dest, limits or Limits())
    # nothing was written anywhere: not in the snapshot folder, not beside or above it
    assert tree(dest.parent.parent) <= {"parent", "parent/snapshot"}
    return str(caught.value)
