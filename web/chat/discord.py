"""Discord's interactions endpoint: Ed25519 verified (401 otherwise: Discord sends bad
signatures on purpose), PING answered with PONG, the `/morningai` command recorded once on the
interaction id and deferred (type 5) while the job follows up through the interaction webhook;
short answers (usage, how to link) are ephemeral messages in the response itself.
https://discord.com/developers/docs/interactions/receiving-and-responding"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from flask import Blueprint, Response, jsonify, request

from chat.discord import interactions, signature
from web.chat import only_when_configured
from web.chat.intake import Inbound, body_key, handle, record
from web.errors import json_error
from web.services import Services, current_services

log = logging.getLogger(__name__)
blueprint = Blueprint("discord_inbound", __name__)
only_when_configured(blueprint, "discord")

PLATFORM = "discord"
CHANNEL_MESSAGE = 4
EPHEMERAL = 64
_MALFORMED = ("not JSON", "not an object", "incomplete interaction")
_keys: dict[str, Ed25519PublicKey] = {}  # the application's key, parsed once per hex


def _public_key(services: Services) -> Ed25519PublicKey | None:
    hex_key = (services.settings.discord_public_key or "").strip()
    if hex_key not in _keys:
        try:
            _keys[hex_key] = signature.public_key(hex_key)
        except ValueError:
            return None
    return _keys[hex_key]


def _message(text: str) -> Response:
    return jsonify(type=CHANNEL_MESSAGE, data={"content": text[:2000], "flags": EPHEMERAL})


@blueprint.post("/api/discord/interactions")
def interactions_view() -> Response:
    services = current_services()
    key = _public_key(services)
    if key is None:
        log.error("discord interaction refused: DISCORD_PUBLIC_KEY is not 64 hex characters")
        return json_error(503, "unavailable")
    body = request.get_data(cache=True)
    verdict = signature.verify(key, body, dict(request.headers), now=time.time())
    if not verdict:
        log.warning("discord interaction refused: %s", verdict.reason)
        return json_error(401, "invalid request signature")
    found = interactions.parse_interaction(body)
    if isinstance(found, interactions.Ping):
        return jsonify(interactions.PONG)
    stamp = request.headers.get(signature.TIMESTAMP_HEADER, "")
    if isinstance(found, interactions.DiscordIgnored):
        return _ignored(services, body, stamp, found.reason)
    if not found.guild_id:
        record(
            services, PLATFORM, found.interaction_id, "", outcome="ignored", detail="direct message"
        )
        return _message(
            "MorningAI works in Discord servers linked to an installation: use /morningai there."
        )
    handled = handle(services, _inbound(found))
    if handled.reply:
        return _message(handled.reply)
    return jsonify(interactions.DEFERRED)


def _inbound(found: interactions.DiscordCommand) -> Inbound:
    return Inbound(
        platform=PLATFORM,
        delivery_key=found.interaction_id,
        workspace=found.guild_id,
        user=found.user_id,
        channel=found.channel_id,
        thread="",
        command=found.command,
        reply_token=found.token,
    )


def _ignored(services: Services, body: bytes, stamp: str, reason: str) -> Response:
    guild = _guild(body)
    key = body_key("body", stamp, body)
    if reason in _MALFORMED:
        record(services, PLATFORM, key, guild, outcome="rejected", detail=reason)
        return json_error(400, "not an interaction")
    record(services, PLATFORM, key, guild, outcome="ignored", detail=reason)
    return _message("MorningAI answers /morningai ask, code and link.")


def _guild(body: bytes) -> str:
    try:
        payload: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return ""
    guild = payload.get("guild_id") if isinstance(payload, dict) else None
    return guild if isinstance(guild, str) else ""
