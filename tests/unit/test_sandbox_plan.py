"""The sandbox's pure parts (agents/code/sandbox_plan.py): bubblewrap's and prlimit's command
lines, the environment, the words for people, the bounded output tail, a run's reason."""

from __future__ import annotations

from pathlib import Path

from agents.code import sandbox
from agents.code.sandbox_plan import (
    MB,
    Layout,
    Limits,
    Tail,
    bwrap_argv,
    describe,
    prlimit_argv,
    reason,
    sandbox_env,
    shared_paths,
)

MERGED = Layout(links=(("bin", "usr/bin"), ("lib", "usr/lib")), etc=("passwd", "ssl/certs"))
TREE = Path("/tmp/morningai-check-x/repo")


def pairs(argv: list[str], flag: str) -> list[tuple[str, str]]:
    return [(argv[i + 1], argv[i + 2]) for i, a in enumerate(argv) if a == flag]


def test_bubblewrap_isolates_everything_and_binds_only_the_system_read_only() -> None:
    argv = bwrap_argv("/usr/bin/bwrap", ["pytest", "-x"], TREE, MERGED, Limits())
    options = argv[: argv.index("--")]
    for flag in ("--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent"):
        assert flag in options
    assert "--new-session" in options
    assert options[options.index("--cap-drop") + 1] == "ALL"
    assert pairs(options, "--ro-bind") == [
        ("/usr", "/usr"),
        ("/etc/passwd", "/etc/passwd"),
        ("/etc/ssl/certs", "/etc/ssl/certs"),
    ]
    assert pairs(options, "--symlink") == [("usr/bin", "/bin"), ("usr/lib", "/lib")]
    assert pairs(options, "--bind") == [(str(TREE), str(TREE))]  # the only writable host path
    assert options[options.index("--chdir") + 1] == str(TREE)
    assert argv[argv.index("--") :] == ["--", "pytest", "-x"]


def test_bubblewrap_makes_the_root_read_only_after_its_mounts() -> None:
    argv = bwrap_argv("bwrap", ["true"], TREE, MERGED, Limits(memory_mb=64))
    assert argv.index("--remount-ro") > argv.index("--bind")
    assert argv[argv.index("--remount-ro") + 1] == "/"
    # the private /tmp is memory: bounded like the run's memory
    size = argv.index("--size")
    assert argv[size + 1 : size + 4] == [str(64 * MB), "--tmpfs", "/tmp"]


def test_a_host_without_merged_usr_gets_its_directories_read_only() -> None:
    argv = bwrap_argv("bwrap", ["true"], TREE, Layout(dirs=("bin", "lib64")), Limits())
    assert ("/bin", "/bin") in pairs(argv, "--ro-bind")
    assert ("/lib64", "/lib64") in pairs(argv, "--ro-bind")
    assert "--symlink" not in argv


def test_the_whole_etc_is_never_bound() -> None:
    layout = sandbox.host_layout()
    argv = bwrap_argv("bwrap", ["true"], TREE, layout, Limits())
    sources = [src for src, _ in pairs(argv, "--ro-bind")]
    assert "/etc" not in sources
    assert all(s == "/usr" or s.startswith(("/etc/", "/bin", "/lib", "/sbin")) for s in sources)


def test_prlimit_sets_every_limit_above_what_the_user_already_runs() -> None:
    limits = Limits(timeout_seconds=60, memory_mb=512, processes=100, file_mb=8, open_files=64)
    assert prlimit_argv("/usr/bin/prlimit", limits, 40) == [
        "/usr/bin/prlimit",
        "--nproc=140",
        f"--data={512 * MB}",
        f"--fsize={8 * MB}",
        "--cpu=60",
        "--nofile=64",
        "--core=0",
        "--",
    ]


def test_no_limit_is_asked_above_the_hard_limit_we_run_under() -> None:
    limits = Limits(timeout_seconds=60, memory_mb=512, processes=100, file_mb=8, open_files=64)
    ceilings = {"nproc": 120, "nofile": 32, "cpu": -1, "data": 256 * MB}
    assert prlimit_argv("prlimit", limits, 40, ceilings)[1:-1] == [
        "--nproc=120",
        f"--data={256 * MB}",
        f"--fsize={8 * MB}",
        "--cpu=60",
        "--nofile=32",
        "--core=0",
    ]


