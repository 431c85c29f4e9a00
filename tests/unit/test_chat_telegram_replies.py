"""A Telegram command sent as a reply names the message it answers (its conversation goes on
there); a forum topic's implicit reply to the topic's creation message is no reply (pure)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chat.telegram.updates import TelegramCommand, parse_update

CHAT = {"id": -100123, "type": "supergroup"}
BOT = {"id": 7000, "is_bot": True, "first_name": "MorningAI"}
ANSWER = {"message_id": 102, "date": 1, "chat": CHAT, "from": BOT, "text": "An answer"}
TOPIC = {"message_id": 50, "date": 1, "chat": CHAT, "forum_topic_created": {"name": "Help"}}


def _update(**message: Any) -> bytes:
    base = {"message_id": 104, "date": 1, "text": "/ask and twice?",
            "from": {"id": 42, "is_bot": False, "first_name": "Ada"},
            "chat": CHAT}  # fmt: skip
    return json.dumps({"update_id": 10000, "message": base | message}).encode()


@pytest.mark.parametrize(
    ("message", "replied_to"),
    [
        ({"reply_to_message": ANSWER}, 102),
        ({}, None),
        ({"reply_to_message": TOPIC, "message_thread_id": 50, "is_topic_message": True}, None),
        ({"reply_to_message": {"date": 1}}, None),
        ({"reply_to_message": "junk"}, None),
    ],
)
def test_the_message_replied_to(message: dict[str, Any], replied_to: int | None) -> None:
    found = parse_update(_update(**message), "MorningAIBot")
    assert isinstance(found, TelegramCommand)
    assert (found.message_id, found.reply_to_message_id) == (104, replied_to)
