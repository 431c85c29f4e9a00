"""Telegram updates as frozen intents (pure): a message whose text is /ask, /code, /link or
/start, in a private chat or a group, optionally addressed `/ask@OurBot` (a command addressed to
another bot is not ours). `/start <code>` is the deep link t.me/<bot>?start=<code>: a link.
https://core.telegram.org/bots/api#update · https://core.telegram.org/bots/features#commands"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from chat.commands import Command, Help, clean, parse_command, parse_link

_COMMAND = re.compile(r"/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]{1,64}))?(?=\s|$)")
VERBS = {"ask": "ask", "code": "code", "link": "link", "help": "help", "start": "start"}


@dataclass(frozen=True, slots=True)
class TelegramCommand:
    update_id: int
    chat_id: int
    chat_type: str  # "private" | "group" | "supergroup"
    user_id: int
    message_id: int
    message_thread_id: int | None
    command: Command
    # the message this one answers (a reply to one of MorningAI's answers continues that
    # conversation); None for a plain message, and for a forum topic's implicit reply
    reply_to_message_id: int | None = None


@dataclass(frozen=True, slots=True)
class TelegramIgnored:
    update_id: int | None
    reason: str


Update = TelegramCommand | TelegramIgnored


def _int(data: dict[str, Any], key: str) -> int | None:
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _dict(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def parse_update(body: bytes, bot_username: str) -> Update:
    """An update body (after its secret header was checked); `bot_username` from getMe."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return TelegramIgnored(None, "not JSON")
    if not isinstance(payload, dict) or _int(payload, "update_id") is None:
        return TelegramIgnored(None, "no update_id")
    update_id = _int(payload, "update_id")
    assert update_id is not None
    message = _dict(payload, "message")
    chat, sender = _dict(message, "chat"), _dict(message, "from")
    text = message.get("text")
    chat_id, user_id, message_id = _int(chat, "id"), _int(sender, "id"), _int(message, "message_id")
    if not isinstance(text, str) or chat_id is None or user_id is None or message_id is None:
        return TelegramIgnored(update_id, "not a text message")
    if sender.get("is_bot") is True:
        return TelegramIgnored(update_id, "a bot's message")
    command = _command(text, bot_username)
    if command is None:
        return TelegramIgnored(update_id, "not a command for this bot")
    return TelegramCommand(
        update_id=update_id,
        chat_id=chat_id,
        chat_type=str(chat.get("type") or ""),
        user_id=user_id,
        message_id=message_id,
        message_thread_id=_int(message, "message_thread_id"),
        command=command,
        reply_to_message_id=_replied_to(message),
    )


def _replied_to(message: dict[str, Any]) -> int | None:
    """The id of the message this one explicitly replies to. In a forum topic every message
    carries the topic's creation message as `reply_to_message`: that is no reply.
    https://core.telegram.org/bots/api#message"""
    replied = _dict(message, "reply_to_message")
    if not replied or "forum_topic_created" in replied:
        return None
    return _int(replied, "message_id")


def _command(text: str, bot_username: str) -> Command | None:
    match = _COMMAND.match(text)
    if match is None:
        return None
    addressed = match.group(2)
    if addressed is not None and addressed.lower() != bot_username.lower().lstrip("@"):
        return None
    verb = match.group(1).lower()
    rest = text[match.end() :]
    if verb == "start":
        payload = clean(rest)
        return parse_link(payload) if payload else Help()
    if verb not in VERBS:
        return Help("unknown command")
    return parse_command(f"{verb} {rest}")
