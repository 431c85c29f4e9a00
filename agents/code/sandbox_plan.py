"""What a sandboxed run is made of, without running anything: its limits and result, the
command lines that confine it (bubblewrap's, prlimit's), its environment, the words that
describe it, and the bounded tail of its output. Pure: agents/code/sandbox.py runs them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Mode = Literal["auto", "bubblewrap", "process"]
Kind = Literal["bubblewrap", "process"]
Status = Literal["exited", "timed_out", "could_not_start"]
MB = 1024 * 1024

# only what a test run needs; nothing else of the worker's environment passes
KEPT_ENV = ("PATH", "LANG", "LC_ALL", "TZ")
# The only entries of /etc a sandbox sees: what the C library, TLS and `alternatives` need.
# Never the whole /etc: on a worker host it can hold credentials (pip.conf, npmrc, gitconfig
# with a token, an env file of the service, ssh keys), and a test needs none of it.
ETC_ENTRIES = (
    "passwd", "group", "nsswitch.conf", "host.conf", "hosts", "ld.so.cache", "ld.so.conf",
    "ld.so.conf.d", "ssl/certs", "ssl/openssl.cnf", "ca-certificates", "alternatives",
    "localtime", "timezone", "mime.types", "protocols", "services", "os-release",
)  # fmt: skip
# /usr-merged hosts have these as links into /usr; older ones as directories of their own
SYSTEM_ROOTS = ("bin", "lib", "lib32", "lib64", "libx32", "sbin")


@dataclass(frozen=True)
class Limits:
    """What one run may use. `memory_mb` is RLIMIT_DATA (heap and private writable mappings),
    not RLIMIT_AS: Node's WebAssembly and Go reserve gigabytes of address space they never
    touch, and fail under an address-space limit far above what they use. `processes` is
    added to what the run's user already has (RLIMIT_NPROC counts every process of that user
    on the host), so parallel sandboxes do not starve each other and a fork bomb still stops
    after that many."""

    timeout_seconds: int = 600
    memory_mb: int = 2048
    processes: int = 512
    output_bytes: int = 1_000_000
    file_mb: int = 256
    open_files: int = 1024


@dataclass(frozen=True)
class RunResult:
    status: Status
    returncode: int | None
    output: str  # stdout and stderr as they came, the last part when cut (with a marker)
    isolation: str  # "bubblewrap" | "process" | "none" (nothing started)
    reason: str  # in plain words: "exit 1", "timed out after 60 s (…)", "could not start: …"

    @property
    def ok(self) -> bool:
        return self.status == "exited" and self.returncode == 0


@dataclass(frozen=True)
class Layout:
    """How the host lays out its system: which top-level names are links into /usr (name,
    target) and which are directories, and which ETC_ENTRIES exist."""

    links: tuple[tuple[str, str], ...] = ()
    dirs: tuple[str, ...] = ()
    etc: tuple[str, ...] = ()


def bwrap_argv(
    bwrap: str,
    argv: Sequence[str],
    tree: Path,
    layout: Layout,
    limits: Limits,
    *,
    shared: Sequence[str] = (),
) -> list[str]:
    """bubblewrap's command line: every namespace new (no network: only a loopback of its
    own), no capabilities, no nested user namespaces, the system read-only, /proc of its own
    PID namespace, a private /tmp, and `tree` the only host directory it may write. Killed
    with its parent; in a new session, so it cannot push keystrokes into our terminal
    (TIOCSTI)."""
    out = [bwrap, "--unshare-all", "--unshare-user", "--disable-userns"]
    out += ["--die-with-parent", "--new-session", "--cap-drop", "ALL"]
    out += ["--ro-bind", "/usr", "/usr"]
    for name, target in layout.links:
        out += ["--symlink", target, f"/{name}"]
    for name in layout.dirs:
        out += ["--ro-bind", f"/{name}", f"/{name}"]
    for name in layout.etc:
        out += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    out += ["--proc", "/proc", "--dev", "/dev"]
    out += ["--size", str(limits.memory_mb * MB), "--tmpfs", "/tmp"]  # noqa: S108 - its own
    for path in shared:  # toolchains the operator shares (MORNINGAI_SANDBOX_PATHS), read-only
        out += ["--ro-bind-try", path, path]
    out += ["--bind", str(tree), str(tree), "--remount-ro", "/", "--chdir", str(tree)]
    return [*out, "--", *argv]


# never shared into a sandbox, whatever the setting says: the host's secrets and its kernel's
# views live there (the sandbox has its own /proc and /dev)
UNSHAREABLE = ("/", "/etc", "/root", "/home", "/proc", "/sys", "/dev", "/run", "/var")


def shared_paths(setting: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(paths, refused) from MORNINGAI_SANDBOX_PATHS: absolute host directories, separated by
    ':', that runs may read (e.g. a virtualenv with the project's test dependencies, a
    toolchain under /opt). Relative paths, `..`, and the host's own places (UNSHAREABLE, or
    anything under /etc, /root, /home, /proc, /sys, /dev, /run, /var) are refused."""
    paths: list[str] = []
    refused: list[str] = []
    for raw in (setting or "").split(":"):
        path = raw.strip().rstrip("/") or raw.strip()
        if not path:
            continue
        inside = any(path == p or path.startswith(p.rstrip("/") + "/") for p in UNSHAREABLE[1:])
        if not path.startswith("/") or "/../" in f"{path}/" or path == "/" or inside:
            refused.append(raw.strip())
        elif path not in paths:
            paths.append(path)
    return tuple(paths), tuple(refused)


