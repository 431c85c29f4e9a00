"""The FAQ graph's steps: small functions that read the state and return an update."""

from __future__ import annotations

from typing import Literal

from langgraph.runtime import Runtime

from agents import prompts
from agents.faq import material, slug
from agents.faq.context import FaqContext, ThreadRef
from agents.faq.document import DraftError, from_json, parse_reply, to_json
from agents.faq.render import Footer, render_markdown, summary
from agents.faq.state import FaqState
from agents.faq.verify import check
from agents.ports import Message, Usage
from agents.untrusted import clean

PACKAGE = "agents.faq"
PROMPTS = ("system", "pr", "ask", "history", "draft", "fix")
HISTORY_TASK = "FAQ from the repository's history"


def request_problem(state: FaqState) -> str | None:
    """Why the request cannot be served, or None."""
    mode = state.get("mode")
    if mode not in ("pr", "ask", "history"):
        return f"unknown FAQ mode {mode!r}"
    if mode == "ask" and not state.get("question", "").strip():
        return "the question is empty"
    if mode == "pr" and not state.get("pr_number"):
        return "no pull request number"
    if mode == "history" and not state.get("threads"):
        return "no closed issues or merged pull requests to learn from"
    return None


def task_label(state: FaqState) -> str:
    if label := state.get("task_label"):
        return label
    if state.get("mode") == "pr":
        return f"FAQ for PR #{state.get('pr_number')}"
    if state.get("mode") == "history":
        return HISTORY_TASK
    return " ".join(clean(state.get("question", ""), limit=300).split())


def threads(state: FaqState, repository: str) -> dict[int, ThreadRef]:
    """The issues and pull requests a source may cite, by number, with their URLs."""
    known: dict[int, ThreadRef] = {}
    for thread in state.get("threads", []):
        kind: Literal["issue", "pull"] = "pull" if thread.get("kind") == "pull" else "issue"
        number = int(thread.get("number", 0))
        known[number] = ThreadRef(kind, number, str(thread.get("url", "")))
    pr_number = state.get("pr_number")
    if state.get("mode") == "pr" and pr_number:
        url = state.get("pr_url") or f"https://github.com/{repository}/pull/{pr_number}"
        known[pr_number] = ThreadRef("pull", pr_number, url)
    return known


def gather(state: FaqState, runtime: Runtime[FaqContext]) -> FaqState:
    ctx = runtime.context
    if problem := request_problem(state):
        return {"outcome": "failed", "reason": problem}
    ctx.progress.stage("gathering", "Reading the code, the docs and the FAQ memory.")
    found = material.gather(state, ctx.retriever, ctx.files, _material_budget(state, ctx))
    return {"context": found.text, "known_questions": list(found.known_questions)}


def draft(state: FaqState, runtime: Runtime[FaqContext]) -> FaqState:
    ctx = runtime.context
    attempt = state.get("attempt", 0) + 1
    ctx.progress.stage(
        "drafting", f"Writing the document (attempt {attempt} of {ctx.max_attempts})."
    )
    messages = [_system(ctx), Message("user", _draft_prompt(state, ctx, state.get("context", "")))]
    if state.get("problems") and state.get("draft_text"):
        messages += _fix_turn(state, _reply_room(ctx))
    reply = ctx.model.complete(messages, max_tokens=ctx.max_output_tokens)
    so_far = Usage(state.get("prompt_tokens", 0), state.get("completion_tokens", 0))
    ctx.progress.spent(so_far + reply.usage)
    return {
        "draft_text": reply.text,
        "attempt": attempt,
        "model": reply.model,
        "prompt_tokens": reply.usage.prompt_tokens,
        "completion_tokens": reply.usage.completion_tokens,
    }


def verify(state: FaqState, runtime: Runtime[FaqContext]) -> FaqState:
    ctx = runtime.context
    ctx.progress.stage("verifying", "Checking every cited file, line range and link.")
    try:
        doc = parse_reply(state.get("draft_text", ""))
    except DraftError as exc:
        return {"problems": [f"Your reply could not be read: {exc}."], "missing": []}
    mentionable = frozenset(state.get("changed_paths", []))
    checked = check(doc, ctx.files, threads(state, ctx.repository), mentionable)
    return {
        "problems": list(checked.problems),
        "missing": list(checked.missing),
        "document": to_json(checked.document),
    }


def finalize(state: FaqState, runtime: Runtime[FaqContext]) -> FaqState:
    ctx = runtime.context
    ctx.progress.stage("finishing", "Rendering the document.")
    doc = from_json(state.get("document", {}))
    footer = Footer(
        task_label(state), state.get("trace_id", ""), state.get("model", ""), ctx.repository
    )
    known = {q.casefold(): q for q in state.get("known_questions", [])}
    return {
        "outcome": "ready",
        "reason": "",
        "markdown": render_markdown(doc, footer),
        "entries": to_json(doc)["entries"],
        "outdated": [known[q.casefold()] for q in doc.outdated if q.casefold() in known],
        "title": doc.title,
        "summary": summary(doc),
        "slug": _slug(state),
    }


def fail(state: FaqState, runtime: Runtime[FaqContext]) -> FaqState:
    attempts = f"after {state.get('attempt', 0)} attempts"
    if missing := state.get("missing"):
        reason = f"the draft cited files that do not exist: {', '.join(missing)} ({attempts})"
    else:
        problems = state.get("problems", [])
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        first = problems[0] if problems else "no draft"
        reason = f"the draft did not pass its checks {attempts}: {first}{more}"
    return {"outcome": "failed", "reason": reason}


def _slug(state: FaqState) -> str:
    if state.get("mode") == "pr":
        return slug.for_pull_request(state.get("pr_number", 0), state.get("pr_title", ""))
    if state.get("mode") == "history":
        return slug.for_history()
    return slug.for_question(state.get("question", ""))


def _system(ctx: FaqContext) -> Message:
    return Message("system", prompts.render(PACKAGE, "system", repository=ctx.repository))


def _draft_prompt(state: FaqState, ctx: FaqContext, material_text: str) -> str:
    mode = state.get("mode", "ask")
    task = prompts.render(
        PACKAGE, mode, repository=ctx.repository, number=str(state.get("pr_number", ""))
    )
    return prompts.render(PACKAGE, "draft", task=task, material=material_text)


def _reply_room(ctx: FaqContext) -> int:
    """Characters kept free for a retry's previous draft and problem list."""
    return ctx.max_context_chars // 5


def _material_budget(state: FaqState, ctx: FaqContext) -> int:
    fixed = len(_system(ctx).content) + len(_draft_prompt(state, ctx, ""))
    return max(0, ctx.max_context_chars - fixed - _reply_room(ctx))


def _fix_turn(state: FaqState, room: int) -> list[Message]:
    """The previous draft, then the problems found in it; both cut to fit in `room`."""
    problems = "\n".join(f"- {p}" for p in state.get("problems", []))[: room // 2]
    fix = prompts.render(PACKAGE, "fix", problems=problems)
    previous = state.get("draft_text", "")[: max(0, room - len(fix))]
    return [Message("assistant", previous), Message("user", fix)]
