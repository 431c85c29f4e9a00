"""What failed in a pull request's checks, decided and rendered for the model — pure.

A fix task reads the failing check runs of its head commit (output, annotations and, for
GitHub Actions, the tail of the failed job's log) and the check runs of the base commit. A
check that fails on the base too is not the pull request's doing, so it is reported rather
than fixed. Everything a check run says is untrusted input: a log carries whatever the tests
printed, so it reaches the model cut to its tail and fenced.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from agents.untrusted import clean
from github_app.handlers import checks as checks_handler

# conclusions that ask for a fix; cancelled, neutral, skipped, stale, action_required do not
FAILED = checks_handler.FAILED
LOG_LINES = 200
# the instructions' fence keeps 20,000 characters: the log's tail, output and annotations fit
LOG_BYTES = 12_000
OUTPUT_CHARS = 3_000
ANNOTATION_CHARS = 2_000
# GitHub Actions prefixes each log line with an ISO timestamp, and colours some of it
_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z ", re.MULTILINE)
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# https://github.com/OWNER/REPO/actions/runs/RUN/job/JOB (the check run's details_url)
_JOB_URL = re.compile(r"/actions/runs/\d+/job(?:s)?/(\d+)(?:[/?#]|$)")


@dataclass(frozen=True)
class Failure:
    """One failing check run of the head commit, as the model is shown it."""

    name: str
    conclusion: str
    title: str = ""
    summary: str = ""
    text: str = ""
    annotations: tuple[str, ...] = ()
    log: str = ""


def failed(conclusion: object) -> bool:
    return conclusion in FAILED


def trim_log(log: str, *, lines: int = LOG_LINES, max_bytes: int = LOG_BYTES) -> str:
    """The tail of a job's log, where the error is: the last `lines` lines, at most
    `max_bytes` of UTF-8, without timestamps and colour codes."""
    text = _ANSI.sub("", _TIMESTAMP.sub("", log.replace("\r\n", "\n")))
    tail = "\n".join(text.rstrip("\n").split("\n")[-lines:])
    data = tail.encode("utf-8")
    if len(data) <= max_bytes:
        return tail
    cut = data[-max_bytes:].decode("utf-8", "ignore")
    # start on a whole line
    return cut.split("\n", 1)[1] if "\n" in cut else cut


def actions_job_id(details_url: object) -> int | None:
    """The Actions job behind a check run, from its details URL; None for other apps."""
    if not isinstance(details_url, str):
        return None
    match = _JOB_URL.search(details_url)
    return int(match.group(1)) if match else None


def split_by_base(
    failures: Iterable[Failure], base: Mapping[str, str | None]
) -> tuple[list[Failure], list[Failure]]:
    """(the pull request's own failures, those that fail on the base commit too). `base` maps
    each base check run's name to its conclusion; a check the base does not run is ours."""
    own: list[Failure] = []
    inherited: list[Failure] = []
    for failure in failures:
        (inherited if failed(base.get(failure.name)) else own).append(failure)
    return own, inherited


def annotation_line(path: object, line: object, level: object, message: object) -> str:
    return f"{path}:{line} [{level}] {message}"


def render(failures: Iterable[Failure]) -> str:
    """What the fix task asks of the model. It reaches the model as the task's instructions,
    fenced as untrusted as a whole (agents.code.nodes), within that fence's 20,000 characters:
    each part is cut here so the log's tail, where the error is, is never what gets cut."""
    parts = ["Fix the failing checks of this pull request. What the checks reported:"]
    for failure in failures:
        parts.append(f"## Check `{clean(failure.name, limit=200)}` ended {failure.conclusion}")
        output = "\n\n".join(p for p in (failure.title, failure.summary, failure.text) if p)
        if output:
            parts.append("Output:\n" + clean(output, limit=OUTPUT_CHARS))
        if failure.annotations:
            notes = "\n".join(failure.annotations)
            parts.append("Annotations:\n" + clean(notes, limit=ANNOTATION_CHARS))
        if failure.log:
            parts.append("The job's log, its last lines:\n" + failure.log)
    return "\n\n".join(parts)


def base_failures_comment(inherited: Iterable[Failure], base: str) -> str:
    names = ", ".join(f"`{f.name}`" for f in inherited)
    return (
        f"These checks fail on the base branch `{base}` too: {names}. "
        "They are not this pull request's doing, so MorningAI leaves them alone."
    )


def limit_comment(rounds: int) -> str:
    return (
        f"Checks still fail after {rounds} fix round{'s' if rounds != 1 else ''} "
        "(`ci.max_fix_rounds`); MorningAI stops here. Fix them by hand or raise the limit."
    )


CHECKS_LINE = "✅ Checks pass on "


def with_checks_passed(body: str, sha: str) -> str:
    """A status comment's body saying its pull request's checks pass on `sha`: one line under
    the title, replacing what an earlier head's said."""
    lines = [line for line in body.split("\n") if not line.startswith(CHECKS_LINE)]
    at = min(2, len(lines))  # the marker, the title, then this line
    lines[at:at] = [f"{CHECKS_LINE}`{sha[:12]}`.", ""]
    return "\n".join(lines).replace("\n\n\n", "\n\n")


def all_pass(conclusions: Iterable[str | None]) -> bool:
    """Every check run of the head has completed and none failed (a skipped or neutral one
    does not fail)."""
    found = list(conclusions)
    return bool(found) and all(c in ("success", "neutral", "skipped") for c in found)
