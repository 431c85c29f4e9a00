"""Assembly of the code graph: gather → plan (looking around with tools, one call per step)
→ write and run a reproduction test → edit → apply → check → finalize, with retries."""

from __future__ import annotations

from typing import Any, Literal

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime

from agents.code import explore, nodes, reproduce, validate
from agents.code.context import CodeContext
from agents.code.model_calls import used
from agents.code.state import CodeState

# LangGraph stops a run after this many steps; the graph's own limits (turns to look around,
# attempts, the token budget) end it well before: 50 turns + 2 + 2 * 2 tests + 3 * 10 attempts
# + 2 < 100
RECURSION_LIMIT = 100


def _within_budget(state: CodeState, ctx: CodeContext) -> bool:
    return used(state) < ctx.token_budget


def route_after_plan(
    state: CodeState, runtime: Runtime[CodeContext]
) -> Literal["plan", "write_reproduction", "over_budget"]:
    if not _within_budget(state, runtime.context):
        return "over_budget"
    return "write_reproduction" if "plan" in state else "plan"


def route_after_reproduction(
    state: CodeState, runtime: Runtime[CodeContext]
) -> Literal["write_reproduction", "edit", "over_budget"]:
    if not _within_budget(state, runtime.context):
        return "over_budget"
    return "write_reproduction" if reproduce.try_again(state, runtime.context) else "edit"


def route_after_apply(
    state: CodeState, runtime: Runtime[CodeContext]
) -> Literal["check", "edit", "finalize", "over_budget"]:
    outcome = state.get("outcome")
    if outcome == "ready":
        return "check"
    return _retry_or_stop(state, runtime.context) if outcome == "apply_failed" else "finalize"


def route_after_check(
    state: CodeState, runtime: Runtime[CodeContext]
) -> Literal["edit", "finalize", "over_budget"]:
    if state.get("outcome") == "checks_failed":
        return _retry_or_stop(state, runtime.context)
    return "finalize"


def _retry_or_stop(
    state: CodeState, ctx: CodeContext
) -> Literal["edit", "finalize", "over_budget"]:
    if state.get("attempt", 0) >= ctx.max_attempts:
        return "finalize"
    return "edit" if _within_budget(state, ctx) else "over_budget"


def build(
    checkpointer: BaseCheckpointSaver[Any] | None = None,
) -> CompiledStateGraph[CodeState, CodeContext, CodeState, CodeState]:
    graph = StateGraph(CodeState, context_schema=CodeContext)
    graph.add_node("gather_context", nodes.gather_context)
    graph.add_node("plan", explore.plan)
    graph.add_node("write_reproduction", reproduce.write_reproduction)
    graph.add_node("run_reproduction", reproduce.run_reproduction)
    graph.add_node("edit", nodes.edit)
    graph.add_node("apply", nodes.apply)
    graph.add_node("check", validate.check)
    graph.add_node("over_budget", nodes.over_budget)
    graph.add_node("finalize", nodes.finalize)
    graph.add_edge(START, "gather_context")
    graph.add_edge("gather_context", "plan")
    graph.add_conditional_edges("plan", route_after_plan)
    graph.add_edge("write_reproduction", "run_reproduction")
    graph.add_conditional_edges("run_reproduction", route_after_reproduction)
    graph.add_edge("edit", "apply")
    graph.add_conditional_edges("apply", route_after_apply)
    graph.add_conditional_edges("check", route_after_check)
    graph.add_edge("over_budget", END)
    graph.add_edge("finalize", END)
    return graph.compile(checkpointer=checkpointer, name="code").with_config(
        recursion_limit=RECURSION_LIMIT
    )
