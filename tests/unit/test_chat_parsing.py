"""Inbound payloads of the three platforms into frozen intents (shapes from their docs)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest

from chat.commands import Ask, Code, Help, Link, RepoRef
from chat.discord.interactions import (
    COMMANDS,
    DiscordCommand,
    DiscordIgnored,
    Ping,
    parse_interaction,
)
from chat.slack.events import (
    SlackAction,
    SlackIgnored,
    SlackMessageEvent,
    SlashCommand,
    UrlVerification,
    parse_event_body,
    parse_interactivity,
    parse_slash_command,
)
from chat.telegram.updates import TelegramCommand, TelegramIgnored, parse_update

HELLO = RepoRef("octo-org", "hello")


def _json(payload: Any) -> bytes:
    return json.dumps(payload).encode()


# Slack Events API ----------------------------------------------------------------------------


def _event(event: dict[str, Any], **envelope: Any) -> bytes:
    base = {"type": "event_callback", "team_id": "T1", "event_id": "Ev1", "event_time": 1}
    return _json({**base, **envelope, "event": event})


def test_url_verification_gives_the_challenge() -> None:
    body = _json(
        {
            "token": "x",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification",
        }
    )
    assert parse_event_body(body) == UrlVerification(
        "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    )


def test_app_mention_starts_a_thread_on_its_own_message() -> None:
    body = _event(
        {
            "type": "app_mention",
            "user": "U1",
            "text": "<@U0LAN0Z89> how does retry work?",
            "ts": "1515449522.000016",
            "channel": "C1",
        }
    )
    found = parse_event_body(body)
    assert isinstance(found, SlackMessageEvent)
    assert (found.team_id, found.event_id, found.channel, found.user) == ("T1", "Ev1", "C1", "U1")
    assert found.thread_ts == "1515449522.000016"
    assert found.command == Ask("how does retry work?")


def test_mention_inside_a_thread_answers_in_that_thread() -> None:
    body = _event(
        {
            "type": "app_mention",
            "user": "U1",
            "text": "<@UBOT|morningai> code octo-org/hello#4",
            "ts": "2.0",
            "thread_ts": "1.0",
            "channel": "C1",
        }
    )
    found = parse_event_body(body)
    assert isinstance(found, SlackMessageEvent)
    assert found.thread_ts == "1.0"
    assert found.command == Code(HELLO, 4)


def test_thread_replies_and_direct_messages_are_read_channel_chatter_is_not() -> None:
    reply = {
        "type": "message",
        "user": "U1",
        "text": "and the tests?",
        "ts": "2.0",
        "thread_ts": "1.0",
        "channel": "C1",
    }
    dm = {
        "type": "message",
        "channel_type": "im",
        "user": "U1",
        "text": "hi",
        "ts": "3.0",
        "channel": "D1",
    }
    chatter = {
        "type": "message",
        "channel_type": "channel",
        "user": "U1",
        "text": "lunch?",
        "ts": "4.0",
        "channel": "C1",
    }
    assert isinstance(parse_event_body(_event(reply)), SlackMessageEvent)
    assert isinstance(parse_event_body(_event(dm)), SlackMessageEvent)
    assert parse_event_body(_event(chatter)) == SlackIgnored(
        "a channel message outside a thread", "Ev1"
    )


@pytest.mark.parametrize(
    "event",
    [
        {
            "type": "message",
            "bot_id": "B1",
            "text": "mine",
            "ts": "2.0",
            "thread_ts": "1.0",
            "channel": "C1",
        },
        {
            "type": "message",
            "subtype": "message_changed",
            "ts": "2.0",
            "thread_ts": "1.0",
            "channel": "C1",
        },
        {"type": "reaction_added", "user": "U1"},
        {"type": "app_mention", "text": "no user", "ts": "1.0", "channel": "C1"},
    ],
)
def test_bots_edits_other_events_and_incomplete_events_are_ignored(event: dict[str, Any]) -> None:
    found = parse_event_body(_event(event))
    assert isinstance(found, SlackIgnored)
    assert found.event_id == "Ev1"  # still de-duplicated and acknowledged


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[]",
        b'"x"',
        _json({"type": "event_callback"}),
        _json({"type": "app_rate_limited"}),
        b"\xff\xfe",
    ],
)
def test_junk_event_bodies_are_ignored(body: bytes) -> None:
    assert isinstance(parse_event_body(body), SlackIgnored)


# Slack slash commands ------------------------------------------------------------------------


def _form(text: str, **extra: str) -> bytes:
    fields = {
        "team_id": "T1", "channel_id": "C1", "user_id": "U1", "command": "/morningai", "text": text,
        "response_url": "https://hooks.slack.com/commands/T1/1/abc", "trigger_id": "1.2.3",
    } | extra  # fmt: skip
    return urlencode(fields).encode()


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("ask octo-org/hello what calls retry()?", Ask("what calls retry()?", HELLO)),
        ("ask what calls retry()?", Ask("what calls retry()?")),
        ("code octo-org/hello#123", Code(HELLO, 123)),
        ("link CODE-1234", Link("CODE-1234")),
        ("", Help("empty command")),
        ("<!channel> & friends", Help("unknown command")),
    ],
)
def test_slash_command_form_body(text: str, command: object) -> None:
    found = parse_slash_command(_form(text))
    assert isinstance(found, SlashCommand)
    assert (found.team_id, found.channel_id, found.user_id) == ("T1", "C1", "U1")
    assert found.response_url == "https://hooks.slack.com/commands/T1/1/abc"
    assert found.command == command


def test_slash_command_with_missing_fields_or_junk_is_ignored() -> None:
    assert isinstance(parse_slash_command(_form("ask x", team_id="")), SlackIgnored)
    assert isinstance(parse_slash_command(b"\xff\xfe"), SlackIgnored)
    assert isinstance(parse_slash_command(b"&".join([b"a=1"] * 100)), SlackIgnored)


# Slack interactivity -------------------------------------------------------------------------


def test_block_action_click() -> None:
    payload = {
        "type": "block_actions",
        "team": {"id": "T1"},
        "user": {"id": "U1"},
        "channel": {"id": "C1"},
        "container": {"type": "message", "message_ts": "1.5"},
        "response_url": "https://hooks.slack.com/actions/T1/1/x",
        "actions": [{"action_id": "open_dashboard", "type": "button"}],
    }
    found = parse_interactivity(urlencode({"payload": json.dumps(payload)}).encode())
    assert found == SlackAction(
        "T1", "U1", "C1", "1.5", ("open_dashboard",), payload["response_url"]
    )


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"payload=not-json",
        urlencode({"payload": json.dumps({"type": "view_submission"})}).encode(),
        urlencode({"payload": json.dumps({"type": "block_actions", "team": {}})}).encode(),
        b"\xff",
    ],
)
def test_other_interactions_are_ignored(body: bytes) -> None:
    assert isinstance(parse_interactivity(body), SlackIgnored)


# Discord interactions ------------------------------------------------------------------------


def _interaction(sub: str, options: dict[str, str], *, guild: bool = True) -> bytes:
    user = {"id": "53908232506183680", "username": "mason"}
    payload: dict[str, Any] = {
        "id": "786008729715212338", "application_id": "775799577604522054", "type": 2,
        "token": "A_UNIQUE_TOKEN", "version": 1, "channel_id": "772908445358620702",
        "data": {"id": "1", "name": "morningai", "type": 1, "options": [
            {"type": 1, "name": sub, "options": [
                {"type": 3, "name": k, "value": v} for k, v in options.items()
            ]},
        ]},
    }  # fmt: skip
    if guild:
        payload |= {"guild_id": "290926798626357999", "member": {"user": user}}
    else:
        payload["user"] = user
    return _json(payload)


def test_ping() -> None:
    assert parse_interaction(b'{"type":1,"id":"1","application_id":"2"}') == Ping()


def test_discord_ask_in_a_guild() -> None:
    found = parse_interaction(_interaction("ask", {"question": "how?", "repo": "octo-org/hello"}))
    assert isinstance(found, DiscordCommand)
    assert found.command == Ask("how?", HELLO)
    assert (found.guild_id, found.user_id, found.interaction_id) == (
        "290926798626357999",
        "53908232506183680",
        "786008729715212338",
    )
    assert found.token == "A_UNIQUE_TOKEN"
    assert "A_UNIQUE_TOKEN" not in repr(found)


def test_discord_code_and_link_in_a_dm() -> None:
    code = parse_interaction(_interaction("code", {"issue": "octo-org/hello#9"}, guild=False))
    link = parse_interaction(_interaction("link", {"code": "LINK-CODE-1"}, guild=False))
    assert isinstance(code, DiscordCommand)
    assert isinstance(link, DiscordCommand)
    assert (code.guild_id, code.user_id, code.command) == ("", "53908232506183680", Code(HELLO, 9))
    assert link.command == Link("LINK-CODE-1")


def test_discord_bad_options_are_help() -> None:
    found = parse_interaction(_interaction("code", {"issue": "octo-org/hello"}))
    assert isinstance(found, DiscordCommand)
    assert isinstance(found.command, Help)
    other = parse_interaction(_interaction("deploy", {}))
    assert isinstance(other, DiscordCommand)
    assert other.command == Help("unknown command")


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{",
        b"[]",
        _json({"type": 3}),
        _json({"type": 2, "data": {"name": "other"}}),
        _json({"type": 2, "data": {"name": "morningai"}}),
    ],
)
def test_discord_junk_is_ignored(body: bytes) -> None:
    assert isinstance(parse_interaction(body), DiscordIgnored)


def test_registered_command_definition_is_within_discord_limits() -> None:
    (command,) = COMMANDS
    assert command["name"] == "morningai"
    subs = {o["name"]: o for o in command["options"]}
    assert set(subs) == {"ask", "code", "link"}
    for option in [command, *subs.values()]:
        assert 1 <= len(option["description"]) <= 100
        assert option["name"] == option["name"].lower()
        assert len(option["name"]) <= 32


# Telegram updates ----------------------------------------------------------------------------


def _update(text: str, chat_type: str = "private", **message: Any) -> bytes:
    chat = {"id": -100123 if chat_type != "private" else 42, "type": chat_type}
    sender = {"id": 42, "is_bot": False, "first_name": "Ada"}
    base = {"message_id": 7, "date": 1, "text": text, "from": sender, "chat": chat}
    return _json({"update_id": 10000, "message": base | message})


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("/ask how does it work?", Ask("how does it work?")),
        ("/ask@MorningAIBot octo-org/hello why?", Ask("why?", HELLO)),
        ("/ask@morningaibot why?", Ask("why?")),
        ("/code octo-org/hello#12", Code(HELLO, 12)),
        ("/code@MorningAIBot octo-org/hello#12", Code(HELLO, 12)),
        ("/link ABCDEF-123", Link("ABCDEF-123")),
        ("/start ABCDEF-123", Link("ABCDEF-123")),
        ("/start", Help()),
        ("/help", Help()),
        ("/weather", Help("unknown command")),
    ],
)
def test_telegram_commands(text: str, command: object) -> None:
    found = parse_update(_update(text, "supergroup", message_thread_id=3), "MorningAIBot")
    assert isinstance(found, TelegramCommand)
    assert (found.update_id, found.chat_id, found.user_id, found.message_id) == (
        10000,
        -100123,
        42,
        7,
    )
    assert (found.chat_type, found.message_thread_id) == ("supergroup", 3)
    assert found.command == command


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (_update("/ask@OtherBot why?"), "not a command for this bot"),
        (_update("hello there"), "not a command for this bot"),
        (_update("/ask why", **{"from": {"id": 9, "is_bot": True}}), "a bot's message"),
        (_json({"update_id": 5, "edited_message": {}}), "not a text message"),
        (
            _json(
                {
                    "update_id": 5,
                    "message": {"message_id": 1, "chat": {"id": 1}, "from": {"id": 2}, "photo": []},
                }
            ),
            "not a text message",
        ),
    ],
)
def test_telegram_updates_that_are_not_ours(body: bytes, reason: str) -> None:
    found = parse_update(body, "MorningAIBot")
    assert isinstance(found, TelegramIgnored)
    assert found.reason == reason
    assert found.update_id is not None  # still recorded once, by update_id


@pytest.mark.parametrize(
    "body", [b"", b"[]", _json({"update_id": "7"}), _json({"update_id": True}), b"\x00"]
)
def test_telegram_junk(body: bytes) -> None:
    found = parse_update(body, "MorningAIBot")
    assert isinstance(found, TelegramIgnored)
    assert found.update_id is None
