"""What a task is about — the web → worker contract stored in `tasks.subject` — with one encoder
and one decoder, so both sides agree on every field and its type."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# the issue number of a task asked for from the command line: no thread to answer in
NO_THREAD = 0


class SubjectError(ValueError):
    """A stored subject does not decode: the task cannot say what it is about."""


@dataclass(frozen=True)
class ChatThread:
    """Where in a chat a task was asked for, to answer there and report its progress."""

    platform: str  # slack | discord | telegram
    workspace_id: int  # chat_workspaces.id (the tenant's own row)
    channel: str  # Slack channel id, Discord channel id, Telegram chat id
    thread: str = ""  # Slack thread_ts, Telegram message id replied to; "" for none
    # Discord: the interaction's token (15 minutes) for the deferred reply; kept only in the row
    reply_token: str = field(default="", repr=False)

    def encode(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "workspace_id": self.workspace_id,
            "channel": self.channel,
            "thread": self.thread,
            "reply_token": self.reply_token,
        }

    @classmethod
    def decode(cls, data: Any) -> ChatThread | None:
        if data is None:
            return None
        if not isinstance(data, Mapping):
            raise SubjectError("the task's chat thread is not a mapping")
        platform, workspace_id = data.get("platform"), data.get("workspace_id")
        if platform not in ("slack", "discord", "telegram"):
            raise SubjectError("the task's chat thread names no known platform")
        if not isinstance(workspace_id, int) or isinstance(workspace_id, bool):
            raise SubjectError("the task's chat thread names no workspace")
        return cls(
            platform,
            workspace_id,
            _text(data, "channel"),
            _text(data, "thread"),
            _text(data, "reply_token"),
        )


@dataclass(frozen=True)
class TaskSubject:
    repository: str  # owner/name
    number: int  # issue or pull request; NO_THREAD from the command line
    requested_by: str  # a GitHub login
    trigger: str = ""  # what asked: `label:…`, `comment:<id>:<verb>`, `merged:<sha>`, `cli`
    instructions: str = ""  # the command's argument: untrusted text
    reply_to: ChatThread | None = None  # asked from a chat: answer and report there too
    anyway: bool = False  # `/morningai code --anyway`: run even if a person is on the issue

    @property
    def has_thread(self) -> bool:
        return self.number != NO_THREAD

    def encode(self) -> dict[str, Any]:
        encoded: dict[str, Any] = {
            "repository": self.repository,
            "number": self.number,
            "requested_by": self.requested_by,
            "trigger": self.trigger,
            "instructions": self.instructions,
        }
        if self.reply_to is not None:
            encoded["reply_to"] = self.reply_to.encode()
        if self.anyway:
            encoded["anyway"] = True
        return encoded

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
            ChatThread.decode(data.get("reply_to")),
            data.get("anyway") is True,
        )


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise SubjectError(f"the task's subject has a non-text {key}")
    return value
