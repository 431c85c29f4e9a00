"""The ids that follow one piece of work through logs, comments and tables."""

from __future__ import annotations

import uuid


def new_trace_id() -> str:
    """A task's trace id: 32 hex characters, shown in its status comment and every log line,
    unique across databases (task ids are not: a fresh database starts again at 1)."""
    return uuid.uuid4().hex
