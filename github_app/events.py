"""Parse a webhook body into the envelope every handler needs — pure, no I/O."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

# Every id the app stores is a PostgreSQL bigint; GitHub's ids fit, so larger ones are forged.
_BIGINT = 2**63


class PayloadError(ValueError):
    """The body is not a payload this event can have."""


@dataclass(frozen=True)
class Repo:
    github_id: int
    full_name: str
    private: bool


@dataclass(frozen=True)
class Envelope:
    delivery_id: str
    event: str
    action: str | None
    installation_id: int | None
    repository: Repo | None
    sender_login: str | None
    sender_type: str | None
    payload: dict[str, Any]

    @property
    def sender_is_bot(self) -> bool:
        return self.sender_type == "Bot" or (self.sender_login or "").endswith("[bot]")


def parse_repo(raw: object) -> Repo:
    if not isinstance(raw, dict):
        raise PayloadError("repository must be an object")
    github_id = raw.get("id")
    # an integer as GitHub sends it: int() of "9" * 30 or 1e300 is past PostgreSQL's bigint
    if isinstance(github_id, bool) or not isinstance(github_id, int):
        raise PayloadError("repository.id must be an integer")
    if not -_BIGINT <= github_id < _BIGINT:
        raise PayloadError("repository.id is out of range")
    try:
        return Repo(github_id, str(raw["full_name"]), bool(raw.get("private", False)))
    except KeyError as exc:
        raise PayloadError(f"repository lacks {exc}") from exc


def is_thread_number(value: object) -> bool:
    """An issue's or pull request's number as GitHub gives it: an integer from 1 (JSON's
    true and false are Python ints; 0 is the task subject of no thread, the command line's)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < _BIGINT


def _optional_int(obj: dict[str, Any], key: str, where: str) -> int | None:
    if key not in obj or obj[key] is None:
        return None
    value = obj[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise PayloadError(f"{where}.{key} must be an integer")
    return value


def _no_constant(name: str) -> Any:
    raise PayloadError(f"body is not valid JSON: {name} is not a JSON number")


def _check_storable(payload: object) -> None:
    """Refuse what GitHub never sends and PostgreSQL cannot store: NUL characters and lone
    surrogates in strings (text and jsonb refuse both), numbers beyond bigint or infinite."""
    pending = [payload]
    while pending:  # a loop, not recursion: json.loads already bounds the nesting
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str):
            if "\x00" in item:
                raise PayloadError("payload holds a NUL character")
            if not item.isascii():
                try:
                    item.encode("utf-8")
                except UnicodeEncodeError:
                    raise PayloadError("payload holds an unpaired surrogate") from None
        elif isinstance(item, int) and not -_BIGINT <= item < _BIGINT:
            raise PayloadError("payload holds an integer out of range")
        elif isinstance(item, float) and not math.isfinite(item):
            raise PayloadError("payload holds a number out of range")


def parse(delivery_id: str, event: str, body: bytes) -> Envelope:
    """Decode JSON and pull out the fields routing and recording need."""
    try:
        payload = json.loads(body, parse_constant=_no_constant)
    # ValueError covers bad JSON, bad UTF-8 and ints over Python's digit limit; RecursionError
    # is what json raises for arrays nested thousands deep
    except (ValueError, RecursionError) as exc:
        if isinstance(exc, PayloadError):
            raise
        raise PayloadError(f"body is not valid JSON: {exc}") from exc
    if not isinstance(payload, dict):
        raise PayloadError("payload must be a JSON object")
    _check_storable(payload)
    action = payload.get("action")
    if action is not None and not isinstance(action, str):
        raise PayloadError("action must be a string")
    installation = payload.get("installation")
    installation_id = None
    if installation is not None:
        if not isinstance(installation, dict):
            raise PayloadError("installation must be an object")
        installation_id = _optional_int(installation, "id", "installation")
    repo = payload.get("repository")
    sender = payload.get("sender")
    sender = sender if isinstance(sender, dict) else {}
    return Envelope(
        delivery_id=delivery_id,
        event=event,
        action=action,
        installation_id=installation_id,
        repository=parse_repo(repo) if repo is not None else None,
        sender_login=sender.get("login") if isinstance(sender.get("login"), str) else None,
        sender_type=sender.get("type") if isinstance(sender.get("type"), str) else None,
        payload=payload,
    )
