"""The chat jobs' tests' fixed parts: the three platform fakes, settings pointing at them, a
tenant with its repository and linked chat workspaces made the app's way (row-level security
on), tasks asked from a chat created as the inbound endpoints create them, and a secrets scan."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import SecretStr

from chatfakes.discord import DiscordFake
from chatfakes.slack import SlackFake
from chatfakes.telegram import TelegramFake
from core.secrets_at_rest import SecretBox, new_key
from core.settings import Settings
from core.subject import NO_THREAD, ChatThread, TaskSubject
from db import chat, repositories, tasks, tenants
from db.pool import Database
from db.repositories import RepoRef
from db.tenancy import tenant_transaction, unscoped_transaction
from github_app.chat_links import seal_bot_token
from jobs.runtime.queues import enqueue_task

PUBLIC_URL = "https://morningai.example"
SIGNING_SECRET = "slack-signing-secret-" + uuid.uuid4().hex
WEBHOOK_SECRET = "tg_webhook_" + uuid.uuid4().hex


@dataclass(frozen=True)
class Fakes:
    slack: SlackFake
    discord: DiscordFake
    telegram: TelegramFake


def chat_settings(base: Settings, fakes: Fakes, **more: object) -> Settings:
    """`base` with every chat platform pointed at its fake (and a key for sealed tokens)."""
    return base.model_copy(
        update={
            "morningai_secret_key": _secret(new_key()),
            "morningai_public_url": PUBLIC_URL,
            "slack_signing_secret": _secret(SIGNING_SECRET),
            "slack_client_id": fakes.slack.client_id,
            "slack_client_secret": _secret(fakes.slack.client_secret),
            "slack_api_url": fakes.slack.api_url.rstrip("/"),  # as the setting's default reads
            "discord_application_id": fakes.discord.application_id,
            "discord_public_key": fakes.discord.public_key_hex,
            "discord_bot_token": _secret(fakes.discord.bot_token),
            "discord_api_url": fakes.discord.api_url,
            "telegram_bot_token": _secret(fakes.telegram.bot_token),
            "telegram_webhook_secret": _secret(WEBHOOK_SECRET),
            "telegram_api_url": fakes.telegram.api_url,
            **more,
        }
    )


def _secret(value: str) -> SecretStr:
    return SecretStr(value)


def tenant_with_repo(
    db: Database, installation: int, full_name: str, github_id: int
) -> tuple[int, int]:
    """(tenant id, repository id) for the installation and its repository."""
    with unscoped_transaction(db) as conn:
        tenant_id = tenants.upsert_installation(
            conn,
            installation_id=installation,
            account_login=full_name.split("/", maxsplit=1)[0],
            account_id=None,
            account_type="Organization",
            status="active",
        )
    with tenant_transaction(db, tenant_id) as scope:
        repository_id = repositories.upsert(scope, RepoRef(github_id, full_name))
    return tenant_id, repository_id


def link_workspace(
    db: Database,
    settings: Settings,
    tenant_id: int,
    platform: str,
    external_id: str,
    bot_token: str | None = None,
) -> int:
    """A workspace linked to the tenant (Slack's bot token sealed as the OAuth flow seals it)."""
    sealed = None
    if bot_token is not None:
        key = settings.morningai_secret_key
        assert key is not None
        sealed = seal_bot_token(SecretBox.from_setting(key.get_secret_value()), bot_token)
    new = chat.NewWorkspace(platform, external_id, f"{platform} {external_id}", "alice", 1, sealed)
    with tenant_transaction(db, tenant_id) as scope:
        return chat.link_workspace(scope, new).id


def subscribe(
    db: Database,
    tenant_id: int,
    workspace_id: int,
    channel: str,
    repository_id: int | None,
    events: tuple[str, ...],
) -> None:
    with tenant_transaction(db, tenant_id) as scope:
        chat.put_subscription(
            scope, workspace_id, channel, repository_id, events, by_login="alice", by_id=1
        )


def chat_task(
    db: Database,
    redis: object,
    tenant_id: int,
    repository_id: int,
    *,
    kind: str,
    repository: str,
    thread: ChatThread,
    instructions: str = "",
    number: int = NO_THREAD,
    requested_by: str = "alice",
) -> int:
    """A task asked from a chat, as web/chat creates it, and its job enqueued."""
    subject = TaskSubject(
        repository,
        number,
        requested_by,
        f"chat:{thread.platform}:{uuid.uuid4().hex[:12]}",
        instructions,
        thread,
    )
    new = tasks.NewTask(kind, "default", uuid.uuid4().hex, subject.encode(), repository_id)
    with tenant_transaction(db, tenant_id) as scope:
        task_id = tasks.create(scope, new).id
    enqueue_task(redis, task_id, 0, kind, "default")  # type: ignore[arg-type]
    return task_id


def recorded_texts(fakes: Fakes) -> list[str]:
    """Everything the three fakes were sent (messages, blocks, embeds), as text."""
    texts = [m.text + json.dumps(m.blocks) for m in fakes.slack.messages]
    texts += [json.dumps(r.body) for r in fakes.slack.responses]
    texts += [json.dumps(c.body) for c in fakes.discord.calls]
    texts += [m.text for m in fakes.telegram.messages]
    return texts


def secret_hits(texts: Iterable[str], secrets: Iterable[str]) -> list[str]:
    """Which secrets occur in which text (their first 12 characters, never the whole)."""
    wanted = [s for s in secrets if s]
    return [s[:12] for text in texts for s in wanted if s in text]
