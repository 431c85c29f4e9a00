"""Reproduce, then fix: a test that shows the issue, written before the change and run on the
base, where it should fail. Two steps, so that a crash between them does not pay for the
model's test twice: `write_reproduction` (a model call) and `run_reproduction` (the sandbox)."""

from __future__ import annotations

import posixpath
import shlex

from langgraph.runtime import Runtime

from agents import prompts
from agents.code import test_layout, test_runners, verify
from agents.code.change import ChangeError, compute_change
from agents.code.context import CodeContext
from agents.code.model_calls import issue_text, report_spend, spend, system_message
from agents.code.state import CodeState, Reproduction
from agents.ports import Message
from agents.untrusted import fence

PACKAGE = "agents.code"
MAX_TEST_CHARS = 20_000


def write_reproduction(state: CodeState, runtime: Runtime[CodeContext]) -> CodeState:
    ctx = runtime.context
    if ctx.no_reproduction:
        return {"reproduction": {"skipped": ctx.no_reproduction}}
    runner = verify.runner_for(ctx)
    if runner is None:
        why = (
            "no test command is configured and no test layout was detected "
            "(pytest, unittest, npm test, go test, cargo test)"
            if not ctx.test_command
            else f"the configured test command (`{ctx.test_command}`) is not a runner "
            "MorningAI knows how to run one test file with"
        )
        return {"reproduction": {"skipped": why}}
    ctx.progress.stage("reproducing", "Writing a test that reproduces the issue.")
    path = test_layout.reproduction_path(
        ctx.repo_root, runner, state.get("issue_number", 0), state.get("files", [])[:5]
    )
    command = test_runners.file_command(runner, path)
    earlier = state.get("reproduction", {})
    text = prompts.render(
        PACKAGE,
        "reproduce",
        repository=ctx.repository,
        issue=issue_text(state),
        plan=state.get("plan", ""),
        runner=runner.name,
        path=path,
        runner_notes=_runner_notes(ctx, runner.name, path),
        command=shlex.join(command),
        again=_again(earlier),
    )
    messages = [
        system_message(ctx),
        Message("user", state.get("context", "")),
        Message("user", text),
    ]
    reply = ctx.model.complete(messages, max_tokens=ctx.max_output_tokens)
    report_spend(ctx, state, reply.usage)
    spent = spend(reply.usage)
    reproduction = _read_test(ctx, reply.text, path)
    reproduction["tries"] = earlier.get("tries", 0) + 1
    if "content" in reproduction:
        reproduction["command"] = shlex.join(command)
    return {**spent, "reproduction": reproduction}


def _again(earlier: Reproduction) -> str:
    """What the prompt says of an earlier test that passed on the base (nothing the first
    time)."""
    before = earlier.get("before")
    if before is None or before["status"] != "passed" or "content" not in earlier:
        return ""
    return prompts.render(
        PACKAGE,
        "reproduce_again",
        test=fence(f"file {earlier['path']}", earlier["content"]),
        output=fence("test output", before["output"] or "(no output)", limit=4_000),
    )


def try_again(state: CodeState, ctx: CodeContext) -> bool:
    """Whether to ask for another test: this one passed on the base, and tries are left."""
    reproduction = state.get("reproduction", {})
    before = reproduction.get("before")
    return (
        before is not None
        and before["status"] == "passed"
        and reproduction.get("tries", 1) < ctx.reproduce_tries
    )


def _runner_notes(ctx: CodeContext, runner: str, path: str) -> str:
    if runner != "go":
        return ""
    package = test_layout.go_package(ctx.repo_root, posixpath.dirname(path) or ".")
    return f"It is in Go package `{package}` (its directory's package clause).\n" if package else ""


def _read_test(ctx: CodeContext, reply: str, path: str) -> Reproduction:
    """The test file from the model's reply: exactly one new file, at the path asked for."""
    try:
        change = compute_change(ctx.repo_root, reply, ctx.forbidden_paths)
    except ChangeError as exc:
        return {"skipped": f"the model's reproduction test could not be read: {exc.reason}"}
    made = sorted(change.new_contents)
    content = change.new_contents.get(path)
    if made != [path] or content is None:
        named = ", ".join(made) or "no file"
        return {
            "skipped": f"the model's reproduction test was not the one new file asked for "
            f"(`{path}`; it wrote {named})"
        }
    if len(content) > MAX_TEST_CHARS:
        return {
            "skipped": f"the model's reproduction test is longer than {MAX_TEST_CHARS} characters"
        }
    return {"path": path, "content": content}


def run_reproduction(state: CodeState, runtime: Runtime[CodeContext]) -> CodeState:
    ctx = runtime.context
    reproduction = state.get("reproduction", {})
    if "content" not in reproduction or "before" in reproduction:
        return {}
    ctx.progress.stage("reproducing", "Running the reproduction test on the code as it is.")
    runner = verify.runner_for(ctx)
    before = verify.run(
        ctx,
        runner,
        {reproduction["path"]: reproduction["content"]},
        shlex.split(reproduction["command"]),
        "the reproduction test before the change",
    )
    return {"reproduction": {**reproduction, "before": before}}


def edit_section(reproduction: Reproduction) -> str:
    """What the edit prompt says about the reproduction test (nothing when there is none)."""
    before = reproduction.get("before")
    if before is None or "content" not in reproduction or before["status"] == "not_run":
        return ""
    status = (
        "fails, as it should"
        if before["status"] == "failed"
        else (
            "passes (so it may not show the problem; make sure your change fixes the issue itself)"
        )
    )
    return prompts.render(
        PACKAGE,
        "edit_reproduction",
        path=reproduction["path"],
        test=fence(f"file {reproduction['path']}", reproduction["content"]),
        before_status=status,
        before_output=fence("test output", before["output"] or "(no output)", limit=4_000),
    )
