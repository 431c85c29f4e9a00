"""Verification of a change: files still parse, and the repository's tests when enabled.

Tests run in their own temporary copy, in a subprocess with a timeout and a scrubbed
environment, as a user that may not inspect the worker (agents/code/sandbox.py): no token, key
or secret of ours is visible to code from the repository.
"""

from __future__ import annotations

import ast
import json
import os
import shlex
import shutil
import subprocess
import tempfile
import tomllib
from collections.abc import Mapping
from pathlib import Path

import yaml

from agents.code import sandbox
from agents.code.state import CheckResult

# only what a test run needs; nothing of the worker's environment passes by default
_KEPT_ENV = ("PATH", "LANG", "LC_ALL", "TZ")


def parse_check(path: str, content: str) -> CheckResult | None:
    """Whether `content` parses for its file type; None for types we cannot parse."""
    try:
        if path.endswith(".py"):
            ast.parse(content, filename=path)
        elif path.endswith(".json"):
            json.loads(content)
        elif path.endswith((".yml", ".yaml")):
            list(yaml.safe_load_all(content))
        elif path.endswith(".toml"):
            tomllib.loads(content)
        else:
            return None
    except (SyntaxError, ValueError, yaml.YAMLError) as exc:
        return CheckResult(name=f"parse {path}", ok=False, ran=True, detail=_first_line(exc))
    return CheckResult(name=f"parse {path}", ok=True, ran=True, detail="parses")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


def materialize(pristine: Path, new_contents: Mapping[str, str | None], dest: Path) -> Path:
    """A copy of the snapshot with the change applied, for checks to run in."""
    shutil.copytree(pristine, dest, symlinks=True)
    for rel, content in new_contents.items():
        target = dest / rel
        if content is None:
            target.unlink(missing_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
    return dest


def scrubbed_env(home: Path) -> dict[str, str]:
    env = {k: os.environ[k] for k in _KEPT_ENV if k in os.environ}
    env.update(HOME=str(home), CI="true", PYTHONDONTWRITEBYTECODE="1")
    return env


def run_tests(
    pristine: Path, new_contents: Mapping[str, str | None], command: str, timeout: int
) -> CheckResult:
    """Run the repository's test command on a temporary copy with the change applied."""
    run_as = sandbox.test_user()
    scratch = sandbox.scratch_root() if run_as else None
    with tempfile.TemporaryDirectory(prefix="morningai-check-", dir=scratch) as tmp:
        work = materialize(pristine, new_contents, Path(tmp) / "repo")
        if run_as is not None:
            sandbox.hand_over(Path(tmp), run_as)
        try:
            done = subprocess.run(
                shlex.split(command),
                cwd=work,
                env=scrubbed_env(Path(tmp)),
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
                user=run_as.uid if run_as else None,
                group=run_as.gid if run_as else None,
                extra_groups=[] if run_as else None,
            )
        except subprocess.TimeoutExpired:
            return CheckResult(
                name=f"`{command}`", ok=False, ran=True, detail=f"timed out after {timeout} s"
            )
        except OSError as exc:
            return CheckResult(
                name=f"`{command}`", ok=False, ran=False, detail=f"could not start: {exc.strerror}"
            )
    tail = (done.stdout + done.stderr).strip().splitlines()[-15:]
    detail = f"exit {done.returncode}" + ("\n" + "\n".join(tail) if tail else "")
    return CheckResult(name=f"`{command}`", ok=done.returncode == 0, ran=True, detail=detail)
