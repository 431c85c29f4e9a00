"""Assembly of the code graph: gather → plan → edit → apply → check → finalize, with retries."""

from __future__ import annotations

from typing import Any, Literal

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime

from agents.code import nodes
from agents.code.context import CodeContext
from agents.code.state import CodeState


def _within_budget(state: CodeState, ctx: CodeContext) -> bool:
    return nodes._used(state) < ctx.token_budget


def route_after_plan(
    state: CodeState, runtime: Runtime[CodeContext]
) -> Literal["edit", "over_budget"]:
    return "edit" if _within_budget(state, runtime.context) else "over_budget"


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
    graph.add_node("plan", nodes.plan)
    graph.add_node("edit", nodes.edit)
    graph.add_node("apply", nodes.apply)
    graph.add_node("check", nodes.check)
    graph.add_node("over_budget", nodes.over_budget)
    graph.add_node("finalize", nodes.finalize)
    graph.add_edge(START, "gather_context")
    graph.add_edge("gather_context", "plan")
    graph.add_conditional_edges("plan", route_after_plan)
    graph.add_edge("edit", "apply")
    graph.add_conditional_edges("apply", route_after_apply)
    graph.add_conditional_edges("check", route_after_check)
    graph.add_edge("over_budget", END)
    graph.add_edge("finalize", END)
    return graph.compile(checkpointer=checkpointer, name="code")
