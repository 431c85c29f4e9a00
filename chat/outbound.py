"""One small interface over the three platforms for whoever sends MorningAI's messages (the
notification sink, the answer job): render a ChatMessage in the platform's format, within
its limits, and post it to a conversation, in a thread when there is one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from chat.discord import embeds
from chat.discord.client import DiscordClient
from chat.message import ChatMessage
from chat.slack import blocks
from chat.slack.client import SlackClient
from chat.telegram import html
from chat.telegram.client import TelegramClient


@dataclass(frozen=True, slots=True)
class Conversation:
    """Where to post: a Slack channel (and thread_ts), a Discord channel or thread (Discord's
    threads are channels), a Telegram chat (and the message replied to: Telegram has no threads
    outside forums, so a conversation there is a chain of replies — as `ChatThread.thread`)."""

    channel: str
    thread: str | None = None


class ChatOut(Protocol):
    platform: str

    def send(self, where: Conversation, message: ChatMessage) -> list[str]:
        """Post `message`; the ids of the platform messages it became, in order."""
        ...


class SlackOut:
    platform = "slack"

    def __init__(self, client: SlackClient) -> None:
        self.client = client

    def send(self, where: Conversation, message: ChatMessage) -> list[str]:
        rendered = blocks.render(message)
        return [self.client.post_message(where.channel, rendered, thread_ts=where.thread)]


class DiscordOut:
    platform = "discord"

    def __init__(self, client: DiscordClient) -> None:
        self.client = client

    def send(self, where: Conversation, message: ChatMessage) -> list[str]:
        channel = where.thread or where.channel
        return [self.client.post_channel_message(channel, embeds.render(message))]


class TelegramOut:
    platform = "telegram"

    def __init__(self, client: TelegramClient) -> None:
        self.client = client

    def send(self, where: Conversation, message: ChatMessage) -> list[str]:
        reply_to = int(where.thread) if where.thread else None
        sent = self.client.send_messages(
            int(where.channel), html.render(message), reply_to_message_id=reply_to
        )
        return [str(message_id) for message_id in sent]
