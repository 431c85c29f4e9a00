"""Planning, after a look around: the plan step, repeated while the model calls tools.

Each repetition is one model call and one graph step, so a checkpoint holds every finished
call (a crash mid-exploration resumes without paying for them again). The model may call the
tools of `agents.code.explore_tools` until it answers with a plan, or until its turns
(`explore_steps`) or its share of the token budget (`explore_budget_percent`) run out; then
one last call without tools asks for the plan.
"""

from __future__ import annotations

import json
import re
from typing import Any

from langgraph.runtime import Runtime

from agents import prompts
from agents.code.context import CodeContext
from agents.code.explore_tools import TOOLS, run_tool
from agents.code.model_calls import issue_text, report_spend, spend, system_message
from agents.code.review import review_section
from agents.code.state import CodeState
from agents.ports import Message, ToolCall
from agents.untrusted import fence

PACKAGE = "agents.code"
# a model asking for many calls in one turn still gets a bounded answer: at most this many
# calls, and results of at most TURN_RESULTS times one result's cap in all
MAX_CALLS_PER_TURN = 8
TURN_RESULTS = 3
MIN_RESULT_CHARS = 500
_TITLE = re.compile(r"^\s*Title:\s*(.+?)\s*$", re.MULTILINE)


def allowance(ctx: CodeContext) -> int:
    """The tokens exploration may spend: its share of the task's budget."""
    return ctx.token_budget * ctx.explore_budget_percent // 100


def may_explore(state: CodeState, ctx: CodeContext) -> bool:
    """Whether the next plan call may offer tools: turns and its token share both left."""
    return state.get("explore_steps", 0) < ctx.explore_steps and state.get(
        "explore_tokens", 0
    ) < allowance(ctx)


def plan_prompt(state: CodeState, ctx: CodeContext) -> str:
    """The planning request: the issue, the asker's words, the ranked files (pure)."""
    issue = issue_text(state)
    explore = (
        prompts.render(PACKAGE, "explore", steps=str(ctx.explore_steps))
        if ctx.explore_steps > 0
        else ""
    )
    return prompts.render(
        PACKAGE,
        "plan",
        repository=ctx.repository,
        issue=issue,
        instructions=fence("instructions", state.get("instructions") or "-"),
        review=review_section(state.get("review_notes", [])),
        context=state.get("context", ""),
        explore=explore,
    )


def transcript(turns: list[dict[str, Any]]) -> list[Message]:
    """The stored tool turns (JSON in the checkpoint) as messages again."""
    messages = []
    for turn in turns:
        calls = tuple(ToolCall(c["id"], c["name"], c["arguments"]) for c in turn.get("calls", []))
        messages.append(Message(turn["role"], turn["content"], calls, turn.get("tool_call_id")))
    return messages


def tool_turns(ctx: CodeContext, text: str, calls: tuple[ToolCall, ...], step: int) -> CodeState:
    """Run the calls of one turn; the assistant turn and one answer per call, to store."""
    turns: list[dict[str, Any]] = [
        {
            "role": "assistant",
            "content": text,
            "calls": [{"id": c.id, "name": c.name, "arguments": c.arguments} for c in calls],
        }
    ]
    opened: list[str] = []
    room = TURN_RESULTS * ctx.max_tool_chars
    for n, call in enumerate(calls):
        cap = min(ctx.max_tool_chars, room)
        if n >= MAX_CALLS_PER_TURN or cap < MIN_RESULT_CHARS:
            answer = (
                f"Not run: at most {MAX_CALLS_PER_TURN} tool calls are answered per turn."
                if n >= MAX_CALLS_PER_TURN
                else "Not run: this turn's results are as long as one turn's may be; "
                "ask again in your next turn."
            )
            turns.append({"role": "tool", "content": answer, "tool_call_id": call.id})
            continue
        outcome = run_tool(ctx.repo_root, call, forbidden=ctx.forbidden_paths, max_chars=cap)
        room -= len(outcome.text)
        ctx.progress.note(
            "tool",
            describe_call(call) + (f" — refused: {outcome.refused}" if outcome.refused else ""),
            tool=call.name,
            arguments=call.arguments[:500],
            refused=outcome.refused,
            chars=len(outcome.text),
            step=step,
        )
        opened += [p for p in outcome.opened if p not in opened]
        content = fence(f"tool {call.name}", outcome.text, limit=ctx.max_tool_chars + 200)
        turns.append({"role": "tool", "content": content, "tool_call_id": call.id})
    return {"exploration": turns, "opened": opened}


def describe_call(call: ToolCall) -> str:
    """One line for the task's timeline: the tool and its main argument."""
    try:
        args = json.loads(call.arguments)
    except ValueError:
        args = None
    if not isinstance(args, dict):
        return f"{call.name} (arguments not readable)"
    main = next(
        (str(args[k]) for k in ("path", "pattern", "name") if isinstance(args.get(k), str)), ""
    )
    lines = ""
    if "start_line" in args or "end_line" in args:
        lines = f" lines {args.get('start_line', 1)}-{args.get('end_line', '…')}"
    return f"{call.name} {main[:120]}{lines}".rstrip()


def split_plan(text: str, fallback_title: str) -> tuple[str, str]:
    """(plan, pull request title) from the model's answer."""
    match = _TITLE.search(text)
    title = match.group(1)[:72] if match else fallback_title[:72]
    return _TITLE.sub("", text).strip(), title


def plan(state: CodeState, runtime: Runtime[CodeContext]) -> CodeState:
    ctx = runtime.context
    step = state.get("explore_steps", 0)
    tools = may_explore(state, ctx)
    if step == 0:
        files = len(state.get("files", []))
        around = ", looking around the repository as needed" if tools else ""
        ctx.progress.stage("planning", f"Planning a change to {files} candidate files{around}.")
    else:
        ctx.progress.stage("planning", f"Looking around the repository (turn {step + 1}).")
    messages = [
        system_message(ctx),
        Message("user", plan_prompt(state, ctx)),
        *transcript(state.get("exploration", [])),
    ]
    if not tools and step > 0:
        messages.append(Message("user", prompts.render(PACKAGE, "plan_now")))
    reply = ctx.model.complete(
        messages, max_tokens=ctx.max_output_tokens, tools=TOOLS if tools else ()
    )
    report_spend(ctx, state, reply.usage)
    update = spend(reply.usage)
    if tools:
        update["explore_steps"] = step + 1
        update["explore_tokens"] = reply.usage.total
    if tools and reply.tool_calls:
        return {**update, **tool_turns(ctx, reply.text, reply.tool_calls, step + 1)}
    body, title = split_plan(reply.text, state.get("issue_title", "Update"))
    return {**update, "plan": body, "title": title}
