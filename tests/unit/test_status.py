"""`morningai status` without I/O: which tasks count as stuck, and how the report reads."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from db.reads.operator import OpsTask
from db.reads.trouble import Stuck, ago, find_stuck
from morningai.status import StatusReport, render

NOW = datetime(2026, 5, 4, 12, 0, 0, tzinfo=UTC)
STALE = timedelta(seconds=60)
BASE = OpsTask(
    id=1,
    tenant_id=3,
    account_login="octo-org",
    kind="code",
    queue="default",
    status="running",
    repository="octo-org/hello",
    number=7,
    attempts=1,
    worker="host:12",
    error=None,
    created_at=NOW - timedelta(minutes=10),
    enqueued_at=NOW - timedelta(minutes=10),
    started_at=NOW - timedelta(minutes=4),
    heartbeat_at=NOW - timedelta(seconds=8),
    finished_at=None,
)


def test_ago() -> None:
    assert [
        ago(timedelta(seconds=s)) for s in (-3, 8, 252, 3 * 3600 + 300, 2 * 86400 + 3 * 3600)
    ] == [
        "0s",
        "8s",
        "4m12s",
        "3h05m",
        "2d03h",
    ]


def test_stuck_is_a_silent_worker_or_a_queued_task_rq_lost() -> None:
    fresh = BASE
    silent = replace(BASE, id=2, heartbeat_at=NOW - timedelta(minutes=5))
    lost = replace(BASE, id=3, status="queued", worker=None, started_at=None, heartbeat_at=None)
    held = replace(lost, id=4)
    just_queued = replace(lost, id=5, enqueued_at=NOW - timedelta(seconds=5))
    asked: list[int] = []

    def held_by_rq(task: OpsTask) -> bool:
        asked.append(task.id)
        return task.id == 4

    stuck = find_stuck([fresh, silent, lost, held, just_queued], NOW, STALE, held_by_rq)
    assert [(s.task.id, s.why) for s in stuck] == [
        (2, "no heartbeat for 5m00s on host:12"),
        (3, "queued 10m00s ago, RQ holds no job"),
    ]
    assert asked == [3, 4]  # RQ is asked only about tasks waiting longer than the stale time


def test_render_reads_as_a_report() -> None:
    failed = replace(
        BASE,
        id=9,
        status="failed",
        number=None,
        finished_at=NOW - timedelta(minutes=2),
        error="the model server answered 500\nthree times " + "x" * 200,
    )
    report = StatusReport(
        now=NOW,
        stale_after=STALE,
        queues={
            "high": {"queued": 0, "scheduled": 0, "started": 0, "failed": 0},
            "default": {"queued": 2, "scheduled": 1, "started": 1, "failed": 0},
            "low": {"queued": 0, "scheduled": 0, "started": 0, "failed": 3},
        },
        running=[BASE],
        stuck=[Stuck(replace(BASE, id=2), "no heartbeat for 5m00s on host:12")],
        failures=[failed],
    )
    text = render(report)
    lines = text.splitlines()
    assert lines[0] == "MorningAI status at 2026-05-04 12:00:00Z"
    assert "  default  2       1          1        0" in lines
    assert "Running tasks: 1" in lines
    assert any(
        line.split()[:5] == ["1", "code", "3", "octo-org", "octo-org/hello#7"]
        and line.endswith("8s ago")
        for line in lines
    )
    assert "Stuck tasks: 1 (TASK_STALE_SECONDS=60)" in lines
    assert any(line.endswith("no heartbeat for 5m00s on host:12") for line in lines)
    [failure] = [line for line in lines if line.startswith("  9 ")]
    assert "octo-org/hello " in failure
    assert "2026-05-04 11:58:00Z (2m00s ago)" in failure
    assert "the model server answered 500 three times xxx" in failure
    assert failure.endswith("…")


def test_render_says_none() -> None:
    report = StatusReport(NOW, STALE, {"default": dict.fromkeys(("queued",), 0)}, [], [], [])
    text = render(report)
    assert "Running tasks: none" in text
    assert "Stuck tasks: none (TASK_STALE_SECONDS=60)" in text
    assert "Last failures: none" in text
