"""From the model's reply to a change: parse the edits and compute new file contents.

Nothing is written: the snapshot stays pristine, so a retry or a resumed run computes the
change again from the same base.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from agents.code.apply import ApplyFailed, plan_edits
from agents.code.edits import PatchError, parse_edits
from agents.code.paths import PathPolicy


class ChangeError(Exception):
    """The reply gave no applicable change. `str()` is the full feedback for the model;
    `reason` is the one line a maintainer reads."""

    def __init__(self, feedback: str, reason: str) -> None:
        super().__init__(feedback)
        self.reason = reason


@dataclass(frozen=True)
class Change:
    new_contents: dict[str, str | None]
    diff: str


def _reason(exc: PatchError) -> str:
    first = exc.errors[0] if isinstance(exc, ApplyFailed) and exc.errors else exc
    line = str(first).strip().splitlines()[0] if str(first).strip() else "no edits"
    return f"the model's edit did not apply ({line})"


def compute_change(root: Path, reply: str, forbidden: Sequence[str] = ()) -> Change:
    try:
        planned = plan_edits(root, parse_edits(reply), PathPolicy(tuple(forbidden)))
    except PatchError as exc:
        raise ChangeError(str(exc), _reason(exc)) from exc
    contents: dict[str, str | None] = {}
    for f in planned.files:
        try:
            contents[f.path] = None if f.after is None else f.after.decode("utf-8")
        except UnicodeDecodeError as exc:  # e.g. a renamed binary file: not ours to carry
            why = f"{f.path} is not UTF-8 text; binary files cannot be changed"
            raise ChangeError(why, f"the model's edit touches a binary file ({f.path})") from exc
    return Change(contents, planned.diff)
