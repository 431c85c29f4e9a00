"""Where the repository's test command and the model's reproduction run: code the model wrote
must neither read our secrets nor reach the network, the worker's files or its host's
resources.

The floor, always: a worker running as root runs them as an unprivileged user (`nobody`),
which may not inspect root's processes nor read root's private files; every worker marks
itself not dumpable (PR_SET_DUMPABLE=0), inherited by its work-horses, so a run as the same
non-root user may not read their /proc entries either; resource limits (prlimit(1)), a new
session, and the whole process group killed on timeout.
Above it, where the host allows: bubblewrap (Debian's `bubblewrap`) — no network, its own
PID/IPC/UTS/mount/user namespaces, the system read-only and only its copy writable
(sandbox_plan.bwrap_argv). `isolation` says which is in force, `describe_isolation` in words.
What the floor alone does not stop: the network; reading what `nobody` may read on the host;
a process that leaves the group (setsid) outliving the kill, until its CPU limit; and runs
going on at once as `nobody` seeing (even tracing) one another.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import os
import pwd
import resource
import selectors
import shutil
import signal
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

from agents.code.sandbox_plan import (
    ETC_ENTRIES,
    SYSTEM_ROOTS,
    Kind,
    Layout,
    Limits,
    Mode,
    RunResult,
    Tail,
    bwrap_argv,
    describe,
    prlimit_argv,
    reason,
    sandbox_env,
)

__all__ = [
    "Isolation", "Limits", "Mode", "RunAs", "RunResult", "describe_isolation",
    "forbid_inspection", "hand_over", "isolation", "report", "run", "scratch_root", "test_user",
]  # fmt: skip

PR_SET_DUMPABLE = 4
SANDBOX_USER = "nobody"
BWRAP = "/usr/bin/bwrap"
PROBE_SECONDS = 15
EXIT_GRACE_SECONDS = 2.0  # after the command exits, for what it left running to let go of
POLL_SECONDS = 0.25
CHUNK = 64 * 1024
Stop = Literal["eof", "timeout", "output"]
MODES: tuple[Mode, ...] = ("auto", "bubblewrap", "process")


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


@dataclass(frozen=True)
class Isolation:
    kind: Kind | None  # None: runs do not start
    why: str = ""  # why bubblewrap is not in force; "" when it is


def isolation(mode: str = "auto", bwrap: str = BWRAP) -> Isolation:
    """Which sandbox runs get under `mode` (a `Mode`): bubblewrap when it works here (required
    with "bubblewrap": else none at all), the process floor with "process" or when it does not."""
    if mode not in MODES:
        return Isolation(None, f"unknown sandbox mode {mode!r} (auto, bubblewrap or process)")
    if mode == "process":
        return Isolation("process", "bubblewrap not used (MORNINGAI_SANDBOX=process)")
    problem = bwrap_problem(bwrap)
    if problem is None:
        return Isolation("bubblewrap")
    if mode == "bubblewrap":
        return Isolation(None, f"MORNINGAI_SANDBOX=bubblewrap, but {problem}")
    return Isolation("process", problem)


def describe_isolation(
    mode: str = "auto", *, limits: Limits | None = None, bwrap: str = BWRAP
) -> str:
    """One line for people: which isolation runs get here, what it keeps out and what not."""
    found = isolation(mode, bwrap)
    return describe(found.kind, found.why, limits or Limits(), _user_words())


def report(mode: str = "auto", bwrap: str = BWRAP) -> tuple[Kind | None, str]:
    """(which isolation, in words) for start-up's log line and `morningai doctor`."""
    return isolation(mode, bwrap).kind, describe_isolation(mode, bwrap=bwrap)


def _user_words() -> str:
    run_as = test_user()
    if run_as is not None:
        return SANDBOX_USER
    return f"the worker's own user ({pwd.getpwuid(os.geteuid()).pw_name})"


