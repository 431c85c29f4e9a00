"""Discord interactions as frozen intents (pure): PING (type 1) and the `/morningai` slash
command (APPLICATION_COMMAND, type 2) with its subcommands ask, code and link; the command
definitions to register; the interaction responses (PONG, deferred).
https://discord.com/developers/docs/interactions/receiving-and-responding"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from chat.commands import Command, Help, make_ask, parse_code_target, parse_link

PING = 1
APPLICATION_COMMAND = 2
PONG = {"type": 1}
# DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE: "thinking…", then a follow-up within 15 minutes
DEFERRED = {"type": 5}
COMMAND_NAME = "morningai"
_SUBCOMMAND, _STRING = 1, 3

COMMANDS: list[dict[str, Any]] = [
    {
        "name": COMMAND_NAME,
        "type": 1,
        "description": "Ask MorningAI about a repository, or hand it an issue",
        "options": [
            {
                "type": _SUBCOMMAND,
                "name": "ask",
                "description": "A cited answer from the repositories' memory",
                "options": [
                    {
                        "type": _STRING,
                        "name": "question",
                        "description": "Your question",
                        "required": True,
                        "max_length": 4000,
                    },
                    {
                        "type": _STRING,
                        "name": "repo",
                        "description": "owner/repo",
                        "required": False,
                        "max_length": 140,
                    },
                ],
            },
            {
                "type": _SUBCOMMAND,
                "name": "code",
                "description": "Start the code task on an issue",
                "options": [
                    {
                        "type": _STRING,
                        "name": "issue",
                        "description": "owner/repo#123",
                        "required": True,
                        "max_length": 152,
                    },
                ],
            },
            {
                "type": _SUBCOMMAND,
                "name": "link",
                "description": "Link your account or this server with a dashboard code",
                "options": [
                    {
                        "type": _STRING,
                        "name": "code",
                        "description": "The code from the dashboard",
                        "required": True,
                        "max_length": 64,
                    },
                ],
            },
        ],
    }
]


@dataclass(frozen=True, slots=True)
class Ping:
    pass


@dataclass(frozen=True, slots=True)
class DiscordCommand:
    interaction_id: str
    token: str  # the interaction token: a credential for 15 minutes; never log it
    application_id: str
    guild_id: str  # "" in a DM
    channel_id: str
    user_id: str
    command: Command

    def __repr__(self) -> str:
        return (
            f"DiscordCommand(interaction_id={self.interaction_id!r}, guild_id={self.guild_id!r}, "
            f"channel_id={self.channel_id!r}, user_id={self.user_id!r}, command={self.command!r})"
        )


@dataclass(frozen=True, slots=True)
class DiscordIgnored:
    reason: str


Interaction = Ping | DiscordCommand | DiscordIgnored


def _str(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    return value if isinstance(value, str) else ""


def _dict(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def parse_interaction(body: bytes) -> Interaction:
    """An interaction request body (after its signature was verified)."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return DiscordIgnored("not JSON")
    if not isinstance(payload, dict):
        return DiscordIgnored("not an object")
    kind = payload.get("type")
    if kind == PING:
        return Ping()
    if kind != APPLICATION_COMMAND:
        return DiscordIgnored(f"interaction type {str(kind)[:20]} not handled")
    data = _dict(payload, "data")
    if _str(data, "name") != COMMAND_NAME:
        return DiscordIgnored("another command")
    # in a guild the user is under member.user; in a DM under user
    user = _dict(_dict(payload, "member"), "user") or _dict(payload, "user")
    fields = [_str(payload, k) for k in ("id", "token", "application_id", "channel_id")]
    if not all(fields) or not _str(user, "id"):
        return DiscordIgnored("incomplete interaction")
    interaction_id, token, application_id, channel_id = fields
    return DiscordCommand(
        interaction_id=interaction_id,
        token=token,
        application_id=application_id,
        guild_id=_str(payload, "guild_id"),
        channel_id=channel_id,
        user_id=_str(user, "id"),
        command=_command(data),
    )


def _command(data: dict[str, Any]) -> Command:
    options = data.get("options")
    if not isinstance(options, list) or len(options) != 1 or not isinstance(options[0], dict):
        return Help("choose ask, code or link")
    sub = options[0]
    values: dict[str, str] = {}
    for option in sub.get("options") or []:
        if isinstance(option, dict) and isinstance(option.get("value"), str):
            values[_str(option, "name")] = option["value"]
    name = _str(sub, "name")
    if name == "ask":
        return make_ask(values.get("question", ""), values.get("repo"))
    if name == "code":
        return parse_code_target(values.get("issue", ""))
    if name == "link":
        return parse_link(values.get("code", ""))
    return Help("unknown command")
