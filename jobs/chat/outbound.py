"""The chat clients a job or sink posts with, built per workspace: Slack with the workspace's
bot token (stored sealed; opened with MORNINGAI_SECRET_KEY's box), Discord and Telegram with the
settings' bot tokens. `ThreadPoster` posts to and edits in the thread a task was asked from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chat.discord import embeds
from chat.discord.client import DiscordClient
from chat.errors import ChatApiError
from chat.message import ChatMessage
from chat.outbound import ChatOut, Conversation, DiscordOut, SlackOut, TelegramOut
from chat.slack import blocks
from chat.slack.client import SlackClient
from chat.telegram import html
from chat.telegram.client import TelegramClient
from core.secrets_at_rest import SecretBox
from core.settings import Settings
from core.subject import ChatThread
from db import chat
from db.pool import Database
from db.tenancy import tenant_transaction
from github_app.chat_links import open_bot_token

# Discord answers these when an interaction token has expired (15 minutes) or is unknown
_TOKEN_GONE = (401, 404)


class NotConfigured(Exception):
    """A platform or workspace MorningAI cannot post to (settings missing, bot token gone)."""


@dataclass(frozen=True)
class Clients:
    """One platform's client for one workspace."""

    platform: str
    slack: SlackClient | None = None
    discord: DiscordClient | None = None
    telegram: TelegramClient | None = None

    def out(self) -> ChatOut:
        if self.slack is not None:
            return SlackOut(self.slack)
        if self.discord is not None:
            return DiscordOut(self.discord)
        assert self.telegram is not None
        return TelegramOut(self.telegram)

    def close(self) -> None:
        for client in (self.discord, self.telegram):
            if client is not None:
                client.close()


def clients_for(settings: Settings, db: Database, tenant_id: int, workspace_id: int) -> Clients:
    """The client that speaks for the tenant's workspace; NotConfigured when there is none
    (a workspace of another tenant is not found: row-level security hides it)."""
    with tenant_transaction(db, tenant_id) as scope:
        workspace = chat.get_workspace(scope, workspace_id)
        sealed = chat.bot_token_sealed(scope, workspace_id) if workspace else None
    if workspace is None:
        raise NotConfigured("the chat workspace is no longer linked")
    if workspace.platform == "slack":
        if sealed is None:
            raise NotConfigured("the Slack workspace has no bot token")
        box = SecretBox.from_setting(_secret(settings.morningai_secret_key))
        base = settings.slack_api_url.rstrip("/") + "/"  # slack_sdk joins method names to it
        return Clients("slack", slack=SlackClient(open_bot_token(box, sealed), base_url=base))
    if workspace.platform == "discord":
        token = _secret(settings.discord_bot_token)
        if not (settings.discord_application_id and token):
            raise NotConfigured("DISCORD_APPLICATION_ID and DISCORD_BOT_TOKEN are not set")
        client = DiscordClient(
            settings.discord_application_id, token, base_url=settings.discord_api_url
        )
        return Clients("discord", discord=client)
    token = _secret(settings.telegram_bot_token)
    if not token:
        raise NotConfigured("TELEGRAM_BOT_TOKEN is not set")
    return Clients("telegram", telegram=TelegramClient(token, base_url=settings.telegram_api_url))


def _secret(value: Any) -> str:
    return value.get_secret_value() if value is not None else ""


class ThreadPoster:
    """Posts in the thread a task was asked from, and edits what it posted where the platform
    allows (Slack chat.update, Telegram editMessageText, Discord the interaction's original)."""

    def __init__(self, clients: Clients, thread: ChatThread) -> None:
        self.clients = clients
        self.thread = thread
        self._token_gone = not thread.reply_token

    def post(self, message: ChatMessage) -> list[str]:
        """Post `message`; the ids of the platform messages it became."""
        t = self.thread
        if self.clients.slack is not None:
            return SlackOut(self.clients.slack).send(
                Conversation(t.channel, t.thread or None), message
            )
        if self.clients.discord is not None:
            discord = self.clients.discord
            rendered = embeds.render(message)
            sent = self._interaction(lambda: discord.follow_up(t.reply_token, rendered))
            if sent is not None:
                return [sent]
            return DiscordOut(discord).send(Conversation(t.channel), message)
        assert self.clients.telegram is not None
        sent_ids = self.clients.telegram.send_messages(
            int(t.channel), html.render(message), reply_to_message_id=_int(t.thread)
        )
        return [str(i) for i in sent_ids]

    def edit(self, message_id: str, message: ChatMessage) -> bool:
        """Replace a message posted earlier; False where the platform cannot (it is left)."""
        t = self.thread
        if self.clients.slack is not None:
            self.clients.slack.update_message(t.channel, message_id, blocks.render(message))
            return True
        if self.clients.discord is not None:
            # the first follow-up after a deferral took the original's place
            discord = self.clients.discord
            rendered = embeds.render(message)
            return self._interaction(lambda: discord.edit_original(t.reply_token, rendered)) == ""
        assert self.clients.telegram is not None
        first = html.render(message)[0]  # a status message fits in one
        self.clients.telegram.edit_message_text(int(t.channel), int(message_id), first)
        return True

    def _interaction(self, call: Callable[[], str | None]) -> str | None:
        """`call()` through the interaction webhook while its token lasts: its result ("" for
        an edit), or None once the token is gone (then the bot's channel message serves)."""
        if self._token_gone:
            return None
        try:
            return call() or ""
        except ChatApiError as exc:
            if exc.status not in _TOKEN_GONE:
                raise
            self._token_gone = True
            return None


def _int(value: str) -> int | None:
    return int(value) if value.lstrip("-").isdigit() else None


def dashboard_link(settings: Settings, task_id: int) -> str | None:
    public = settings.morningai_public_url
    return f"{public.rstrip('/')}/tasks/{task_id}" if public else None
