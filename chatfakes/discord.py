"""Discord's REST API for an application (interaction callbacks, follow-ups, edits of the
original response, channel messages, global command registration), with Discord's message
limits and 429s, and a sender of interactions signed with an Ed25519 key the fake holds."""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from flask import Flask, Response, request

from chatfakes.discord_inbound import DiscordSender, snowflake
from chatfakes.limits import discord_message_problem
from chatfakes.server import FakeServer

# an interaction is answered within 3 s; its token then works for follow-ups for 15 minutes
CALLBACK_DEADLINE = 3.0
TOKEN_LIFETIME = 15 * 60


@dataclass(frozen=True)
class DiscordCall:
    """One accepted call: what (callback, follow-up, edit, channel message), where, the body."""

    kind: str
    target: str  # interaction id, interaction token's interaction id, or channel id
    body: Any


def _answer(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status, headers or {}, mimetype="application/json")


class DiscordFake(DiscordSender, FakeServer):
    name = "discord-fake"

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.application_id = snowflake()
        self.bot_token = (
            f"{secrets.token_urlsafe(18)}.{secrets.token_urlsafe(5)}.{secrets.token_urlsafe(27)}"
        )
        self.private_key = Ed25519PrivateKey.generate()
        self.public_key_hex = (
            self.private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
        )
        self.calls: list[DiscordCall] = []
        self.commands: list[dict[str, Any]] = []
        self.refused: list[tuple[str, int, Any]] = []  # (operation, status, body) of refusals
        self._interactions: dict[str, tuple[str, float]] = {}  # token -> (id, issued at)
        self._aged = 0.0  # seconds added to the clock by age_interactions()
        self._acknowledged: set[str] = set()
        self._exhaust: float | None = None
        self.channels: dict[str, dict[str, Any]] = {}  # id -> channel object (add_channel)
        app = Flask("discord-fake")
        app.add_url_rule(
            "/api/v10/interactions/<iid>/<token>/callback",
            view_func=self._callback,
            methods=["POST"],
        )
        app.add_url_rule(
            "/api/v10/webhooks/<app_id>/<token>", view_func=self._follow_up, methods=["POST"]
        )
        app.add_url_rule(
            "/api/v10/webhooks/<app_id>/<token>/messages/@original",
            view_func=self._edit,
            methods=["PATCH"],
        )
        app.add_url_rule(
            "/api/v10/channels/<channel_id>/messages", view_func=self._channel, methods=["POST"]
        )
        app.add_url_rule(
            "/api/v10/channels/<channel_id>", view_func=self._get_channel, methods=["GET"]
        )
        app.add_url_rule(
            "/api/v10/applications/<app_id>/commands",
            view_func=self._commands,
            methods=["PUT", "GET"],
        )
        super().__init__(app, host)
        self.api_url = self.url + "/api/v10"

    # inspection --------------------------------------------------------------------------

    def of_kind(self, kind: str) -> list[DiscordCall]:
        with self.lock:
            return [c for c in self.calls if c.kind == kind]

    def age_interactions(self, seconds: float) -> None:
        """Let `seconds` pass for the interactions issued so far (past 3 s the callback is
        refused, past 15 minutes the token)."""
        with self.lock:
            self._aged += seconds

    def _age(self, token: str) -> float | None:
        found = self._interactions.get(token)
        return None if found is None else time.monotonic() + self._aged - found[1]

    def exhaust_bucket(self, reset_after: float) -> None:
        """The next answer says X-RateLimit-Remaining: 0, resetting after `reset_after` s."""
        with self.lock:
            self._exhaust = reset_after

    def add_channel(
        self, guild_id: str, channel_id: str | None = None, *, visible: bool = True
    ) -> str:
        """A text channel of server `guild_id` (its id); `visible=False`: the bot may not view
        it (Discord answers 403 Missing Access)."""
        channel = channel_id or snowflake()
        with self.lock:
            self.channels[channel] = {
                "id": channel,
                "type": 0,  # GUILD_TEXT
                "guild_id": guild_id,
                "name": f"channel-{channel[-4:]}",
                "_visible": visible,
            }
        return channel

    # the API -----------------------------------------------------------------------------

    def _guard(self, operation: str, *, bot: bool) -> Response | None:
        wait = self.take_rate_limit(operation)
        if wait is not None:
            body = {"message": "You are being rate limited.", "retry_after": wait, "global": False}
            headers = {
                "Retry-After": str(max(1, round(wait))),
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset-After": f"{wait:g}",
                "X-RateLimit-Bucket": operation,
                "X-RateLimit-Scope": "user",
            }
            return self._refuse(operation, 429, body, headers)
        if bot and request.headers.get("Authorization") != f"Bot {self.bot_token}":
            return self._refuse(operation, 401, {"message": "401: Unauthorized", "code": 0})
        return None

    def _refuse(
        self, operation: str, status: int, body: Any, headers: dict[str, str] | None = None
    ) -> Response:
        self.refused.append((operation, status, body))
        return _answer(body, status, headers)

    def _ok(self, body: Any, status: int = 200) -> Response:
        headers = {
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "4",
            "X-RateLimit-Reset-After": "1",
        }
        if self._exhaust is not None:
            headers["X-RateLimit-Remaining"] = "0"
            headers["X-RateLimit-Reset-After"] = f"{self._exhaust:g}"
            self._exhaust = None
        if status == 204:
            return Response(b"", 204, headers)
        return _answer(body, status, headers)

    def send_interaction(
        self,
        app_url: str,
        payload: dict[str, Any],
        *,
        timestamp: int | None = None,
        bad_signature: bool = False,
    ) -> httpx.Response:
        """Send it signed, then do what Discord does with the app's HTTP answer: a message
        (type 4) or a deferral (type 5) is the interaction's initial response, after which its
        webhook takes follow-ups (as a call to the callback endpoint would be)."""
        answer = super().send_interaction(
            app_url, payload, timestamp=timestamp, bad_signature=bad_signature
        )
        if answer.status_code == 200 and "id" in payload:
            try:
                kind = answer.json().get("type")
            except ValueError:
                kind = None
            if kind in (4, 5):
                with self.lock:
                    self._acknowledged.add(str(payload["id"]))
                    self.calls.append(DiscordCall("callback", str(payload["id"]), answer.json()))
        return answer

    def _callback(self, iid: str, token: str) -> Response:
        refused = self._guard("interaction callback", bot=False)
        if refused is not None:
            return refused
        age = self._age(token)
        if self._interactions.get(token, ("",))[0] != iid or age is None or age > CALLBACK_DEADLINE:
            return self._refuse(
                "interaction callback", 404, {"message": "Unknown interaction", "code": 10062}
            )
        if iid in self._acknowledged:
            return self._refuse(
                "interaction callback",
                400,
                {"message": "Interaction has already been acknowledged.", "code": 40060},
            )
        body = request.get_json(silent=True)
        problem = (
            discord_message_problem((body or {}).get("data") or {})
            if isinstance(body, dict)
            else "not JSON"
        )
        if problem:
            return self._invalid("interaction callback", problem)
        self._acknowledged.add(iid)
        self.calls.append(DiscordCall("callback", iid, body))
        return self._ok(None, 204)

    def _webhook_target(self, operation: str, app_id: str, token: str) -> Response | str:
        refused = self._guard(operation, bot=False)
        if refused is not None:
            return refused
        age = self._age(token)
        if app_id != self.application_id or age is None or age > TOKEN_LIFETIME:
            return self._refuse(operation, 401, {"message": "Invalid Webhook Token", "code": 50027})
        return self._interactions[token][0]

    def _follow_up(self, app_id: str, token: str) -> Response:
        target = self._webhook_target("follow-up", app_id, token)
        if isinstance(target, Response):
            return target
        if target not in self._acknowledged:  # follow-ups come after the first response
            return self._refuse("follow-up", 404, {"message": "Unknown Webhook", "code": 10015})
        return self._message("follow-up", target)

    def _edit(self, app_id: str, token: str) -> Response:
        target = self._webhook_target("edit original", app_id, token)
        if isinstance(target, Response):
            return target
        if target not in self._acknowledged:
            return self._refuse("edit original", 404, {"message": "Unknown Message", "code": 10008})
        return self._message("edit original", target)

    def _channel(self, channel_id: str) -> Response:
        refused = self._guard("channel message", bot=True)
        return refused if refused is not None else self._message("channel message", channel_id)

    def _message(self, operation: str, target: str) -> Response:
        body = request.get_json(silent=True)
        problem = discord_message_problem(body) if isinstance(body, dict) else "not JSON"
        if problem:
            return self._invalid(operation, problem)
        self.calls.append(DiscordCall(operation, target, body))
        return self._ok({"id": snowflake(), "channel_id": target, **(body or {})})

    def _invalid(self, operation: str, problem: str) -> Response:
        body = {
            "message": "Invalid Form Body",
            "code": 50035,
            "errors": {"_errors": [{"message": problem}]},
        }
        return self._refuse(operation, 400, body)

    def _get_channel(self, channel_id: str) -> Response:
        refused = self._guard("get channel", bot=True)
        if refused is not None:
            return refused
        found = self.channels.get(channel_id)
        if found is None:
            return self._refuse("get channel", 404, {"message": "Unknown Channel", "code": 10003})
        if not found["_visible"]:
            return self._refuse("get channel", 403, {"message": "Missing Access", "code": 50001})
        self.calls.append(DiscordCall("get channel", channel_id, None))
        return self._ok({k: v for k, v in found.items() if not k.startswith("_")})

    def _commands(self, app_id: str) -> Response:
        refused = self._guard("register commands", bot=True)
        if refused is not None:
            return refused
        if app_id != self.application_id:
            return self._refuse(
                "register commands", 403, {"message": "Missing Access", "code": 50001}
            )
        if request.method == "GET":
            return self._ok(self.commands)
        body = request.get_json(silent=True)
        if not isinstance(body, list) or not all(
            isinstance(c, dict) and c.get("name") for c in body
        ):
            return self._invalid("register commands", "a list of commands with names")
        self.commands = [
            {**c, "id": snowflake(), "application_id": self.application_id} for c in body
        ]
        return self._ok(self.commands)
