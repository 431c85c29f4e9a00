"""The sandbox's setup check (jobs/runtime/setup_checks.py, run by `morningai doctor`): which
isolation model-written tests get here, as ✓, a warning, or ✗ with the fix."""

from __future__ import annotations

import logging

import pytest

from agents.code import sandbox
from jobs.runtime import worker
from jobs.runtime.sandbox_checks import check_sandbox
from morningai.doctor import passed, render

MISSING = "/nonexistent/bwrap"


def test_bubblewrap_holds() -> None:
    check = check_sandbox("auto", "bubblewrap", "bubblewrap: no network, …")
    assert (check.status, check.detail, check.fix) == ("ok", "bubblewrap: no network, …", "")


def test_the_process_floor_alone_is_a_warning_that_still_passes() -> None:
    check = check_sandbox("auto", *sandbox.report("auto", MISSING))
    assert check.status == "warn"
    assert check.detail.startswith("process only: bubblewrap not found at /nonexistent/bwrap")
    assert "WITHOUT network" in check.detail
    assert check.fix.startswith(
        "install bubblewrap (apt-get install bubblewrap) or allow unprivileged user namespaces"
    )
    assert passed([check])
    assert render([check]).startswith("! sandbox  process only:")


def test_process_chosen_on_purpose_names_the_setting() -> None:
    check = check_sandbox("process", *sandbox.report("process"))
    assert check.status == "warn"
    assert "MORNINGAI_SANDBOX=process" in check.detail
    assert check.fix.startswith("unset MORNINGAI_SANDBOX=process")


def test_required_bubblewrap_that_is_missing_fails() -> None:
    check = check_sandbox("bubblewrap", *sandbox.report("bubblewrap", MISSING))
    assert check.status == "fail"
    assert check.detail == (
        "no sandbox: MORNINGAI_SANDBOX=bubblewrap, but bubblewrap not found at "
        "/nonexistent/bwrap (apt-get install bubblewrap) — tests do not run"
    )
    assert "apt-get install bubblewrap" in check.fix
    assert not passed([check])


def test_the_worker_says_at_start_which_sandbox_is_in_force(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="jobs.runtime.worker")
    worker._say_sandbox("process")
    worker._say_sandbox("no-such-mode")
    said = [(r.levelno, r.getMessage()) for r in caplog.records]
    assert said[0][0] == logging.WARNING
    assert said[0][1].startswith("sandbox for tests: process only: bubblewrap not used")
    assert said[1][0] == logging.ERROR
    assert "tests do not run" in said[1][1]


def test_the_worker_names_the_shared_toolchains_and_warns_of_refused_ones(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="jobs.runtime.worker"):
        worker._say_shared("/opt/venv:/etc:relative")
    said = [(r.levelno, r.getMessage()) for r in caplog.records]
    assert (logging.INFO, "sandbox shares read-only: /opt/venv") in said
    assert (
        logging.WARNING,
        "MORNINGAI_SANDBOX_PATHS: not shared (relative, or the host's own place): /etc, relative",
    ) in said
