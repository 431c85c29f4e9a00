"""The code graph's steps: small functions that read the state and return an update."""

from __future__ import annotations

from langgraph.runtime import Runtime

from agents import prompts
from agents.code import reproduce
from agents.code.change import ChangeError, compute_change
from agents.code.context import CodeContext
from agents.code.locate_context import fenced_files, file_context
from agents.code.model_calls import PACKAGE, report_spend, spend, system_message, used
from agents.code.review import query_text
from agents.code.state import CodeState
from agents.ports import Message


def gather_context(state: CodeState, runtime: Runtime[CodeContext]) -> CodeState:
    ctx = runtime.context
    ctx.progress.stage("locating", "Finding the files this issue is about.")
    query = f"{state.get('issue_title', '')}\n\n{state.get('issue_body', '')}"
    if state.get("review_notes"):
        query += "\n\n" + query_text(state.get("review_notes", []))
    files, context = file_context(ctx.repo_root, query, ctx.top_files, ctx.max_context_chars)
    return {"files": files, "context": context}


def edit(state: CodeState, runtime: Runtime[CodeContext]) -> CodeState:
    ctx = runtime.context
    attempt = state.get("attempt", 0) + 1
    ctx.progress.stage("editing", f"Writing the change (attempt {attempt} of {ctx.max_attempts}).")
    feedback = state.get("feedback", [])
    notes = ("\nYour previous attempt failed:\n" + feedback[-1]) if feedback else ""
    text = prompts.render(
        PACKAGE,
        "edit",
        plan=state.get("plan", ""),
        reproduction=reproduce.edit_section(state.get("reproduction", {})),
        feedback=notes,
    )
    context = state.get("context", "") + opened_context(ctx, state)
    messages = [system_message(ctx), Message("user", context), Message("user", text)]
    reply = ctx.model.complete(messages, max_tokens=ctx.max_output_tokens)
    report_spend(ctx, state, reply.usage)
    return {"edits_text": reply.text, "attempt": attempt, **spend(reply.usage)}


def opened_context(ctx: CodeContext, state: CodeState) -> str:
    """The files the model opened while looking around (and not already in the context), whole
    as far as `max_opened_chars` allows: the edit needs their exact lines to change them."""
    shown = set(state.get("files", []))
    paths = [
        p
        for p in dict.fromkeys(state.get("opened", []))
        if p not in shown and (ctx.repo_root / p).is_file()
    ]
    parts = fenced_files(ctx.repo_root, paths, ctx.max_opened_chars)
    if not parts:
        return ""
    return "\n\nFiles you opened while looking around:\n\n" + "\n\n".join(parts)


def apply(state: CodeState, runtime: Runtime[CodeContext]) -> CodeState:
    ctx = runtime.context
    ctx.progress.stage("applying", "Applying the edits to a copy of the repository.")
    try:
        change = compute_change(ctx.repo_root, state.get("edits_text", ""), _forbidden(ctx, state))
    except ChangeError as exc:
        return {"outcome": "apply_failed", "reason": exc.reason, "feedback": [str(exc)]}
    if not change.new_contents:
        return {"outcome": "no_change", "reason": "the model proposed no change"}
    return {"outcome": "ready", "new_contents": change.new_contents, "diff": change.diff}


def _forbidden(ctx: CodeContext, state: CodeState) -> tuple[str, ...]:
    """The repository's forbidden paths, and the reproduction test: the yardstick of the fix
    is not the fix's to change."""
    path = state.get("reproduction", {}).get("path")
    return (*ctx.forbidden_paths, f"/{path}") if path else ctx.forbidden_paths


def over_budget(state: CodeState, runtime: Runtime[CodeContext]) -> CodeState:
    ctx = runtime.context
    return {
        "outcome": "over_budget",
        "reason": f"the task used {used(state):,} tokens of its {ctx.token_budget:,} budget",
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
