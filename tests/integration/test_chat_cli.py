"""`morningai discord register-commands` and `morningai telegram set-webhook`, run as the
installed command against the Discord and Telegram fakes over HTTP: what each platform
stored, what the command printed (never a token), and a clear exit 2 naming missing settings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chat.discord.interactions import COMMANDS
from chatfakes.discord import DiscordFake
from chatfakes.telegram import TelegramFake
from tests.support.processes import run_cli

CHAT_SETTINGS = (
    "DISCORD_APPLICATION_ID",
    "DISCORD_BOT_TOKEN",
    "DISCORD_PUBLIC_KEY",
    "DISCORD_API_URL",
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_WEBHOOK_SECRET",
    "TELEGRAM_API_URL",
    "MORNINGAI_PUBLIC_URL",
)
SECRET = "tg_webhook_secret-0123456789"


@pytest.fixture
def discord() -> Iterator[DiscordFake]:
    with DiscordFake() as fake:
        yield fake


@pytest.fixture
def telegram() -> Iterator[TelegramFake]:
    with TelegramFake() as fake:
        yield fake


def env(**values: str) -> dict[str, str]:
    """The command's environment: every chat setting unset unless given here."""
    unset = dict.fromkeys(CHAT_SETTINGS, "")
    return {**unset, **values}


def test_register_commands_overwrites_discords_global_commands(discord: DiscordFake) -> None:
    discord.commands = [{"name": "stale", "id": "1"}]
    done = run_cli(
        "discord",
        "register-commands",
        env=env(
            DISCORD_APPLICATION_ID=discord.application_id,
            DISCORD_BOT_TOKEN=discord.bot_token,
            DISCORD_API_URL=discord.api_url,
        ),
    )
    assert done.returncode == 0, done.stderr
    assert [c["name"] for c in discord.commands] == [c["name"] for c in COMMANDS]
    assert discord.commands[0]["options"] == COMMANDS[0]["options"]
    assert f"Registered 1 global command(s) for application {discord.application_id}" in (
        done.stdout
    )
    assert "/morningai" in done.stdout
    assert discord.bot_token not in done.stdout + done.stderr


def test_register_commands_with_a_wrong_token_fails_without_printing_it(
    discord: DiscordFake,
) -> None:
    wrong = discord.bot_token[::-1]
    done = run_cli(
        "discord",
        "register-commands",
        env=env(
            DISCORD_APPLICATION_ID=discord.application_id,
            DISCORD_BOT_TOKEN=wrong,
            DISCORD_API_URL=discord.api_url,
        ),
    )
    assert done.returncode == 1
    assert "HTTP 401" in done.stderr
    assert discord.commands == []
    assert wrong not in done.stdout + done.stderr


def test_set_webhook_points_telegram_at_the_endpoint_with_the_secret(
    telegram: TelegramFake,
) -> None:
    done = run_cli(
        "telegram",
        "set-webhook",
        "--url",
        "https://morningai.example/api/telegram/webhook",
        env=env(
            TELEGRAM_BOT_TOKEN=telegram.bot_token,
            TELEGRAM_WEBHOOK_SECRET=SECRET,
            TELEGRAM_API_URL=telegram.api_url,
        ),
    )
    assert done.returncode == 0, done.stderr
    assert telegram.webhook_url == "https://morningai.example/api/telegram/webhook"
    assert telegram.webhook_secret == SECRET
    assert "https://morningai.example/api/telegram/webhook" in done.stdout
    for secret in (telegram.bot_token, SECRET):
        assert secret not in done.stdout + done.stderr


def test_set_webhook_defaults_to_the_public_url(telegram: TelegramFake) -> None:
    done = run_cli(
        "telegram",
        "set-webhook",
        env=env(
            TELEGRAM_BOT_TOKEN=telegram.bot_token,
            TELEGRAM_WEBHOOK_SECRET=SECRET,
            TELEGRAM_API_URL=telegram.api_url,
            MORNINGAI_PUBLIC_URL="https://ai.example.org/",
        ),
    )
    assert done.returncode == 0, done.stderr
    assert telegram.webhook_url == "https://ai.example.org/api/telegram/webhook"


def test_set_webhook_refused_by_telegram_exits_1_without_the_token(
    telegram: TelegramFake,
) -> None:
    done = run_cli(
        "telegram",
        "set-webhook",
        "--url",
        "http://plain.example/api/telegram/webhook",  # Telegram wants HTTPS
        env=env(
            TELEGRAM_BOT_TOKEN=telegram.bot_token,
            TELEGRAM_WEBHOOK_SECRET=SECRET,
            TELEGRAM_API_URL=telegram.api_url,
        ),
    )
    assert done.returncode == 1
    assert "HTTPS URL must be provided" in done.stderr
    assert telegram.webhook_url == ""
    assert telegram.bot_token not in done.stdout + done.stderr


@pytest.mark.parametrize(
    ("args", "given", "named"),
    [
        (("discord", "register-commands"), {}, "DISCORD_APPLICATION_ID, DISCORD_BOT_TOKEN are"),
        (
            ("discord", "register-commands"),
            {"DISCORD_APPLICATION_ID": "123"},
            "DISCORD_BOT_TOKEN is not set",
        ),
        (
            ("telegram", "set-webhook", "--url", "https://x.example/api/telegram/webhook"),
            {"TELEGRAM_BOT_TOKEN": "1:abc"},
            "TELEGRAM_WEBHOOK_SECRET is not set",
        ),
        (
            ("telegram", "set-webhook"),
            {"TELEGRAM_BOT_TOKEN": "1:abc", "TELEGRAM_WEBHOOK_SECRET": SECRET},
            "give --url",
        ),
        (
            ("telegram", "set-webhook", "--url", "https://x.example/api/telegram/webhook"),
            {"TELEGRAM_BOT_TOKEN": "1:abc", "TELEGRAM_WEBHOOK_SECRET": "not allowed!"},
            "TELEGRAM_WEBHOOK_SECRET must be",
        ),
    ],
)
def test_missing_settings_exit_2_naming_them(
    args: tuple[str, ...], given: dict[str, str], named: str
) -> None:
    done = run_cli(*args, env=env(**given))
    assert done.returncode == 2
    assert named in done.stderr
    assert "Traceback" not in done.stderr
