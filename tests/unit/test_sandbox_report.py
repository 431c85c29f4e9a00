"""The workers' sandbox on the setup page (jobs/runtime/setup_checks.py): what a worker records
in Redis when it starts, read back into `check_sandbox`'s verdicts — and a value that is no
report reads as none (the row is "off"), never an error."""

from __future__ import annotations

import json

import pytest

from jobs.runtime.sandbox_checks import (
    SandboxReport,
    check_reported_sandbox,
    read_sandbox_report,
    sandbox_report_json,
)

BWRAP = SandboxReport(
    "auto", "bubblewrap", "bubblewrap: no network, …", "worker-1", "2026-12-05T01:00:00+00:00"
)


def test_a_report_reads_back_as_written() -> None:
    assert read_sandbox_report(sandbox_report_json(BWRAP)) == BWRAP
    assert read_sandbox_report(sandbox_report_json(BWRAP).encode()) == BWRAP  # as Redis answers


def test_bubblewrap_holds_and_the_detail_names_the_worker_and_when() -> None:
    check = check_reported_sandbox(BWRAP)
    assert (check.name, check.status, check.fix) == ("sandbox", "ok", "")
    assert check.detail == "worker worker-1, 2026-12-05T01:00:00+00:00: bubblewrap: no network, …"


def test_the_process_floor_is_a_warning_with_the_fix() -> None:
    chosen = SandboxReport("process", "process", "process only: …", "w", "t")
    check = check_reported_sandbox(chosen)
    assert check.status == "warn"
    assert check.fix.startswith("unset MORNINGAI_SANDBOX=process")
    floor = check_reported_sandbox(SandboxReport("auto", "process", "process only: …", "w", "t"))
    assert floor.status == "warn"
    assert floor.fix.startswith("install bubblewrap")


def test_no_sandbox_at_all_fails() -> None:
    check = check_reported_sandbox(SandboxReport("bubblewrap", None, "no sandbox: …", "w", "t"))
    assert check.status == "fail"
    assert "apt-get install bubblewrap" in check.fix


def test_before_any_worker_reported_the_row_is_off_and_says_to_start_one() -> None:
    check = check_reported_sandbox(None)
    assert check.status == "off"
    assert check.fix.startswith("start a worker (`morningai worker` or `make run`)")


@pytest.mark.parametrize(
    "raw",
    [
        None,
        b"",
        b"not json",
        b"\xff\xfe",
        b"[1, 2]",
        b"null",
        json.dumps({"mode": "auto", "kind": "bubblewrap", "described": "x", "host": "h"}),
        json.dumps({"mode": "auto", "kind": "chroot", "described": "x", "host": "h", "at": "t"}),
        json.dumps({"mode": 1, "kind": None, "described": "x", "host": "h", "at": "t"}),
    ],
)
def test_anything_else_in_redis_reads_as_no_report(raw: bytes | str | None) -> None:
    assert read_sandbox_report(raw) is None
    assert check_reported_sandbox(read_sandbox_report(raw)).status == "off"
