"""The files of one commit on disk for the length of a block: downloaded, extracted safely."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from github_app.client import RepoClient
from github_app.publish import download_tarball
from jobs.steps.snapshot import extract_snapshot


@contextmanager
def checkout(client: RepoClient, sha: str) -> Iterator[Path]:
    """The files of commit `sha`, extracted safely into a temporary directory for the block."""
    with tempfile.TemporaryDirectory(prefix="morningai-task-") as tmp:
        yield extract_snapshot(download_tarball(client, sha), Path(tmp) / "repo").root


def executable(path: Path) -> bool:
    """Keep a script's executable bit: the tree entry's mode is ours to give."""
    return path.is_file() and bool(path.stat().st_mode & 0o111)
