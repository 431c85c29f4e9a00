"""Text and regular-expression search over a snapshot, by GNU grep in a bounded subprocess.

A model-supplied pattern is never compiled by Python's `re`: it backtracks, exponentially on
patterns like `(a+)+$`, and cannot be interrupted. GNU grep runs ERE without backreferences as a
DFA (linear), and what can still be slow (backreferences, huge repetition counts) is bounded
from outside: the process is killed after `SEARCH_SECONDS`, and at most `OUTPUT_BYTES` of its
output are read before it is killed. Neither bound depends on the pattern.
"""

from __future__ import annotations

import os
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast

from agents.code.locate_repo import SKIP_DIRS

SEARCH_SECONDS = 5.0
OUTPUT_BYTES = 256_000


@dataclass(frozen=True, slots=True)
class Match:
    path: str  # relative to the directory grep ran in
    line: int
    text: str


@dataclass(frozen=True, slots=True)
class GrepResult:
    matches: tuple[Match, ...]
    timed_out: bool
    cut: bool  # the output went past OUTPUT_BYTES; there were more matches than these
    error: str  # grep's complaint (a bad pattern) when it failed, else ""
    warnings: str  # what grep said on success, e.g. "stray \ before d"


def grep_command(pattern: str, *, regex: bool, target: str) -> list[str]:
    """The argv for a recursive search of `target` ("" for the working directory).

    `-r` (not `-R`) follows no symlink met while recursing; `-I` skips binary files; `-H` names
    the file even when `target` is one; `--null` ends each name with NUL, so names holding ":"
    still parse.
    """
    cmd = ["grep", "-rnIHs", "--null", "--color=never", "-E" if regex else "-F", "-e", pattern]
    cmd += [f"--exclude-dir={d}" for d in sorted(SKIP_DIRS)] + ["--exclude-dir=*.egg-info"]
    # With no operand, grep -r names files without a "./" prefix.
    return [*cmd, "--", target] if target else cmd


def run_grep(cwd: Path, cmd: list[str]) -> GrepResult:
    """Run `cmd` in `cwd`, killed after SEARCH_SECONDS or once OUTPUT_BYTES were read."""
    fired = threading.Event()
    # A minimal environment: grep needs no secrets, and a UTF-8 locale to read patterns right.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C.UTF-8"}
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )  # fmt: skip

    def stop() -> None:
        fired.set()
        proc.kill()

    timer = threading.Timer(SEARCH_SECONDS, stop)
    stdout, stderr = cast(IO[bytes], proc.stdout), cast(IO[bytes], proc.stderr)
    timer.start()
    try:
        out = stdout.read(OUTPUT_BYTES + 1)
        cut = len(out) > OUTPUT_BYTES
        if cut:
            proc.kill()
        err = stderr.read(4096)
        code = proc.wait()
    finally:
        timer.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        stdout.close()
        stderr.close()
    complaint = err.decode("utf-8", "replace").strip()
    failed = code not in (0, 1) and not cut and not fired.is_set()
    return GrepResult(
        _parse(out[:OUTPUT_BYTES], complete=not cut and not fired.is_set()),
        fired.is_set(),
        cut,
        complaint if failed else "",
        "" if failed else complaint,
    )


def _parse(out: bytes, *, complete: bool) -> tuple[Match, ...]:
    records = out.split(b"\n")
    if not complete or records[-1] == b"":
        records = records[:-1]  # a cut-off last record, or the empty one after the last "\n"
    found = []
    for record in records:
        name, _, rest = record.partition(b"\0")
        number, _, text = rest.partition(b":")
        if number.isdigit():
            found.append(Match(name.decode("utf-8", "replace"), int(number), _text(text)))
    return tuple(found)


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace").rstrip("\r")
