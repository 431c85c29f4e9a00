"""Slack's inbound payloads as frozen intents (pure): the Events API's JSON
(`url_verification`, `event_callback` with app_mention, or a message in a thread or a direct
message), a slash command's form body, and an interaction (block_actions). Bots' own messages
are ignored (no loops).
https://docs.slack.dev/apis/events-api/ · https://docs.slack.dev/interactivity/implementing-slash-commands"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from chat.commands import Command, parse_command

_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")


@dataclass(frozen=True, slots=True)
class UrlVerification:
    challenge: str


@dataclass(frozen=True, slots=True)
class SlackMessageEvent:
    """A mention of the bot, or a message in a thread or a DM: where to answer and what."""

    team_id: str
    event_id: str
    kind: str  # "app_mention" | "message"
    channel: str
    user: str
    ts: str
    thread_ts: str  # the thread to answer in (the message's own ts when it starts one)
    text: str
    command: Command


@dataclass(frozen=True, slots=True)
class SlackIgnored:
    reason: str
    event_id: str = ""


@dataclass(frozen=True, slots=True)
class SlashCommand:
    team_id: str
    channel_id: str
    user_id: str
    command_name: str
    text: str
    response_url: str
    trigger_id: str
    command: Command


@dataclass(frozen=True, slots=True)
class SlackAction:
    """A click on one of our messages' elements (block_actions): Slack wants a 200 even for
    a URL button, which opens the dashboard by itself."""

    team_id: str
    user_id: str
    channel_id: str
    message_ts: str
    action_ids: tuple[str, ...]
    response_url: str


SlackEvent = UrlVerification | SlackMessageEvent | SlackIgnored


def _str(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    return value if isinstance(value, str) else ""


def parse_event_body(body: bytes) -> SlackEvent:
    """The Events API request body (after its signature was verified)."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return SlackIgnored("not JSON")
    if not isinstance(payload, dict):
        return SlackIgnored("not an object")
    kind = payload.get("type")
    if kind == "url_verification":
        challenge = _str(payload, "challenge")
        return UrlVerification(challenge) if challenge else SlackIgnored("no challenge")
    if kind != "event_callback":
        return SlackIgnored(f"type {str(kind)[:40]!r} not handled")
    event_id = _str(payload, "event_id")
    event = payload.get("event")
    if not event_id or not isinstance(event, dict):
        return SlackIgnored("no event", event_id)
    return _message_event(_str(payload, "team_id"), event_id, event)


def _message_event(team_id: str, event_id: str, event: dict[str, Any]) -> SlackEvent:
    kind = _str(event, "type")
    if kind not in ("app_mention", "message"):
        return SlackIgnored(f"event {kind[:40]!r} not handled", event_id)
    if event.get("bot_id") or event.get("subtype"):
        return SlackIgnored("a bot's message or an edit", event_id)
    thread_ts = _str(event, "thread_ts")
    in_dm = _str(event, "channel_type") == "im"
    if kind == "message" and not thread_ts and not in_dm:
        return SlackIgnored("a channel message outside a thread", event_id)
    ts, channel, user = _str(event, "ts"), _str(event, "channel"), _str(event, "user")
    if not (ts and channel and user and team_id):
        return SlackIgnored("incomplete event", event_id)
    text = _MENTION.sub(" ", _str(event, "text")).strip()
    return SlackMessageEvent(
        team_id=team_id,
        event_id=event_id,
        kind=kind,
        channel=channel,
        user=user,
        ts=ts,
        thread_ts=thread_ts or ts,
        text=text,
        command=parse_command(text, default_ask=True),
    )


def parse_slash_command(body: bytes) -> SlashCommand | SlackIgnored:
    """`/morningai ask …`: the form body Slack posts (after its signature was verified)."""
    try:
        form = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=64)
    except (UnicodeDecodeError, ValueError):
        return SlackIgnored("not a form")

    def one(key: str) -> str:
        values = form.get(key) or [""]
        return values[0]

    team_id, user_id, channel_id = one("team_id"), one("user_id"), one("channel_id")
    if not (team_id and user_id and channel_id and one("command")):
        return SlackIgnored("incomplete command")
    return SlashCommand(
        team_id=team_id,
        channel_id=channel_id,
        user_id=user_id,
        command_name=one("command"),
        text=one("text"),
        response_url=one("response_url"),
        trigger_id=one("trigger_id"),
        command=parse_command(one("text")),
    )


def parse_interactivity(body: bytes) -> SlackAction | SlackIgnored:
    """`POST /api/slack/interactions`: a form whose one field `payload` is JSON."""
    try:
        form = parse_qs(body.decode("utf-8"), max_num_fields=4)
        payload = json.loads((form.get("payload") or ["null"])[0])
    except (UnicodeDecodeError, ValueError):
        return SlackIgnored("not an interaction")
    if not isinstance(payload, dict) or payload.get("type") != "block_actions":
        return SlackIgnored("interaction not handled")

    def inner(key: str) -> dict[str, Any]:
        value = payload.get(key)
        return value if isinstance(value, dict) else {}

    actions = payload.get("actions")
    ids = tuple(
        _str(a, "action_id") for a in (actions if isinstance(actions, list) else [])
        if isinstance(a, dict)
    )  # fmt: skip
    team_id, user_id = _str(inner("team"), "id"), _str(inner("user"), "id")
    if not team_id or not user_id:
        return SlackIgnored("incomplete interaction")
    return SlackAction(
        team_id=team_id,
        user_id=user_id,
        channel_id=_str(inner("channel"), "id"),
        message_ts=_str(inner("container"), "message_ts"),
        action_ids=ids,
        response_url=_str(payload, "response_url"),
    )
