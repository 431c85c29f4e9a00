"""Who runs the repository's test command: code the model wrote must not read our secrets.

A scrubbed environment is not enough: a test can read `/proc/<pid>/environ` (and memory) of
the processes above it — the work-horse and the worker, which hold every secret. Two locks:
- a worker running as root runs the tests as an unprivileged user (`nobody`), which may not
  inspect root's processes nor read root's private files;
- every worker marks itself not dumpable (PR_SET_DUMPABLE=0), inherited by its work-horses,
  so a test running as the same non-root user may not read their /proc entries either.
Neither is a container: a deployment running untrusted tests should also isolate the worker
host (README, "Guarantees").
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import pwd
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

PR_SET_DUMPABLE = 4
SANDBOX_USER = "nobody"


@dataclass(frozen=True)
class RunAs:
    uid: int
    gid: int


def forbid_inspection() -> bool:
    """Mark this process (and the children it forks, until they exec) not dumpable: other
    processes of the same user can no longer read its /proc environ, memory or fds.
    Returns whether it took effect (Linux only)."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    libc = ctypes.CDLL(name, use_errno=True)
    return int(libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)) == 0


def test_user() -> RunAs | None:
    """The unprivileged user to run tests as when we are root; None when we are not (then
    the tests run as our own user, kept out of our processes by `forbid_inspection`)."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(SANDBOX_USER)
    except KeyError:
        return RunAs(65534, 65534)  # nobody/nogroup by convention
    return RunAs(entry.pw_uid, entry.pw_gid)


def scratch_root() -> str | None:
    """Where the test user's working copy can live: the usual temporary directory when every
    directory above it lets others through, else /tmp (a private TMPDIR, e.g. under /root,
    would lock the test user out of its own working copy)."""
    base = Path(tempfile.gettempdir()).resolve()
    if all(d.stat().st_mode & stat.S_IXOTH for d in (base, *base.parents)):
        return None  # the default is fine
    return "/tmp"  # noqa: S108 - world-writable and sticky by definition; the copy is chowned


def hand_over(tree: Path, run_as: RunAs) -> None:
    """Give `tree` (the tests' working copy and home) to the test user."""
    for dirpath, dirnames, filenames in os.walk(tree):
        os.chown(dirpath, run_as.uid, run_as.gid)
        for name in dirnames + filenames:
            os.chown(os.path.join(dirpath, name), run_as.uid, run_as.gid, follow_symlinks=False)
