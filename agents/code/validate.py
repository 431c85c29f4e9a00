"""The check step: the changed files parse, the reproduction test now passes, and the
repository's tests do not regress — each test run in the sandbox (agents.code.verify)."""

from __future__ import annotations

import shlex

from langgraph.runtime import Runtime

from agents.code import checks, verify
from agents.code.context import CodeContext
from agents.code.state import CheckResult, CodeState, Reproduction, RunReport, SuiteResult
from agents.code.test_runners import TestRunner
from agents.untrusted import fence

# lines of a failing run's output kept in its check's detail (the model's feedback)
DETAIL_LINES = 15


def check(state: CodeState, runtime: Runtime[CodeContext]) -> CodeState:
    ctx = runtime.context
    contents = state.get("new_contents", {})
    reproduction = state.get("reproduction", {})
    runner = verify.runner_for(ctx)
    suite_argv, suite_what = verify.suite_command(ctx, runner, sorted(contents))
    testing = suite_argv is not None or _runnable(reproduction)
    ctx.progress.stage(
        "validating",
        "Checking that the changed files parse" + (" and running the tests." if testing else "."),
    )
    results: list[CheckResult] = [
        r
        for path, text in sorted(contents.items())
        if text is not None and (r := checks.parse_check(path, text)) is not None
    ]
    if not all(r["ok"] for r in results):
        return _failed(results, {})
    last_attempt = state.get("attempt", 0) >= ctx.max_attempts
    update: CodeState = {}
    if _runnable(reproduction):
        reproduction = _reproduce_after(ctx, runner, reproduction, contents)
        update["reproduction"] = reproduction
        after = reproduction["after"]
        if after["status"] == "failed" and not last_attempt:
            # another attempt may fix it; after the last one the pull request opens as a draft
            feedback = (
                f"The reproduction test `{reproduction['path']}` still fails after your "
                "change:\n" + fence("test output", after["output"] or after["reason"], limit=4_000)
            )
            return {
                **update,
                "checks": results,
                "outcome": "checks_failed",
                "reason": "the reproduction test still fails after the change",
                "feedback": [feedback],
            }
    if suite_argv is None:
        update["suite"] = {"skipped": suite_what}
        return {**update, "checks": results, "outcome": "ready"}
    kept = kept_test(ctx, reproduction)
    suite = _suite(ctx, runner, suite_argv, suite_what, {**contents, **kept}, state.get("suite"))
    update["suite"] = suite
    results.append(_suite_check(suite_argv, suite))
    if not results[-1]["ok"]:
        return _failed(results, update)
    return {**update, "checks": results, "outcome": "ready"}


def _runnable(reproduction: Reproduction) -> bool:
    before = reproduction.get("before")
    return before is not None and before["status"] != "not_run"


def _reproduce_after(
    ctx: CodeContext,
    runner: TestRunner | None,
    reproduction: Reproduction,
    contents: dict[str, str | None],
) -> Reproduction:
    after = verify.run(
        ctx,
        runner,
        {**contents, reproduction["path"]: reproduction["content"]},
        shlex.split(reproduction["command"]),
        "the reproduction test after the change",
    )
    return {**reproduction, "after": after}


def kept_test(ctx: CodeContext, reproduction: Reproduction) -> dict[str, str | None]:
    """The reproduction test, when it goes into the change: kept by config, and it proved the
    fix (failed before, passes after)."""
    if ctx.keep_reproduction and proved(reproduction):
        return {reproduction["path"]: reproduction["content"]}
    return {}


def proved(reproduction: Reproduction) -> bool:
    """Whether the reproduction test failed on the base and passes with the change."""
    before, after = reproduction.get("before"), reproduction.get("after")
    return (
        before is not None
        and after is not None
        and before["status"] == "failed"
        and after["status"] == "passed"
    )


def _suite(  # noqa: PLR0917 - one call site, each argument named for what it is
    ctx: CodeContext,
    runner: TestRunner | None,
    argv: tuple[str, ...],
    what: str,
    contents: dict[str, str | None],
    earlier: SuiteResult | None,
) -> SuiteResult:
    after = verify.run(ctx, runner, contents, argv, f"{what} after the change")
    if after["status"] != "failed":
        return {"after": after}
    # failing after the change: did it fail before it too? The base does not change between
    # attempts, so an earlier attempt's run of the same command answers that
    base = earlier.get("base") if earlier else None
    if base is None or base["command"] != after["command"]:
        base = verify.run(ctx, runner, {}, argv, f"{what} on the base")
    return {"after": after, "base": base}


def regressed(suite: SuiteResult) -> bool:
    """Failing after the change, and not already failing on the base."""
    after, base = suite.get("after"), suite.get("base")
    if after is None or after["status"] != "failed":
        return False
    return base is None or base["status"] != "failed"


def _suite_check(argv: tuple[str, ...], suite: SuiteResult) -> CheckResult:
    after: RunReport = suite["after"]
    lines = after["output"].strip().splitlines()[-DETAIL_LINES:]
    detail = after["reason"] + ("\n" + "\n".join(lines) if lines else "")
    base = suite.get("base")
    if base is not None and base["status"] == "failed":
        detail = f"fails on the base too, so not a regression ({after['reason']})"
    return CheckResult(
        name=f"`{shlex.join(argv)}`",
        ok=not regressed(suite),
        ran=after["status"] != "not_run",
        detail=detail,
    )


def _failed(results: list[CheckResult], update: CodeState) -> CodeState:
    failed = [r for r in results if not r["ok"]]
    report = "\n".join(f"{r['name']}: {r['detail']}" for r in failed)
    return {
        **update,
        "checks": results,
        "outcome": "checks_failed",
        "reason": f"the change did not pass its checks: {failed[0]['name']}",
        "feedback": [f"The change failed these checks:\n{report}"],
    }
