"""The three queues, the job each task kind runs, and enqueueing by task id only.

The web process imports this module and nothing heavier: job functions are named by dotted
path so LangGraph and the model client load only in workers.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import timedelta

from redis import Redis
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

QUEUE_NAMES = ("high", "default", "low")
LIVE_STATES = frozenset(
    {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED}
)


@dataclass(frozen=True)
class JobSpec:
    func: str
    timeout: int


JOBS: dict[str, JobSpec] = {
    "code": JobSpec("jobs.code_task.run", timeout=30 * 60),
}


def job_id(task_id: int) -> str:
    """One RQ job id per task: a redelivery or a second reconcile finds the same job."""
    return f"task-{task_id}"


def queue(redis: Redis, name: str) -> Queue:
    if name not in QUEUE_NAMES:
        raise ValueError(f"unknown queue {name!r}")
    return Queue(name, connection=redis)


def rq_status(redis: Redis, task_id: int) -> JobStatus | None:
    """The state of the task's RQ job, or None when RQ has none."""
    try:
        job = Job.fetch(job_id(task_id), connection=redis)
    except NoSuchJobError:
        return None
    return job.get_status(refresh=False)


def held_by_rq(redis: Redis, task_id: int) -> bool:
    """Whether RQ still holds a live job for the task (waiting, scheduled or running)."""
    return rq_status(redis, task_id) in LIVE_STATES


def drop_job(redis: Redis, task_id: int) -> None:
    """Forget the task's job (e.g. one its dead worker left `started`)."""
    with contextlib.suppress(NoSuchJobError):
        Job.fetch(job_id(task_id), connection=redis).delete(remove_from_queue=True)


def enqueue_task(
    redis: Redis, task_id: int, kind: str, queue_name: str, delay: timedelta | None = None
) -> None:
    """Put the task's job on its queue unless RQ already holds a live one.

    A finished or failed job under the same id is removed first, so a task that is queued
    again in PostgreSQL (retry, recovery) gets a fresh job.
    """
    state = rq_status(redis, task_id)
    if state in LIVE_STATES:
        return
    spec = JOBS[kind]
    jid = job_id(task_id)
    if state is not None:
        drop_job(redis, task_id)
    q = queue(redis, queue_name)
    options = {
        "job_id": jid,
        "job_timeout": spec.timeout,
        "result_ttl": 3600,
        "failure_ttl": 7 * 24 * 3600,
        "description": f"{kind} task {task_id}",
    }
    if delay is not None and delay.total_seconds() > 0:
        q.enqueue_in(delay, spec.func, task_id, **options)
    else:
        q.enqueue(spec.func, task_id, **options)
