"""The three queues and enqueueing a task's job by task id only.

The web process imports this module and nothing heavier: the job each kind runs is named by
dotted path in `core.task_kinds`, so LangGraph and the model client load only in workers.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta

from redis import Redis
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from core.task_kinds import QUEUE_NAMES, kind_of

__all__ = ["QUEUE_NAMES", "depths", "enqueue_task", "held_by_rq", "job_id", "queue", "rq_status"]

LIVE_STATES = frozenset(
    {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED}
)


def job_id(task_id: int, attempts: int) -> str:
    """The RQ job id of a task's next run, after `attempts` runs claimed it.

    Derived from the row, so a redelivery or a second reconcile pass finds the same job and
    does not enqueue another; a retry or a recovery gets a new id while the old job (running,
    or left `started` by a dead worker) keeps its own.
    """
    return f"task-{task_id}-{attempts + 1}"


def queue(redis: Redis, name: str) -> Queue:
    if name not in QUEUE_NAMES:
        raise ValueError(f"unknown queue {name!r}")
    return Queue(name, connection=redis)


def rq_status(redis: Redis, task_id: int, attempts: int) -> JobStatus | None:
    """The state of the task's next RQ job, or None when RQ has none."""
    try:
        job = Job.fetch(job_id(task_id, attempts), connection=redis)
    except NoSuchJobError:
        return None
    return job.get_status(refresh=False)


def held_by_rq(redis: Redis, task_id: int, attempts: int) -> bool:
    """Whether RQ holds the task's next job live (waiting, scheduled or running)."""
    return rq_status(redis, task_id, attempts) in LIVE_STATES


def enqueue_task(
    redis: Redis,
    task_id: int,
    attempts: int,
    kind: str,
    queue_name: str,
    *,
    delay: timedelta | None = None,
    fresh: bool = False,
) -> bool:
    """Put the task's next job on its queue unless RQ already holds it live.

    Returns whether a job was enqueued. A dead job under the same id (its run ended without
    claiming, e.g. Redis lost its result) is replaced. `fresh`: the task was created just now
    and cannot have a job yet (the reconciler waits 5 s before it looks), so RQ is not asked.
    """
    state = None if fresh else rq_status(redis, task_id, attempts)
    if state in LIVE_STATES:
        return False
    spec = kind_of(kind)
    jid = job_id(task_id, attempts)
    if state is not None:
        with contextlib.suppress(NoSuchJobError):
            Job.fetch(jid, connection=redis).delete(remove_from_queue=True)
    q = queue(redis, queue_name)
    options = {
        "job_id": jid,
        "job_timeout": spec.timeout_seconds,
        "result_ttl": 3600,
        "failure_ttl": 7 * 24 * 3600,
        "description": f"{kind} task {task_id}",
    }
    if delay is not None and delay.total_seconds() > 0:
        q.enqueue_in(delay, spec.job, task_id, **options)
        return True
    # one MULTI/EXEC, one round trip: without a pipeline RQ sends two (the queue's name into
    # the set of queues, then the job and its place on the queue)
    with redis.pipeline() as pipe:
        q.enqueue(spec.job, task_id, pipeline=pipe, **options)
        pipe.execute()
    return True


def depths(redis: Redis) -> dict[str, dict[str, int]]:
    """Jobs per queue: waiting (`queued`), and in its scheduled, started and failed registries.

    Read-only: RQ's `registry.count` would first clean up expired entries.
    """
    out: dict[str, dict[str, int]] = {}
    for name in QUEUE_NAMES:
        q = queue(redis, name)
        out[name] = {
            "queued": q.count,
            "scheduled": q.scheduled_job_registry.get_job_count(cleanup=False),
            "started": q.started_job_registry.get_job_count(cleanup=False),
            "failed": q.failed_job_registry.get_job_count(cleanup=False),
        }
    return out
