"""What the sandbox costs a test run: the same small test file run bare (a subprocess in a
copy, the baseline), on the process floor, and under bubblewrap, interleaved round by round so
a noisy machine slows all three alike; medians, p90 and the ratio to the baseline.

    .venv/bin/python -m bench.sandbox [--rounds 30]

Each run is what the code agent does for one test command: copy a small repository, hand it
to the test user, run `python3 -m unittest` (two tests) in it, read the output. The copy is
part of every variant; the baseline only leaves out the sandbox (no prlimit, no bubblewrap,
run as ourselves).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from agents.code import checks, sandbox
from agents.code.sandbox import Limits

APP = "def greet(name):\n    return 'Hello, ' + name + '!'\n"
TEST = """import unittest

from app import greet


class Greet(unittest.TestCase):
    def test_names(self):
        self.assertIn("Ada", greet("Ada"))

    def test_polite(self):
        self.assertTrue(greet("Ada").startswith("Hello"))
"""
# the same interpreter for every variant: the system's, which the test user can reach (a
# PATH lookup as ourselves may find a slower wrapper, e.g. pyenv's shim, the test user cannot)
PYTHON = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else "python3"
COMMAND = [PYTHON, "-m", "unittest", "-q"]
LIMITS = Limits(timeout_seconds=60)


def bare(pristine: Path) -> bool:
    """The baseline: a copy and a plain subprocess, nothing confined."""
    with tempfile.TemporaryDirectory(prefix="bench-bare-") as tmp:
        work = checks.materialize(pristine, {}, Path(tmp) / "repo")
        done = subprocess.run(COMMAND, cwd=work, capture_output=True, check=False, timeout=60)
        return done.returncode == 0


def sandboxed(mode: str) -> Callable[[Path], bool]:
    def run(pristine: Path) -> bool:
        return checks.run_in_copy(pristine, {}, COMMAND, limits=LIMITS, mode=mode).ok

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    variants: dict[str, Callable[[Path], bool]] = {"bare subprocess (baseline)": bare}
    variants["process floor"] = sandboxed("process")
    kind = sandbox.isolation("auto").kind
    if kind == "bubblewrap":
        variants["bubblewrap"] = sandboxed("bubblewrap")
    else:
        print(f"bubblewrap not measured: {sandbox.isolation('auto').why}")
    times: dict[str, list[float]] = {name: [] for name in variants}
    with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as tmp:
        pristine = Path(tmp) / "pristine"
        pristine.mkdir()
        (pristine / "app.py").write_text(APP)
        (pristine / "test_app.py").write_text(TEST)
        for name, run in variants.items():  # warm-up: the bubblewrap probe, the page cache
            assert run(pristine), f"{name} did not pass"
        for _ in range(args.rounds):
            for name, run in variants.items():
                started = time.perf_counter()
                assert run(pristine), f"{name} did not pass"
                times[name].append(time.perf_counter() - started)
    base = statistics.median(times["bare subprocess (baseline)"])
    print(f"{args.rounds} rounds, `{' '.join(COMMAND)}` on a two-test repository")
    print(f"{'variant':<28} {'median ms':>10} {'p90 ms':>8} {'x baseline':>11}")
    for name, seen in times.items():
        median = statistics.median(seen)
        p90 = statistics.quantiles(seen, n=10)[-1]
        print(f"{name:<28} {median * 1000:>10.1f} {p90 * 1000:>8.1f} {median / base:>11.2f}")


if __name__ == "__main__":
    main()
