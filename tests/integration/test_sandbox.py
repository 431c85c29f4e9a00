"""The sandbox model-written tests run in (agents/code/sandbox.py), attacked by real scripts in
real processes: the network, the worker's environment, a fork bomb, writes outside the copy,
endless output, a sleep past the timeout. Bubblewrap's tests are skipped, with the probe's
reason, where the host does not allow it; the process floor's run everywhere."""

from __future__ import annotations

import ctypes
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from agents.code import checks, sandbox
from agents.code.sandbox import Limits, RunResult

BWRAP_PROBLEM = sandbox.bwrap_problem()
needs_bwrap = pytest.mark.skipif(BWRAP_PROBLEM is not None, reason=str(BWRAP_PROBLEM))
MODES = [pytest.param("bubblewrap", marks=needs_bwrap), "process"]
SHORT = Limits(timeout_seconds=20, processes=64, output_bytes=200_000)
PR_GET_DUMPABLE = 3
ROOT = Path(__file__).resolve().parents[2]
# a process that runs one sandboxed script, as a worker's work-horse does: (mode, tree, script)
RUNNER = """
import dataclasses, json, sys
from pathlib import Path
from agents.code import checks, sandbox
mode, tree, script = sys.argv[1:]
limits = sandbox.Limits(timeout_seconds=20)
done = sandbox.run(["python3", "-c", script], Path(tree), limits=limits, mode=mode)
print(json.dumps(dataclasses.asdict(done)))
"""

NETWORK = """
import socket, sys
def attempt(what, call):
    try:
        call()
    except OSError as exc:
        print("BLOCKED", what, exc.strerror or exc, flush=True)
    else:
        print("REACHED", what, flush=True)
attempt("loopback", lambda: socket.create_connection(("127.0.0.1", int(sys.argv[1])), 3))
attempt("dns", lambda: socket.getaddrinfo("example.com", 443))
attempt("outside", lambda: socket.create_connection(("1.1.1.1", 53), 3))
"""

ENVIRON = """
import os
seen = 0
for pid in os.listdir("/proc"):
    if pid.isdigit():
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                print(pid, f.read().replace(b"\\0", b" ").decode(errors="replace"))
            seen += 1
        except OSError as exc:
            print(pid, "refused:", exc.strerror)
print("READ", seen)
"""

FORK_BOMB = """
import os
while True:
    try:
        os.fork()
    except OSError:
        pass
"""

FORK_COUNT = """
import os, sys, time
made = 0
while made < 300:  # bounded even when the limit is not
    try:
        pid = os.fork()
    except OSError as exc:
        print("STOPPED after", made, exc.strerror, flush=True)
        break
    if pid == 0:
        time.sleep(60)
        os._exit(0)
    made += 1
else:
    print("NOT STOPPED after", made, flush=True)
"""

WRITES = """
import sys
for path in sys.argv[1:]:
    try:
        with open(path, "w") as f:
            f.write("x")
    except OSError as exc:
        print("REFUSED", path, exc.strerror)
    else:
        print("WROTE", path)
"""


@pytest.fixture
def tree() -> Iterator[Path]:
    """A copy the test user owns, in a directory it may pass through but not write."""
    with tempfile.TemporaryDirectory(prefix="sandbox-test-", dir=sandbox.scratch_root()) as tmp:
        Path(tmp).chmod(0o711)
        work = Path(tmp) / "repo"
        work.mkdir()
        run_as = sandbox.test_user()
        if run_as is not None:
            sandbox.hand_over(work, run_as)
        yield work


def python(script: str, tree: Path, *args: str, limits: Limits = SHORT, mode: str) -> RunResult:
    return sandbox.run(["python3", "-c", script, *args], tree, limits=limits, mode=mode)


@needs_bwrap
def test_the_network_is_out_of_reach(tree: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.setblocking(False)
        port = str(server.getsockname()[1])
        done = python(NETWORK, tree, port, mode="bubblewrap")
        try:
            knocked, _ = server.accept()
        except BlockingIOError:
            pass  # nobody knocked
        else:
            knocked.close()
            pytest.fail("the sandbox reached a server on the host's loopback")
    assert done.isolation == "bubblewrap"
    assert "REACHED" not in done.output
    assert [line.split()[1] for line in done.output.splitlines()] == [
        "loopback",
        "dns",
        "outside",
    ]


@pytest.mark.parametrize("mode", MODES)
def test_no_environment_of_the_worker_is_seen(tree: Path, mode: str) -> None:
    # /proc/<pid>/environ shows what a process was started with: the secret is in the starting
    # environment of the process that runs the sandbox, as a worker's settings are
    secret = f"marker-{uuid.uuid4().hex}"
    env = {**os.environ, "MORNINGAI_TEST_SECRET": secret}
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, mode, str(tree), ENVIRON],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=ROOT,
    )
    result = json.loads(done.stdout)
    assert result["returncode"] == 0, result
    assert "READ " in result["output"]  # it looked
    assert secret not in result["output"]
    assert "MORNINGAI_TEST_SECRET" not in result["output"]


