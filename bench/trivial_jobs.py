"""Trivial RQ jobs for bench/jobs: what is left of a job when its work is nothing.

Enqueued by dotted path like the app's own jobs (core.task_kinds.KINDS). This module imports
nothing at the top, so `noop` costs only what RQ costs; `lifecycle` imports `jobs.runtime.runner`
when it runs, as the app's job modules are imported in a forked work-horse unless the worker
preloaded them.
"""

from __future__ import annotations


def noop(task_id: int) -> None:
    """RQ's own cost only: dequeue, (fork,) call, record the result."""


def lifecycle(task_id: int) -> None:
    """The app's cost around any task: its job context, claim, `started` event, heartbeat
    thread, finish and its event told to the sinks; the work itself does nothing."""
    from jobs.runtime.runner import run_task

    run_task(task_id, lambda _run: "nothing to do")


def unreported(task_id: int) -> None:
    """`lifecycle` with no sinks registered: the baseline that shows what the sinks (the status
    comment's, which ignores this kind, and the live events' PUBLISH) add to every task."""
    from jobs.runtime import sinks
    from jobs.runtime.runner import run_task

    sinks.SINKS = ()
    run_task(task_id, lambda _run: "nothing to do")
