"""Tasks as the dashboard's JSON shows them (docs/api.md) — pure: rows in, dicts out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from db.reads.task_list import TaskView
from db.task_events import TaskEvent

FINISHED = ("succeeded", "failed", "cancelled")


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when is not None else None


FLOAT_NOISE = Decimal("1e-12")  # far below a cent's millionth, far above a float's error


def money(value: Decimal | float | None) -> str | None:
    """Dollars as a decimal string ("0.0123"): JSON numbers would round them."""
    if value is None:
        return None
    return format(Decimal(str(value)).normalize(), "f")


def thread_url(github_url: str, repository: str | None, number: int | None) -> str | None:
    """The issue or pull request a task is about (GitHub redirects /issues/N to /pull/N)."""
    if repository is None or not number:
        return None
    return f"{github_url.rstrip('/')}/{repository}/issues/{number}"


def task_json(
    task: TaskView, *, installation_id: int, account: str, github_url: str
) -> dict[str, Any]:
    duration = None
    if task.started_at is not None and task.finished_at is not None:
        duration = max(0.0, (task.finished_at - task.started_at).total_seconds())
    return {
        "id": task.id,
        "installation_id": installation_id,
        "account": account,
        "kind": task.kind,
        "status": task.status,
        "repository": task.repository,
        "number": task.number,
        "thread_url": thread_url(github_url, task.repository, task.number),
        "requested_by": task.requested_by,
        "trace_id": task.trace_id,
        "attempts": task.attempts,
        "max_attempts": task.max_attempts,
        "error": task.error,
        "model": task.model,
        "prompt_tokens": task.prompt_tokens,
        "completion_tokens": task.completion_tokens,
        "cost_usd": money(task.cost_usd),
        "pr_number": task.pr_number,
        "pr_url": task.pr_url,
        "pr_state": task.pr_state,
        "created_at": _iso(task.created_at),
        "started_at": _iso(task.started_at),
        "finished_at": _iso(task.finished_at),
        "duration_seconds": duration,
    }


def event_json(event: TaskEvent) -> dict[str, Any]:
    """A stored event as the timeline and the stream show it (its bulky data stays out: the
    diff and checks have their own fields on the task page)."""
    data = event.data or {}
    return {
        "id": event.id,
        "type": event.kind,
        "message": event.message,
        "stage": data.get("stage"),
        "link": data.get("link"),
        "at": _iso(event.created_at),
    }


def model_calls(events: Sequence[TaskEvent]) -> list[dict[str, Any]]:
    """Each model call: the difference between two `model` records (they hold the run's
    totals so far; a new attempt starts again from zero)."""
    calls: list[dict[str, Any]] = []
    prompt = completion = 0
    cost = Decimal(0)
    for event in events:
        if event.kind == "started":
            prompt = completion = 0
            cost = Decimal(0)
        if event.kind != "model":
            continue
        data = event.data
        p, c = int(data.get("prompt_tokens") or 0), int(data.get("completion_tokens") or 0)
        raw_cost = data.get("cost_usd")
        # recorded as a float sum: 0.0001124 arrives as 0.00011240000000000001
        total_cost = Decimal(str(raw_cost)).quantize(FLOAT_NOISE) if raw_cost is not None else None
        calls.append(
            {
                "at": _iso(event.created_at),
                "model": data.get("model"),
                "purpose": data.get("stage"),
                "prompt_tokens": max(0, p - prompt),
                "completion_tokens": max(0, c - completion),
                "cost_usd": money(total_cost - cost) if total_cost is not None else None,
            }
        )
        prompt, completion = p, c
        cost = total_cost if total_cost is not None else cost
    return calls


def last_change(events: Sequence[TaskEvent]) -> TaskEvent | None:
    return next((e for e in reversed(events) if e.kind == "change"), None)


def verification(
    change: TaskEvent | None, test_command: str | None = None
) -> dict[str, Any] | None:
    """The checks the agent ran on its last change: passed only when every one ran and passed."""
    if change is None:
        return None
    checks = [c for c in change.data.get("checks") or [] if isinstance(c, dict)]
    if not checks:
        return {"passed": False, "checks": [], "summary": "no checks ran"}
    passed = all(c.get("ran") and c.get("ok") for c in checks)
    not_run = [c.get("name") for c in checks if not c.get("ran")]
    failing = [c.get("name") for c in checks if c.get("ran") and not c.get("ok")]
    if passed:
        summary = "every check passed"
    elif failing:
        summary = "failed: " + ", ".join(str(n) for n in failing)
    else:
        summary = "not run: " + ", ".join(str(n) for n in not_run)
    return {
        "passed": passed,
        "summary": summary,
        "checks": [
            {
                "name": c.get("name"),
                "ok": bool(c.get("ok")),
                "ran": bool(c.get("ran")),
                "detail": str(c.get("detail") or ""),
            }
            for c in checks
        ],
    }


# What a maintainer can do about a failure, by what its stored reason says. The first match
# wins; the reason itself is always shown too.
_ADVICE: tuple[tuple[str, str], ...] = (
    ("lacks write access", "Ask someone with write access to the repository to request it."),
    ("is invalid", "Fix `.github/morningai.yml` (the Repositories page shows the error)."),
    ("token budget", "Raise `token_budget` in `.github/morningai.yml`, or split the issue."),
    ("base branch", "Set `base_branch` in `.github/morningai.yml` to a branch that exists."),
    ("installation is gone", "Install the GitHub App on this repository again."),
    ("no change", "Describe the expected change more precisely in the issue, then retry."),
    ("no instructions", "Write what to change after the command, e.g. `/morningai revise …`."),
    ("locked", "Unlock or reopen the issue, then retry."),
    ("closed", "Reopen the issue, then retry."),
    ("stopped by", "It was stopped on purpose; Retry runs it again."),
    ("model", "Check the model settings and the provider's status, then retry."),
    ("rate limit", "GitHub's rate limit was reached; retry in a little while."),
    ("timed out", "It ran out of time; retry, or split the issue into smaller ones."),
)


def failure(task: TaskView) -> dict[str, str] | None:
    if task.status not in ("failed", "cancelled"):
        return None
    reason = task.error or "no reason was recorded"
    lowered = reason.lower()
    advice = next(
        (what for words, what in _ADVICE if words in lowered),
        "Read the timeline below for the last step that ran, then retry.",
    )
    return {"reason": reason, "what_to_do": advice}
