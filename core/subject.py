"""What a task is about — the web → worker contract stored in `tasks.subject` — with one encoder
and one decoder, so both sides agree on every field and its type."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# the issue number of a task asked for from the command line: no thread to answer in
NO_THREAD = 0


class SubjectError(ValueError):
    """A stored subject does not decode: the task cannot say what it is about."""


@dataclass(frozen=True)
class TaskSubject:
    repository: str  # owner/name
    number: int  # issue or pull request; NO_THREAD from the command line
    requested_by: str  # a GitHub login
    trigger: str = ""  # what asked: `label:…`, `comment:<id>:<verb>`, `merged:<sha>`, `cli`
    instructions: str = ""  # the command's argument: untrusted text

    @property
    def has_thread(self) -> bool:
        return self.number != NO_THREAD

    def encode(self) -> dict[str, Any]:
        return {
            "repository": self.repository,
            "number": self.number,
            "requested_by": self.requested_by,
            "trigger": self.trigger,
            "instructions": self.instructions,
        }

    @classmethod
    def decode(cls, data: Mapping[str, Any]) -> TaskSubject:
        repository = data.get("repository")
        number = data.get("number")
        requested_by = data.get("requested_by")
        if not isinstance(repository, str) or repository.count("/") != 1:
            raise SubjectError("the task's subject names no owner/repository")
        if not isinstance(number, int) or isinstance(number, bool) or number < 0:
            raise SubjectError("the task's subject has no issue number")
        if not isinstance(requested_by, str) or not requested_by:
            raise SubjectError("the task's subject says nobody asked")
        return cls(
            repository,
            number,
            requested_by,
            _text(data, "trigger"),
            _text(data, "instructions"),
        )


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise SubjectError(f"the task's subject has a non-text {key}")
    return value
