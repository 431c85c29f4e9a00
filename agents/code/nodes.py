"""The code graph's steps: small functions that read the state and return an update."""

from __future__ import annotations

import re

from langgraph.runtime import Runtime

from agents import prompts
from agents.code import checks
from agents.code.change import ChangeError, compute_change
from agents.code.context import CodeContext
from agents.code.locate_context import file_context
from agents.code.review import query_text, review_section
from agents.code.state import CheckResult, CodeState
from agents.ports import Message, Usage
from agents.untrusted import fence

PACKAGE = "agents.code"
PROMPTS = ("system", "plan", "edit")
_TITLE = re.compile(r"^\s*Title:\s*(.+?)\s*$", re.MULTILINE)


def _system(ctx: CodeContext) -> Message:
    forbidden = ", ".join(ctx.forbidden_paths) or "(none configured)"
    text = prompts.render(PACKAGE, "system", repository=ctx.repository, forbidden_paths=forbidden)
    return Message("system", text)


def _used(state: CodeState) -> int:
    return state.get("prompt_tokens", 0) + state.get("completion_tokens", 0)


def _report_spend(ctx: CodeContext, state: CodeState, latest: Usage) -> None:
    so_far = Usage(state.get("prompt_tokens", 0), state.get("completion_tokens", 0))
    ctx.progress.spent(so_far + latest)


def gather_context(state: CodeState, runtime: Runtime[CodeContext]) -> CodeState:
    ctx = runtime.context
    ctx.progress.stage("locating", "Finding the files this issue is about.")
    query = f"{state.get('issue_title', '')}\n\n{state.get('issue_body', '')}"
    if state.get("review_notes"):
        query += "\n\n" + query_text(state.get("review_notes", []))
    files, context = file_context(ctx.repo_root, query, ctx.top_files, ctx.max_context_chars)
    return {"files": files, "context": context}


def plan(state: CodeState, runtime: Runtime[CodeContext]) -> CodeState:
    ctx = runtime.context
    ctx.progress.stage(
        "planning", f"Planning a change to {len(state.get('files', []))} candidate files."
    )
    issue = fence(
        "issue",
        f"#{state.get('issue_number')}: {state.get('issue_title', '')}\n\n"
        f"{state.get('issue_body', '')}",
    )
    text = prompts.render(
        PACKAGE,
        "plan",
        repository=ctx.repository,
        issue=issue,
        instructions=fence("instructions", state.get("instructions") or "-"),
        review=review_section(state.get("review_notes", [])),
        context=state.get("context", ""),
    )
    reply = ctx.model.complete(
        [_system(ctx), Message("user", text)], max_tokens=ctx.max_output_tokens
    )
    _report_spend(ctx, state, reply.usage)
    match = _TITLE.search(reply.text)
    title = match.group(1)[:72] if match else state.get("issue_title", "Update")[:72]
    body = _TITLE.sub("", reply.text).strip()
    return {
        "plan": body,
        "title": title,
        "prompt_tokens": reply.usage.prompt_tokens,
        "completion_tokens": reply.usage.completion_tokens,
    }


def edit(state: CodeState, runtime: Runtime[CodeContext]) -> CodeState:
    ctx = runtime.context
    attempt = state.get("attempt", 0) + 1
    ctx.progress.stage("editing", f"Writing the change (attempt {attempt} of {ctx.max_attempts}).")
    feedback = state.get("feedback", [])
    notes = ("\nYour previous attempt failed:\n" + feedback[-1]) if feedback else ""
    text = prompts.render(PACKAGE, "edit", plan=state.get("plan", ""), feedback=notes)
    messages = [_system(ctx), Message("user", state.get("context", "")), Message("user", text)]
    reply = ctx.model.complete(messages, max_tokens=ctx.max_output_tokens)
    _report_spend(ctx, state, reply.usage)
    return {
        "edits_text": reply.text,
        "attempt": attempt,
        "prompt_tokens": reply.usage.prompt_tokens,
        "completion_tokens": reply.usage.completion_tokens,
    }


def apply(state: CodeState, runtime: Runtime[CodeContext]) -> CodeState:
    ctx = runtime.context
    ctx.progress.stage("applying", "Applying the edits to a copy of the repository.")
    try:
        change = compute_change(ctx.repo_root, state.get("edits_text", ""), ctx.forbidden_paths)
    except ChangeError as exc:
        return {"outcome": "apply_failed", "reason": exc.reason, "feedback": [str(exc)]}
    if not change.new_contents:
        return {"outcome": "no_change", "reason": "the model proposed no change"}
    return {"outcome": "ready", "new_contents": change.new_contents, "diff": change.diff}


def check(state: CodeState, runtime: Runtime[CodeContext]) -> CodeState:
    ctx = runtime.context
    ctx.progress.stage(
        "validating",
        "Checking that the changed files parse"
        + (" and running the tests." if ctx.test_command else "."),
    )
    contents = state.get("new_contents", {})
    results: list[CheckResult] = [
        r
        for path, text in sorted(contents.items())
        if text is not None and (r := checks.parse_check(path, text)) is not None
    ]
    if ctx.test_command and all(r["ok"] for r in results):
        results.append(
            checks.run_tests(ctx.repo_root, contents, ctx.test_command, ctx.test_timeout_seconds)
        )
    failed = [r for r in results if not r["ok"]]
    if not failed:
        return {"checks": results, "outcome": "ready"}
    report = "\n".join(f"{r['name']}: {r['detail']}" for r in failed)
    return {
        "checks": results,
        "outcome": "checks_failed",
        "reason": f"the change did not pass its checks: {failed[0]['name']}",
        "feedback": [f"The change failed these checks:\n{report}"],
    }


def over_budget(state: CodeState, runtime: Runtime[CodeContext]) -> CodeState:
    ctx = runtime.context
    return {
        "outcome": "over_budget",
        "reason": f"the task used {_used(state):,} tokens of its {ctx.token_budget:,} budget",
    }


def finalize(state: CodeState, runtime: Runtime[CodeContext]) -> CodeState:
    ctx = runtime.context
    outcome = state.get("outcome", "no_change")
    if outcome in ("apply_failed", "checks_failed"):
        last = state.get("reason", "")
        reason = f"{last} (after {state.get('attempt', 0)} attempts)"
        return {"reason": reason}
    ctx.progress.stage("finishing", "Preparing the pull request.")
    return {}
