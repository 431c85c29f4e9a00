"""What Discord sends to an app: interactions (PING, the /morningai command), signed with an
Ed25519 key the fake holds (its public key is what the app is configured with)."""

from __future__ import annotations

import itertools
import json
import secrets
import threading
import time
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

_ids = itertools.count(1_100_000_000_000_000_000)


def snowflake() -> str:
    return str(next(_ids))


class DiscordSender:
    """Mixed into DiscordFake: its key, and the interactions it makes live."""

    application_id: str
    private_key: Ed25519PrivateKey
    lock: threading.RLock
    _interactions: dict[str, tuple[str, float]]
    _aged: float

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
            self._interactions[token] = (iid, time.monotonic() + self._aged)
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
