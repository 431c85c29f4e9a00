"""Make RQ hold every task PostgreSQL says is waiting: nothing queued is ever lost.

Runs at worker start and periodically. Finds tasks that are `queued` but not held by RQ
(Redis was down at enqueue time, or Redis lost data) and `running` tasks whose heartbeat
stopped (their worker was killed), and enqueues them again. A task claimed twice is harmless:
the claim in PostgreSQL lets one run win.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from redis import Redis

from db import tasks
from db.pool import Database
from db.tenancy import tenant_transaction
from jobs.runtime.context import STALE_AFTER
from jobs.runtime.queues import enqueue_task

log = logging.getLogger(__name__)


def reconcile(
    db: Database,
    redis: Redis,
    *,
    queued_for: timedelta = timedelta(seconds=5),
    stale_after: timedelta = STALE_AFTER,
) -> list[int]:
    """Enqueue what needs it; return the task ids enqueued."""
    with db.connection() as conn, conn.transaction():
        candidates = tasks.to_reconcile(conn, queued_for, stale_after)
    enqueued = []
    for c in candidates:
        if not enqueue_task(redis, c.task_id, c.attempts, c.kind, c.queue):
            continue  # RQ already holds its next job
        if c.status == "running":
            log.warning("task %s: its worker stopped heartbeating; running it again", c.task_id)
        with tenant_transaction(db, c.tenant_id) as scope:
            tasks.mark_enqueued(scope, c.task_id)
        enqueued.append(c.task_id)
    if enqueued:
        log.info("reconciler enqueued tasks %s", enqueued)
    return enqueued