def test_the_environment_keeps_only_what_a_test_needs() -> None:
    env = sandbox_env(
        {"PATH": "/usr/bin", "LANG": "C.UTF-8", "OPENAI_API_KEY": "sk-x", "HOME": "/root"},
        "/tmp",
    )
    assert env == {
        "PATH": "/usr/bin",
        "LANG": "C.UTF-8",
        "HOME": "/tmp",
        "TMPDIR": "/tmp",
        "CI": "true",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def test_the_words_say_what_is_isolated_and_what_is_not() -> None:
    limits = Limits(timeout_seconds=60)
    words = describe("bubblewrap", "", limits, "nobody")
    assert words.startswith("bubblewrap: no network, own PID/IPC/UTS")
    assert "as nobody" in words
    assert "limits: 60 s, 2048 MB of data, 512 processes, 1 MB of output" in words
    process = describe(
        "process", "bubblewrap not found (apt-get install bubblewrap)", limits, "nobody"
    )
    assert process.startswith(
        "process only: bubblewrap not found (apt-get install bubblewrap) — tests run WITHOUT "
        "network or filesystem isolation, as nobody"
    )
    assert describe(None, "MORNINGAI_SANDBOX=bubblewrap, but x", limits, "nobody") == (
        "no sandbox: MORNINGAI_SANDBOX=bubblewrap, but x — tests do not run"
    )


def test_the_tail_keeps_the_last_bytes_and_says_how_many_were_cut() -> None:
    tail = Tail(cap=10)
    tail.add(b"0123456789")
    assert tail.text() == "0123456789"
    tail.add(b"abcde")
    assert tail.total == 15
    assert bytes(tail.kept) == b"56789abcde"
    assert tail.text() == "[… the first 5 bytes of output cut …]\n56789abcde"


def test_a_runs_reason_in_plain_words() -> None:
    limits = Limits(timeout_seconds=60, output_bytes=1_000_000)
    assert reason("exited", 1, limits, cut=False) == "exit 1"
    assert reason("exited", -9, limits, cut=False) == "killed by signal 9"
    assert reason("exited", -9, limits, cut=True) == "output cut at 1 MB (the run was stopped)"
    assert reason("timed_out", None, limits, cut=False) == (
        "timed out after 60 s (every process in the sandbox killed)"
    )


def test_isolation_follows_the_mode() -> None:
    missing = "/nonexistent/bwrap"
    assert sandbox.isolation("process") == sandbox.Isolation(
        "process", "bubblewrap not used (MORNINGAI_SANDBOX=process)"
    )
    assert sandbox.isolation("auto", missing) == sandbox.Isolation(
        "process", "bubblewrap not found at /nonexistent/bwrap (apt-get install bubblewrap)"
    )
    required = sandbox.isolation("bubblewrap", missing)
    assert required.kind is None
    assert required.why.startswith("MORNINGAI_SANDBOX=bubblewrap, but bubblewrap not found")
    assert sandbox.isolation("docker").kind is None
    assert sandbox.describe_isolation("auto", bwrap=missing).startswith(
        "process only: bubblewrap not found at /nonexistent/bwrap (apt-get install bubblewrap)"
    )


def test_shared_toolchains_are_read_only_and_never_the_hosts_own_places() -> None:
    paths, refused = shared_paths(
        "/opt/venv:/usr/local/go/:/opt/venv: :relative/dir:/:/etc/ssl:/root/.pyenv:"
        "/home/ci/.cargo:/var/lib/x:/opt/../etc:/proc/self:/run/secrets"
    )
    assert paths == ("/opt/venv", "/usr/local/go")
    assert refused == (
        "relative/dir",
        "/",
        "/etc/ssl",
        "/root/.pyenv",
        "/home/ci/.cargo",
        "/var/lib/x",
        "/opt/../etc",
        "/proc/self",
        "/run/secrets",
    )
    assert shared_paths(None) == ((), ())
    argv = bwrap_argv("bwrap", ["true"], TREE, MERGED, Limits(), shared=paths)
    assert pairs(argv, "--ro-bind-try") == [("/opt/venv", "/opt/venv"), ("/usr/local/go",) * 2]
    # after the private /tmp (which would hide it) and never writable
    assert argv.index("--ro-bind-try") > argv.index("--tmpfs")
    assert ("/opt/venv", "/opt/venv") not in pairs(argv, "--bind")
