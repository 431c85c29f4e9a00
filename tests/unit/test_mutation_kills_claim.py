"""A task whose stored subject does not decode fails permanently with the reason, rather than
with an internal error later (mutation testing, bench/mutation.py: removing the conversion to
PermanentError survived the claim path's tests)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from db.tasks import Task
from jobs.runtime.errors import PermanentError, classify
from jobs.runtime.runner import TaskRun


def _task(subject: dict[str, Any]) -> Task:
    now = datetime.now(UTC)
    return Task(
        id=1, tenant_id=1, repository_id=None, kind="code", queue="default", status="running",
        subject=subject, delivery_id=None, trace_id="t", attempts=1, max_attempts=3, error=None,
        worker="w", created_at=now, enqueued_at=now, started_at=now, heartbeat_at=now,
        finished_at=None,
    )  # fmt: skip


def test_a_subject_that_does_not_decode_is_a_permanent_failure_with_its_reason() -> None:
    run = TaskRun(ctx=None, task=_task({"number": 1}), sinks=None)  # type: ignore[arg-type]
    with pytest.raises(PermanentError) as raised:
        _ = run.subject
    verdict = classify(raised.value)
    assert not verdict.transient
    assert verdict.reason == "the task's subject names no owner/repository"