def survivors(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if marker.encode() in cmdline:
            found.append(int(entry.name))
    return found


@pytest.mark.parametrize("mode", MODES)
def test_a_fork_bomb_is_stopped_and_nothing_of_it_survives(tree: Path, mode: str) -> None:
    marker = f"bomb-{uuid.uuid4().hex}"
    limits = Limits(timeout_seconds=4, processes=32)
    started = time.monotonic()
    done = python(FORK_BOMB, tree, marker, limits=limits, mode=mode)
    assert done.status == "timed_out"
    assert "every process in the sandbox killed" in done.reason
    assert time.monotonic() - started < 15
    deadline = time.monotonic() + 5  # SIGKILL is delivered, not awaited
    while survivors(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert survivors(marker) == []


@pytest.mark.parametrize("mode", MODES)
def test_the_process_limit_stops_forking(tree: Path, mode: str) -> None:
    limits = Limits(timeout_seconds=10, processes=32)
    done = python(FORK_COUNT, tree, limits=limits, mode=mode)
    line = done.output.strip().splitlines()[0]
    assert line.startswith("STOPPED after"), line
    assert int(line.split()[2]) <= limits.processes + sandbox.processes_of(65534) + 8


@pytest.mark.parametrize("mode", MODES)
def test_writes_outside_the_copy_do_not_reach_the_host(tree: Path, mode: str) -> None:
    outside = [
        Path("/", f"sandbox-{uuid.uuid4().hex}"),
        Path("/usr", f"sandbox-{uuid.uuid4().hex}"),
        Path("/etc", f"sandbox-{uuid.uuid4().hex}"),
        Path("/root", f"sandbox-{uuid.uuid4().hex}"),
        tree.parent / "beside",
    ]
    done = python(WRITES, tree, *map(str, outside), str(tree / "inside"), mode=mode)
    assert done.ok, done.reason
    assert f"WROTE {tree / 'inside'}" in done.output
    assert (tree / "inside").read_text() == "x"
    for path in outside:
        assert not path.exists(), f"{path} written on the host"
    refused = [line.split()[1] for line in done.output.splitlines() if line.startswith("REFUSED")]
    # the tree's parent is in bubblewrap's private /tmp: written there, gone with it
    assert set(refused) >= {str(p) for p in outside[:4]}


@pytest.mark.parametrize("mode", MODES)
def test_endless_output_is_cut_and_the_run_stopped(tree: Path, mode: str) -> None:
    started = time.monotonic()
    done = python("while True: print('spam' * 20)", tree, mode=mode)
    assert time.monotonic() - started < 10
    assert done.status == "exited"
    assert done.reason == "output cut at 200000 bytes (the run was stopped)"
    assert done.output.startswith("[… the first ")
    assert len(done.output.encode()) < SHORT.output_bytes + 100
    assert done.output.rstrip().endswith("spam")


@pytest.mark.parametrize("mode", MODES)
def test_a_run_past_its_time_is_killed(tree: Path, mode: str) -> None:
    limits = Limits(timeout_seconds=2)
    started = time.monotonic()
    done = sandbox.run(["sleep", "60"], tree, limits=limits, mode=mode)
    assert time.monotonic() - started < 8
    assert done.status == "timed_out"
    assert done.returncode is None
    assert done.reason == "timed out after 2 s (every process in the sandbox killed)"


def test_the_process_floor_runs_as_nobody_beneath_an_undumpable_caller(tree: Path) -> None:
    script = (
        "import os\n"
        "print('uid', os.getuid())\n"
        "try:\n"
        "    open(f'/proc/{os.getppid()}/environ', 'rb').read()\n"
        "    print('READ the parent')\n"
        "except OSError as exc:\n"
        "    print('REFUSED', exc.strerror)\n"
    )
    done = python(script, tree, mode="process")
    assert done.isolation == "process"
    run_as = sandbox.test_user()
    assert f"uid {run_as.uid if run_as else os.getuid()}" in done.output
    assert "REFUSED Permission denied" in done.output
    libc = ctypes.CDLL(None)
    assert libc.prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0


def test_required_bubblewrap_that_is_missing_runs_nothing_and_says_why(tree: Path) -> None:
    missing = "/nonexistent/bwrap"
    done = sandbox.run(["touch", "ran"], tree, limits=SHORT, mode="bubblewrap", bwrap=missing)
    assert done.status == "could_not_start"
    assert done.reason == (
        "could not start: MORNINGAI_SANDBOX=bubblewrap, but bubblewrap not found at "
        "/nonexistent/bwrap (apt-get install bubblewrap)"
    )
    assert not (tree / "ran").exists()
    fallback = sandbox.run(["touch", "ran"], tree, limits=SHORT, mode="auto", bwrap=missing)
    assert (fallback.isolation, fallback.status, fallback.returncode) == ("process", "exited", 0)
    assert (tree / "ran").exists()


def test_a_command_that_is_nowhere_does_not_start(tree: Path) -> None:
    done = sandbox.run(["no-such-test-runner"], tree, limits=SHORT)
    assert done.status == "could_not_start"
    assert done.reason == "could not start: no-such-test-runner is not on PATH"


@pytest.mark.parametrize("mode", MODES)
def test_a_change_runs_in_a_throwaway_copy(tmp_path: Path, mode: str) -> None:
    pristine = tmp_path / "snapshot"
    pristine.mkdir()
    (pristine / "a.txt").write_text("old")
    (pristine / "gone.txt").write_text("x")
    script = (
        "import os\n"
        "print(open('a.txt').read(), os.path.exists('gone.txt'), os.getuid(), os.getcwd())\n"
        "open('made', 'w').write('x')\n"
    )
    change = {"a.txt": "new", "gone.txt": None}
    done = checks.run_in_copy(pristine, change, ["python3", "-c", script], limits=SHORT, mode=mode)
    assert done.ok, done.reason
    text, exists, uid, cwd = done.output.split()
    run_as = sandbox.test_user()
    assert (text, exists, int(uid)) == ("new", "False", run_as.uid if run_as else os.getuid())
    assert not Path(cwd).exists()  # the copy is gone
    assert sorted(p.name for p in pristine.iterdir()) == ["a.txt", "gone.txt"]
    assert (pristine / "a.txt").read_text() == "old"


@pytest.mark.parametrize("mode", MODES)
def test_a_command_that_closes_its_output_early_is_waited_for(tree: Path, mode: str) -> None:
    script = "exec >&- 2>&-; sleep 0.5; exit 3"
    done = sandbox.run(["sh", "-c", script], tree, limits=SHORT, mode=mode)
    assert (done.status, done.returncode, done.reason) == ("exited", 3, "exit 3")


@needs_bwrap
def test_a_shared_toolchain_is_there_read_only_and_nothing_else_of_the_host(tree: Path) -> None:
    """MORNINGAI_SANDBOX_PATHS: a directory of the host (here a stand-in for a virtualenv with
    the project's test dependencies) is visible under bubblewrap at its own path, read-only;
    its neighbours are not."""
    with tempfile.TemporaryDirectory(prefix="toolchain-", dir=sandbox.scratch_root()) as tmp:
        shared = Path(tmp) / "venv"
        neighbour = Path(tmp) / "other"
        for folder in (shared / "bin", neighbour):
            folder.mkdir(parents=True)
        for folder in (Path(tmp), shared, shared / "bin", neighbour):
            folder.chmod(0o755)
        tool = shared / "bin" / "hello-toolchain"
        tool.write_text("#!/bin/sh\necho HELLO from the toolchain\n")
        tool.chmod(0o755)
        (neighbour / "secret.txt").write_text("not for the sandbox")
        (neighbour / "secret.txt").chmod(0o644)
        script = (
            "import subprocess, sys\n"
            "print(subprocess.run([sys.argv[1]], capture_output=True, text=True).stdout)\n"
            "for path in (sys.argv[1] + '-new', sys.argv[2]):\n"
            "    try:\n"
            "        open(path, 'w' if path.endswith('-new') else 'r').close()\n"
            "        print('REACHED', path)\n"
            "    except OSError as exc:\n"
            "        print('STOPPED', path, exc.strerror)\n"
        )
        argv = ["python3", "-c", script, str(tool), str(neighbour / "secret.txt")]
        done = sandbox.run(argv, tree, limits=SHORT, mode="bubblewrap", shared=(str(shared),))
        without = sandbox.run(argv, tree, limits=SHORT, mode="bubblewrap")
    assert done.ok, done.output
    assert "HELLO from the toolchain" in done.output
    assert f"STOPPED {tool}-new Read-only file system" in done.output
    assert f"STOPPED {neighbour / 'secret.txt'} No such file or directory" in done.output
    assert "HELLO" not in without.output  # not shared: not there