@functools.cache
def bwrap_problem(bwrap: str = BWRAP) -> str | None:
    """Why bubblewrap cannot sandbox a run here, or None: a trial run with our flags, as the
    test user (a host may forbid unprivileged user namespaces). Once per process."""
    if not os.access(bwrap, os.X_OK):
        return f"bubblewrap not found at {bwrap} (apt-get install bubblewrap)"
    run_as = test_user()
    with tempfile.TemporaryDirectory(prefix="morningai-probe-", dir=scratch_root()) as tmp:
        if run_as is not None:
            hand_over(Path(tmp), run_as)
        argv = bwrap_argv(bwrap, ["true"], Path(tmp), host_layout(), Limits())
        try:
            done = subprocess.run(
                argv,
                cwd=tmp,
                env=sandbox_env(os.environ, "/tmp"),  # noqa: S108 - the sandbox's own /tmp
                capture_output=True,
                timeout=PROBE_SECONDS,
                check=False,
                start_new_session=True,
                user=run_as.uid if run_as else None,
                group=run_as.gid if run_as else None,
                extra_groups=[] if run_as else None,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"bubblewrap does not run here ({type(exc).__name__})"
    if done.returncode == 0:
        return None
    said = done.stderr.decode("utf-8", errors="replace").strip().splitlines()
    first = said[0][:200] if said else f"exit {done.returncode}"
    return f"bubblewrap does not run here: {first} (unprivileged user namespaces not allowed?)"


def host_layout() -> Layout:
    """Which of /bin, /lib, … are links into /usr here and which directories of their own,
    and which of the /etc entries a run sees exist."""
    links: list[tuple[str, str]] = []
    dirs: list[str] = []
    for name in SYSTEM_ROOTS:
        path = Path("/", name)
        if path.is_symlink():
            links.append((name, os.readlink(path)))
        elif path.is_dir():
            dirs.append(name)
    etc = tuple(name for name in ETC_ENTRIES if os.path.exists(f"/etc/{name}"))
    return Layout(tuple(links), tuple(dirs), etc)


def hard_limits() -> dict[str, int]:
    """This process's hard resource limits, by prlimit's names (-1: unlimited)."""
    found = {
        "nproc": resource.RLIMIT_NPROC,
        "data": resource.RLIMIT_DATA,
        "fsize": resource.RLIMIT_FSIZE,
        "cpu": resource.RLIMIT_CPU,
        "nofile": resource.RLIMIT_NOFILE,
        "core": resource.RLIMIT_CORE,
    }
    return {
        name: -1 if (hard := resource.getrlimit(which)[1]) == resource.RLIM_INFINITY else hard
        for name, which in found.items()
    }


def processes_of(uid: int) -> int:
    """How many processes (threads: RLIMIT_NPROC counts them) the user `uid` has now."""
    count = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            status = Path(entry.path, "status").read_text()
        except OSError:
            continue  # gone meanwhile
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if int(fields.get("Uid", "-1").split()[0]) == uid:
            count += int(fields.get("Threads", "1"))
    return count


def run(
    argv: Sequence[str],
    tree: Path,
    *,
    limits: Limits,
    mode: str = "auto",
    bwrap: str = BWRAP,
    shared: Sequence[str] = (),
) -> RunResult:
    """Run `argv` in `tree` (a copy the caller made, handed over with `hand_over`, and
    discards), the only host directory it may write, under `limits`, in the sandbox `mode`
    allows; under bubblewrap the `shared` host directories (`sandbox_plan.shared_paths`) are
    also there, read-only. Its output is read as it comes, the last `limits.output_bytes`
    kept."""
    found = isolation(mode, bwrap)
    if found.kind is None:
        return RunResult("could_not_start", None, "", "none", f"could not start: {found.why}")
    prlimit = shutil.which("prlimit")
    if prlimit is None:
        return _not_started(found.kind, "prlimit not found (apt-get install util-linux)")
    forbid_inspection()  # the floor even for a caller that is not the worker
    run_as = test_user()
    with _home(found.kind, run_as) as home:
        env = sandbox_env(os.environ, home)
        missing = _missing(argv, env)
        if missing:
            return _not_started(found.kind, missing)
        inner = (
            bwrap_argv(bwrap, argv, tree, host_layout(), limits, shared=shared)
            if found.kind == "bubblewrap"
            else list(argv)
        )
        uid = run_as.uid if run_as else os.getuid()
        bounds = prlimit_argv(prlimit, limits, processes_of(uid), hard_limits())
        command = [*bounds, *inner]
        return _supervise(command, tree, env=env, run_as=run_as, limits=limits, kind=found.kind)


def _not_started(kind: Kind, why: str) -> RunResult:
    return RunResult("could_not_start", None, "", kind, f"could not start: {why}")


def _missing(argv: Sequence[str], env: Mapping[str, str]) -> str | None:
    if not argv:
        return "no command"
    if "/" in argv[0]:
        return None  # a path: found (or not) where it runs
    if shutil.which(argv[0], path=env.get("PATH", os.defpath)) is None:
        return f"{argv[0]} is not on PATH"
    return None


@contextmanager
def _home(kind: Kind, run_as: RunAs | None) -> Iterator[str]:
    """HOME and TMPDIR: bubblewrap's private /tmp, else a directory of the run's own."""
    if kind == "bubblewrap":
        yield "/tmp"  # noqa: S108 - the sandbox's own tmpfs
        return
    with tempfile.TemporaryDirectory(prefix="morningai-home-", dir=scratch_root()) as home:
        if run_as is not None:
            hand_over(Path(home), run_as)
        yield home


def _supervise(
    command: list[str],
    tree: Path,
    *,
    env: dict[str, str],
    run_as: RunAs | None,
    limits: Limits,
    kind: Kind,
) -> RunResult:
    read_end, write_end = os.pipe()
    try:
        proc = subprocess.Popen(
            command,
            cwd=tree,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=write_end,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own session and process group: killed as one
            user=run_as.uid if run_as else None,
            group=run_as.gid if run_as else None,
            extra_groups=[] if run_as else None,
        )
    except OSError as exc:
        os.close(read_end)
        return _not_started(kind, exc.strerror or type(exc).__name__)
    finally:
        os.close(write_end)
    tail = Tail(limits.output_bytes)
    deadline = time.monotonic() + limits.timeout_seconds
    with os.fdopen(read_end, "rb", buffering=0) as pipe:
        stop = _drain(pipe, proc, tail, deadline)
    if stop == "eof":  # its output closed, not necessarily its end: it may still be exiting
        stop = _wait(proc, deadline)
    # bubblewrap killed takes its PID namespace along (--die-with-parent, then its init);
    # without it the group is what we can reach
    _kill_group(proc.pid)
    code = proc.wait()
    if stop == "timeout":
        return RunResult(
            "timed_out", None, tail.text(), kind, reason("timed_out", None, limits, cut=False)
        )
    cut = stop == "output"
    return RunResult("exited", code, tail.text(), kind, reason("exited", code, limits, cut=cut))


def _wait(proc: subprocess.Popen[bytes], deadline: float) -> Stop:
    try:
        proc.wait(timeout=max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        return "timeout"
    return "eof"


def _drain(pipe: BinaryIO, proc: subprocess.Popen[bytes], tail: Tail, deadline: float) -> Stop:
    """Read the run's output until every writer is gone, the time is up or it printed too
    much; a process left holding the pipe after the command exited is not waited for."""
    exited_at: float | None = None
    with selectors.DefaultSelector() as selector:
        selector.register(pipe, selectors.EVENT_READ)
        while True:
            now = time.monotonic()
            if now >= deadline:
                return "timeout"
            if exited_at is None and proc.poll() is not None:
                exited_at = now
            if exited_at is not None and now - exited_at > EXIT_GRACE_SECONDS:
                return "eof"
            if selector.select(timeout=min(deadline - now, POLL_SECONDS)):
                chunk = pipe.read(CHUNK)
                if not chunk:
                    return "eof"
                tail.add(chunk)
                if tail.total > tail.cap:
                    return "output"


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # nothing of it is left
        os.killpg(pgid, signal.SIGKILL)
