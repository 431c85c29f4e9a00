"""What a "pull request opened" notification says of the change (issue 11: link, title, files
changed, verification result): read from the task's `change` event, which the code task
records before it opens the pull request (jobs/code/change.py). Pure but for the one read."""

from __future__ import annotations

import re
from typing import Any

from db import task_events
from db.pool import Database
from db.tenancy import tenant_transaction

SHOWN_FILES = 10
# jobs/code/change.py's unified_diff writes `diff --git a/{path} b/{path}` for each file
_DIFF_FILE = re.compile(r"^diff --git a/(.+) b/\1$", re.MULTILINE)
_COUNT = re.compile(r"^(\d+) file")


def change_text(db: Database, tenant_id: int, task_id: int) -> str:
    """The files the task changed and its checks' verdicts, as markdown ("" when it recorded
    no change)."""
    with tenant_transaction(db, tenant_id) as scope:
        changes = [e for e in task_events.for_task(scope, task_id) if e.kind == "change"]
    if not changes:
        return ""
    return describe(changes[-1].message, changes[-1].data or {})


def describe(message: str, data: dict[str, Any]) -> str:
    """`change` event → two lines: "Files changed (n): `a`, `b`" and "Verification: …"."""
    paths = _DIFF_FILE.findall(str(data.get("diff") or ""))
    counted = _COUNT.match(message)
    count = int(counted.group(1)) if counted else len(paths)
    shown = ", ".join(f"`{p.replace('`', '')}`" for p in paths[:SHOWN_FILES])
    more = ", …" if count > min(len(paths), SHOWN_FILES) else ""
    files = f"Files changed ({count}): {shown}{more}" if shown else f"Files changed: {count}"
    return f"{files}\n\nVerification: {_verdicts(data.get('checks'))}"


def _verdicts(checks: Any) -> str:
    found = [c for c in checks or [] if isinstance(c, dict)]
    if not found:
        return "no check could run on the changed files."
    marks = []
    for check in found:
        name = str(check.get("name") or "check")[:80]
        if check.get("ok"):
            marks.append(f"✅ {name}")
        else:
            marks.append(f"❌ {name}" if check.get("ran") else f"⚠️ {name} (not run)")
    return "; ".join(marks) + "."
