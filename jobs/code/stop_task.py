"""Job entry point for `stop` tasks: `/morningai stop` cancels the work running on an issue
or pull request, and leaves its status comment saying so."""

from __future__ import annotations

import contextlib

from rq.command import send_stop_job_command
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job

from core.subject import TaskSubject
from core.task_kinds import STOPPABLE
from db import task_events, tasks
from db.tasks import Task
from db.tenancy import tenant_transaction
from github_app.client import RepoClient
from jobs.runtime.queues import job_id
from jobs.runtime.runner import TaskRun, run_task
from jobs.runtime.sinks import TaskEvent, TaskRef
from jobs.steps.request import Request, require_writer, with_repo


def run(task_id: int) -> None:
    """RQ entry point: the argument is the task id, nothing else."""
    run_task(task_id, lambda run: with_repo(run, _act))


def _act(run: TaskRun, req: Request, client: RepoClient) -> str:
    require_writer(client, req, run.ctx.redis)
    reason = f"stopped by @{req.requester}"
    with tenant_transaction(run.ctx.db, run.task.tenant_id) as scope:
        live = tasks.live_for_subject(scope, run.task.repository_id, req.number, STOPPABLE)
        for task in live:
            if tasks.finish(scope, task.id, "cancelled", reason):
                # its own timeline ends here too (the dashboard, a resumed stream)
                task_events.add(scope, task.id, "stopped", f"Stopped by @{req.requester}.")
    if not live:
        client.create_comment(req.number, f"@{req.requester} nothing is running here.")
        return "nothing to stop"
    for task in live:
        _stop_job(run, task)
        # the stopped task's sinks: its status comment says so, live views hear it
        ref = TaskRef(
            task.id,
            task.tenant_id,
            task.trace_id,
            task.kind,
            TaskSubject.decode(task.subject),
            task.model,
        )
        run.sinks.emit(TaskEvent(ref, "stopped", f"Stopped by @{req.requester}."))
    return f"stopped task(s) {', '.join(str(t.id) for t in live)}"


def _stop_job(run: TaskRun, task: Task) -> None:
    """Kill the running work-horse, or take the waiting job off its queue."""
    redis = run.ctx.redis
    if task.status == "running":
        with contextlib.suppress(InvalidJobOperation, NoSuchJobError):
            send_stop_job_command(redis, job_id(task.id, task.attempts - 1))
        return
    with contextlib.suppress(NoSuchJobError, InvalidJobOperation):
        Job.fetch(job_id(task.id, task.attempts), connection=redis).cancel()