def prlimit_argv(
    prlimit: str, limits: Limits, processes_in_use: int, ceilings: Mapping[str, int] | None = None
) -> list[str]:
    """prlimit(1)'s command line setting the run's resource limits before it execs the rest:
    no Python runs between fork and exec (a `preexec_fn` may deadlock in a threaded parent).
    CPU time per process is the wall-clock budget: a process that escaped the kill still
    stops there. `ceilings` are the hard limits we run under (-1: none): an unprivileged run
    may not raise a limit past them, and prlimit would refuse to start at all."""
    wanted = {
        "nproc": processes_in_use + limits.processes,
        "data": limits.memory_mb * MB,
        "fsize": limits.file_mb * MB,
        "cpu": limits.timeout_seconds,
        "nofile": limits.open_files,
        "core": 0,
    }
    ceilings = ceilings or {}
    capped = {
        name: value if ceilings.get(name, -1) < 0 else min(value, ceilings[name])
        for name, value in wanted.items()
    }
    return [prlimit, *(f"--{name}={value}" for name, value in capped.items()), "--"]


def sandbox_env(environ: Mapping[str, str], home: str) -> dict[str, str]:
    env = {k: environ[k] for k in KEPT_ENV if k in environ}
    env.update(HOME=home, TMPDIR=home, CI="true", PYTHONDONTWRITEBYTECODE="1")
    return env


def size(n: int) -> str:
    return (
        f"{n // MB} MB"
        if n >= MB and n % MB == 0
        else (f"{n / 1_000_000:g} MB" if n >= 1_000_000 else f"{n} bytes")
    )


def describe(kind: Kind | None, why: str, limits: Limits, as_user: str) -> str:
    """One line for people: what a run is kept from, and what it is not."""
    bounds = (
        f"limits: {limits.timeout_seconds} s, {size(limits.memory_mb * MB)} of data, "
        f"{limits.processes} processes, {size(limits.output_bytes)} of output, "
        f"{size(limits.file_mb * MB)} a file"
    )
    if kind == "bubblewrap":
        return (
            "bubblewrap: no network, own PID/IPC/UTS/mount/user namespaces, read-only system "
            f"(/usr and a few /etc files), only its copy and a private /tmp writable, "
            f"as {as_user}, no capabilities; {bounds}"
        )
    if kind == "process":
        return (
            f"process only: {why} — tests run WITHOUT network or filesystem isolation, as "
            f"{as_user}, the worker not dumpable, in a process group killed on timeout; {bounds}"
        )
    return f"no sandbox: {why} — tests do not run"


@dataclass
class Tail:
    """The last `cap` bytes of a stream, and how many came in all: memory stays bounded
    whatever a run prints."""

    cap: int
    total: int = 0
    kept: bytearray = field(default_factory=bytearray)

    def add(self, chunk: bytes) -> None:
        self.total += len(chunk)
        self.kept += chunk
        if len(self.kept) > self.cap:
            del self.kept[: len(self.kept) - self.cap]

    def text(self) -> str:
        body = self.kept.decode("utf-8", errors="replace")
        cut = self.total - len(self.kept)
        return f"[… the first {cut} bytes of output cut …]\n{body}" if cut else body


def reason(status: Status, returncode: int | None, limits: Limits, *, cut: bool) -> str:
    if status == "timed_out":
        return f"timed out after {limits.timeout_seconds} s (every process in the sandbox killed)"
    if cut:
        return f"output cut at {size(limits.output_bytes)} (the run was stopped)"
    if returncode is not None and returncode < 0:
        return f"killed by signal {-returncode}"
    return f"exit {returncode}"
