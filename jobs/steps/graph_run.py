"""Running a task's graph under its tenant's checkpointer, paying no model call twice."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.postgres import PostgresSaver
from langgraph.pregel import Pregel

from agents import prompts
from jobs.runtime.checkpoints import saver_for, thread_id
from jobs.runtime.runner import TaskRun
from jobs.steps.results import remember

Graph = Pregel[Any, Any, Any, Any]


def run_graph(
    run: TaskRun,
    build: Callable[[PostgresSaver], Graph],
    request: dict[str, Any],
    context: Any,
    prompt_files: tuple[str, tuple[str, ...]],
) -> dict[str, Any]:
    """Record the model and prompts (package, names) on the task, then run the graph."""
    settings = run.ctx.settings
    remember(run, model=settings.morningai_model, prompt_hash=prompts.prompt_hash(*prompt_files))
    with saver_for(settings.require_database_url(), run.task.tenant_id) as saver:
        return invoke_once(run, build(saver), request, context)


def invoke_once(
    run: TaskRun, graph: Graph, request: dict[str, Any], context: Any
) -> dict[str, Any]:
    """Run the task's graph on its checkpointed thread, paying no model call twice.

    A rerun after a crash resumes from the last completed step; a rerun after the graph had
    finished (and publishing then failed, e.g. GitHub answered 502) takes the saved result.
    """
    thread: RunnableConfig = {
        "configurable": {"thread_id": thread_id(run.task.tenant_id, run.task.id)}
    }
    saved = graph.get_state(thread)
    if saved.values and not saved.next:
        run.event("resumed", "the graph finished in an earlier run; publishing its result")
        return dict(saved.values)
    resume = bool(saved.next)
    if resume:
        run.event("resumed", "resuming the graph from its last checkpoint")
    # "sync": each step's checkpoint is committed before the next step starts, so a model call
    # that has returned is on disk before the next one is asked (LangGraph's default, "async",
    # writes it while the next step already runs)
    result = graph.invoke(None if resume else request, thread, context=context, durability="sync")
    return dict(result)
