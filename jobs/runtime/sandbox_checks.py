"""Where model-written tests run, as a configuration check: on this host (`morningai doctor`
hands in agents/code/sandbox.py's report), or as the last worker to start reported it in Redis
(the setup page: the web process never imports the graphs, and is not the workers' host)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import timedelta

from redis import Redis

from core.settings import Settings
from jobs.runtime.check_result import Check, fail, ok

# what the last worker to start found (jobs/runtime/worker.py writes it); one key, so with
# several worker hosts the setup page shows the newest one's, and a gone worker's fades
SANDBOX_KEY = "morningai:sandbox"
SANDBOX_TTL = timedelta(days=7)
SANDBOX_KINDS = ("bubblewrap", "process", None)


def check_sandbox(mode: str, kind: str | None, described: str) -> Check:
    """Where model-written tests run on this host (agents/code/sandbox.py's `report`, handed in:
    the web process never imports the graphs, and is not the worker's host anyway): bubblewrap
    ✓; the process floor alone a warning; none at all (bubblewrap required, not there) ✗."""
    name = "sandbox"
    fix = (
        "unset MORNINGAI_SANDBOX=process: bubblewrap is used where the host allows it"
        if mode == "process"
        else "install bubblewrap (apt-get install bubblewrap) or allow unprivileged user "
        "namespaces (sysctl kernel.unprivileged_userns_clone=1; in a container, its seccomp "
        "and AppArmor profile)"
    )
    if kind == "bubblewrap":
        return ok(name, described)
    if kind == "process":
        return Check(name, "warn", described, fix)
    return fail(name, described, fix)


@dataclass(frozen=True)
class SandboxReport:
    """A worker's sandbox as it said at start: the setting, what it found, its words (no
    secret: limits, a user name, why bubblewrap does not run), its host and when (ISO)."""

    mode: str
    kind: str | None
    described: str
    host: str
    at: str


def sandbox_report_json(report: SandboxReport) -> str:
    return json.dumps(asdict(report))


def read_sandbox_report(raw: bytes | str | None) -> SandboxReport | None:
    """The report in Redis, or None when there is none or it is not one (never an error: a
    bad value reads as no report, and the next worker to start writes a good one)."""
    if raw is None:
        return None
    try:
        found = json.loads(raw)
    except ValueError:  # not JSON, or not UTF-8 (UnicodeDecodeError is one)
        return None
    if not isinstance(found, dict) or found.get("kind") not in SANDBOX_KINDS:
        return None
    words = [found.get(k) for k in ("mode", "described", "host", "at")]
    if not all(isinstance(w, str) for w in words):
        return None
    mode, described, host, at = (str(w) for w in words)
    return SandboxReport(mode, found["kind"], described, host, at)


def check_reported_sandbox(report: SandboxReport | None) -> Check:
    """`check_sandbox`'s verdict on what a worker reported; "off" before any worker did."""
    if report is None:
        return Check(
            "sandbox",
            "off",
            f"no worker has reported its sandbox (in the last {SANDBOX_TTL.days} days)",
            "start a worker (`morningai worker` or `make run`): it reports its sandbox when it "
            "starts",
        )
    found = check_sandbox(report.mode, report.kind, report.described)
    return Check(
        found.name, found.status, f"worker {report.host}, {report.at}: {found.detail}", found.fix
    )


def check_workers_sandbox(settings: Settings) -> Check:
    """The sandbox of the workers, as the last one to start reported it: the web process may
    not probe it (it never imports the graphs, and runs on another host)."""
    if not settings.redis_url:
        return Check(
            "sandbox",
            "off",
            "REDIS_URL is not set",
            "set REDIS_URL, or run `make run`: workers report their sandbox there",
        )
    client = Redis.from_url(settings.redis_url, socket_connect_timeout=5, socket_timeout=5)
    try:
        raw: bytes | None = client.get(SANDBOX_KEY)  # type: ignore[assignment]
    finally:
        client.close()
    return check_reported_sandbox(read_sandbox_report(raw))
