"""Parse a webhook body into the envelope every handler needs — pure, no I/O."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


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
    try:
        return Repo(int(raw["id"]), str(raw["full_name"]), bool(raw.get("private", False)))
    except (KeyError, TypeError, ValueError) as exc:
        raise PayloadError(f"repository lacks {exc}") from exc


def _optional_int(obj: dict[str, Any], key: str, where: str) -> int | None:
    if key not in obj or obj[key] is None:
        return None
    value = obj[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise PayloadError(f"{where}.{key} must be an integer")
    return value


def parse(delivery_id: str, event: str, body: bytes) -> Envelope:
    """Decode JSON and pull out the fields routing and recording need."""
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PayloadError(f"body is not valid JSON: {exc}") from exc
    if not isinstance(payload, dict):
        raise PayloadError("payload must be a JSON object")
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
