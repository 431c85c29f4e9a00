"""Discord's REST API for an application (interaction callbacks, follow-ups, edits of the
original response, channel messages, global command registration), with Discord's message
limits and 429s, and a sender of interactions signed with an Ed25519 key the fake holds."""

from __future__ import annotations

import itertools
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from flask import Flask, Response, request

from chatfakes.server import FakeServer

MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_DESCRIPTION = 4096
MAX_TITLE = 256
MAX_TOTAL = 6000
_ids = itertools.count(1_100_000_000_000_000_000)


@dataclass(frozen=True)
class DiscordCall:
    """One accepted call: what (callback, follow-up, edit, channel message), where, the body."""

    kind: str
    target: str  # interaction id, interaction token's interaction id, or channel id
    body: Any


def _answer(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status, headers or {}, mimetype="application/json")


def snowflake() -> str:
    return str(next(_ids))


class DiscordFake(FakeServer):
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
        self._interactions: dict[str, str] = {}  # token -> interaction id
        self._acknowledged: set[str] = set()
        self._exhaust: float | None = None
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

    def exhaust_bucket(self, reset_after: float) -> None:
        """The next answer says X-RateLimit-Remaining: 0, resetting after `reset_after` s."""
        with self.lock:
            self._exhaust = reset_after

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

    def _callback(self, iid: str, token: str) -> Response:
        refused = self._guard("interaction callback", bot=False)
        if refused is not None:
            return refused
        if self._interactions.get(token) != iid:
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
            _message_problem((body or {}).get("data") or {})
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
        iid = self._interactions.get(token)
        if app_id != self.application_id or iid is None:
            return self._refuse(operation, 401, {"message": "Invalid Webhook Token", "code": 50027})
        return iid

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
        problem = _message_problem(body) if isinstance(body, dict) else "not JSON"
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

    # inbound: what Discord sends to an app -------------------------------------------------

    def sign(self, body: bytes, timestamp: int | None = None) -> dict[str, str]:
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        signature = self.private_key.sign(stamp.encode() + body).hex()
        return {"X-Signature-Ed25519": signature, "X-Signature-Timestamp": stamp}

    def ping_payload(self) -> dict[str, Any]:
        return {
            "id": snowflake(),
            "application_id": self.application_id,
            "type": 1,
            "token": secrets.token_urlsafe(32),
            "version": 1,
        }

    def command_payload(
        self,
        subcommand: str,
        options: dict[str, str],
        *,
        user_id: str = "80351110224678912",
        guild_id: str | None = "290926798626357999",
        channel_id: str = "645027906669510667",
    ) -> dict[str, Any]:
        """A `/morningai <subcommand>` interaction; its token is live on this fake."""
        iid, token = snowflake(), secrets.token_urlsafe(48)
        with self.lock:
            self._interactions[token] = iid
        user = {"id": user_id, "username": f"user{user_id[-4:]}", "discriminator": "0"}
        payload: dict[str, Any] = {
            "id": iid,
            "application_id": self.application_id,
            "type": 2,
            "token": token,
            "version": 1,
            "channel_id": channel_id,
            "data": {
                "id": snowflake(),
                "name": "morningai",
                "type": 1,
                "options": [
                    {
                        "type": 1,
                        "name": subcommand,
                        "options": [{"type": 3, "name": k, "value": v} for k, v in options.items()],
                    }
                ],
            },
        }
        if guild_id is None:
            payload["user"] = user
        else:
            payload["guild_id"] = guild_id
            payload["member"] = {"user": user, "roles": [], "permissions": "0"}
        return payload

    def send_interaction(
        self,
        app_url: str,
        payload: dict[str, Any],
        *,
        timestamp: int | None = None,
        bad_signature: bool = False,
    ) -> httpx.Response:
        """POST an interaction to `app_url` as Discord does (signed; or, as Discord also does
        when an endpoint is registered, with a wrong signature)."""
        body = json.dumps(payload, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Discord-Interactions/1.0",
            **self.sign(body, timestamp),
        }
        if bad_signature:
            other = Ed25519PrivateKey.generate()
            headers["X-Signature-Ed25519"] = other.sign(
                headers["X-Signature-Timestamp"].encode() + body
            ).hex()
        return httpx.post(app_url, content=body, headers=headers, timeout=30)


def _message_problem(body: dict[str, Any]) -> str:
    """Discord's message limits; "" when the message is acceptable."""
    content = body.get("content") or ""
    embeds = body.get("embeds") or []
    if not isinstance(content, str) or len(content) > MAX_CONTENT:
        return f"content: Must be {MAX_CONTENT} or fewer in length."
    if not isinstance(embeds, list) or len(embeds) > MAX_EMBEDS:
        return f"embeds: Must be {MAX_EMBEDS} or fewer in length."
    total = 0
    for embed in embeds:
        if not isinstance(embed, dict):
            return "embeds: not an object"
        title, description = str(embed.get("title") or ""), str(embed.get("description") or "")
        if len(title) > MAX_TITLE or len(description) > MAX_DESCRIPTION:
            return "embeds: title or description too long"
        fields = embed.get("fields") or []
        total += len(title) + len(description)
        total += sum(len(str(f.get("name", ""))) + len(str(f.get("value", ""))) for f in fields)
    if total > MAX_TOTAL:
        return f"embeds: Embed size exceeds maximum size of {MAX_TOTAL}"
    return ""
