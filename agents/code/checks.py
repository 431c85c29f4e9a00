"""Verification of a change: files still parse, and the repository's tests when enabled.

Tests (and the model's reproduction) run in their own temporary copy, in the sandbox of
agents/code/sandbox.py: a cleared environment, a user that may not inspect the worker, limits,
and under bubblewrap no network and nothing of the host writable but the copy — no token, key
or secret of ours is visible to code from the repository.
"""

from __future__ import annotations

import ast
import json
import shutil
import tempfile
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path

import yaml

from agents.code import sandbox
from agents.code.sandbox import Limits, RunResult
from agents.code.state import CheckResult


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


def run_in_copy(
    pristine: Path,
    new_contents: Mapping[str, str | None],
    argv: Sequence[str],
    *,
    limits: Limits,
    mode: str = "auto",
    shared: Sequence[str] = (),
) -> RunResult:
    """Run `argv` in the sandbox on a throw-away copy of the snapshot with the change applied
    (the repository's tests, the model's reproduction): the copy is the test user's and
    removed afterwards; `shared` toolchains are there read-only."""
    run_as = sandbox.test_user()
    scratch = sandbox.scratch_root() if run_as else None
    with tempfile.TemporaryDirectory(prefix="morningai-check-", dir=scratch) as tmp:
        # the test user may pass through to its copy, not write beside it
        Path(tmp).chmod(0o711)
        work = materialize(pristine, new_contents, Path(tmp) / "repo")
        if run_as is not None:
            sandbox.hand_over(work, run_as)
        return sandbox.run(argv, work, limits=limits, mode=mode, shared=shared)
