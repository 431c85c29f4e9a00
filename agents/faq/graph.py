"""Assembly of the FAQ graph: gather → draft → verify → finalize, or draft again, or fail."""

from __future__ import annotations

from typing import Any, Literal

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime

from agents.faq import nodes
from agents.faq.context import FaqContext
from agents.faq.state import FaqState


def route_after_gather(state: FaqState) -> Literal["draft", "__end__"]:
    return "__end__" if state.get("outcome") == "failed" else "draft"  # END's value


def route_after_verify(
    state: FaqState, runtime: Runtime[FaqContext]
) -> Literal["finalize", "draft", "fail"]:
    if not state.get("problems"):
        return "finalize"
    return "draft" if state.get("attempt", 0) < runtime.context.max_attempts else "fail"


def build(
    checkpointer: BaseCheckpointSaver[Any] | None = None,
) -> CompiledStateGraph[FaqState, FaqContext, FaqState, FaqState]:
    graph = StateGraph(FaqState, context_schema=FaqContext)
    graph.add_node("gather", nodes.gather)
    graph.add_node("draft", nodes.draft)
    graph.add_node("verify", nodes.verify)
    graph.add_node("finalize", nodes.finalize)
    graph.add_node("fail", nodes.fail)
    graph.add_edge(START, "gather")
    graph.add_conditional_edges("gather", route_after_gather)
    graph.add_edge("draft", "verify")
    graph.add_conditional_edges("verify", route_after_verify)
    graph.add_edge("finalize", END)
    graph.add_edge("fail", END)
    return graph.compile(checkpointer=checkpointer, name="faq")
