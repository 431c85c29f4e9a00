"""Running tests for the code graph: which runner, which command, and one sandboxed run read
into a verdict the pull request can show (passed, failed, or not run and why)."""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence

from agents.code import checks, test_layout, test_runners
from agents.code.context import CodeContext
from agents.code.sandbox import Limits
from agents.code.state import RunReport, RunStatus
from agents.code.test_runners import TestRunner

# what a run keeps of its output: enough for the model and a person to see why
OUTPUT_TAIL = 4_000


def runner_for(ctx: CodeContext) -> TestRunner | None:
    """How this repository runs tests: from its configured command, else from its layout."""
    if ctx.test_command:
        return test_layout.from_command(ctx.test_command, ctx.repo_root)
    return test_layout.detect(ctx.repo_root)


def suite_command(
    ctx: CodeContext, runner: TestRunner | None, changed: Sequence[str]
) -> tuple[tuple[str, ...] | None, str]:
    """(argv, what it is) of the tests that must not regress, or (None, why none run): the
    configured command, else the detected runner on the tests near the changed files."""
    if ctx.test_command:
        return tuple(shlex.split(ctx.test_command)), "the configured test command"
    if runner is None:
        return None, (
            "no `test_command` is set in `.github/morningai.yml` and no test layout was "
            "detected (pytest, unittest, npm test, go test, cargo test)"
        )
    near = test_layout.nearby_tests(ctx.repo_root, runner, changed)
    if not near:
        return None, f"no {runner.name} tests were found near the changed files"
    return test_runners.nearby_command(runner, near), f"the {runner.name} tests near the change"


def run(
    ctx: CodeContext,
    runner: TestRunner | None,
    contents: Mapping[str, str | None],
    argv: Sequence[str],
    what: str,
) -> RunReport:
    """Run `argv` in the sandbox on the snapshot with `contents` applied; noted in the task's
    events (the command, how it ended, the isolation) and read into a verdict."""
    limits = Limits(timeout_seconds=ctx.test_timeout_seconds)
    result = checks.run_in_copy(
        ctx.repo_root,
        contents,
        argv,
        limits=limits,
        mode=ctx.sandbox_mode,
        shared=ctx.sandbox_paths,
    )
    command = shlex.join(argv)
    status: RunStatus
    if result.status == "could_not_start":
        status, reason = "not_run", result.reason
    elif result.status == "timed_out":
        status, reason = "failed", result.reason
    elif runner is not None:
        status, reason = test_runners.verdict(runner, result.returncode, result.output)
    else:
        status = "passed" if result.returncode == 0 else "failed"
        reason = result.reason
    output = result.output[-OUTPUT_TAIL:]
    ctx.progress.note(
        "sandbox",
        f"{what}: {status} ({reason})",
        command=command,
        status=status,
        reason=reason,
        isolation=result.isolation,
        output=output,
    )
    return RunReport(command=command, status=status, reason=reason, output=output)
