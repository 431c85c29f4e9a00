"""The test command's user and the worker's dumpable flag (agents/code/sandbox.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from agents.code import sandbox

PR_GET_DUMPABLE = 3
PROBE = (
    "import ctypes, ctypes.util\n"
    "from agents.code.sandbox import forbid_inspection\n"
    "libc = ctypes.CDLL(ctypes.util.find_library('c'))\n"
    "before = libc.prctl(3, 0, 0, 0, 0)\n"
    "ok = forbid_inspection()\n"
    "print(before, ok, libc.prctl(3, 0, 0, 0, 0))\n"
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")
def test_a_worker_can_make_itself_undumpable() -> None:
    # in a child process: the flag cannot be set back for the test runner afterwards
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.stdout.split() == ["1", "True", "0"]


def test_tests_run_as_an_unprivileged_user_when_we_are_root(tmp_path: Path) -> None:
    run_as = sandbox.test_user()
    if os.geteuid() != 0:
        assert run_as is None
        return
    assert run_as is not None
    assert run_as.uid != 0
    assert run_as.gid != 0
    (tmp_path / "repo" / "pkg").mkdir(parents=True)
    (tmp_path / "repo" / "pkg" / "a.py").write_text("x = 1\n")
    (tmp_path / "repo" / "link").symlink_to("/etc/passwd")
    sandbox.hand_over(tmp_path, run_as)
    assert (tmp_path / "repo" / "pkg" / "a.py").stat().st_uid == run_as.uid
    assert (tmp_path / "repo").stat().st_uid == run_as.uid
    assert Path("/etc/passwd").stat().st_uid == 0  # a link is not followed out of the tree


def test_a_private_temporary_directory_is_avoided_for_the_test_user(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    monkeypatch.setattr(tempfile, "tempdir", str(private / "tmp"))
    (private / "tmp").mkdir()
    assert sandbox.scratch_root() == "/tmp"
    private.chmod(0o755)
    open_dirs = all(d.stat().st_mode & 0o001 for d in (private, *private.parents))
    assert sandbox.scratch_root() == (None if open_dirs else "/tmp")
